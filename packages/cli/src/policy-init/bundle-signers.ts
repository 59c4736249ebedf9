/**
 * Who signed a bundle, as policy signers (DESIGN §6 `signatures.signers`).
 * A keyless signature names its signer: the certificate's identity and OIDC
 * issuer. A key signature names only a hint of its key (the SHA-256 of its
 * SPKI), and a policy needs the public key file, so a key signer is never
 * written from the bundle alone. These are what the signatures claim; the
 * gate is what verifies them.
 */
import type { BundleSignatureEntry } from '@wpack/manifest';
import { describeSignature } from '@wpack/signatures';
import { VerifierError, type PolicySigner } from '@wpack/verifier';

export interface BundleSigners {
  /** Key hints of the key signatures; '' for one that names no key. */
  keyHints: string[];
  /** Keyless identities, each once; `logged` when every signature of it has a transparency-log entry. */
  identities: { issuer: string; subject: string; logged: boolean }[];
}

export async function readSigners(signatures: readonly BundleSignatureEntry[]): Promise<BundleSigners> {
  const found: BundleSigners = { keyHints: [], identities: [] };
  for (const sig of signatures) {
    const d = await describeSignature(sig.bytes);
    if (d.kind === 'key' && !found.keyHints.includes(d.keyHint ?? '')) found.keyHints.push(d.keyHint ?? '');
    if (d.kind !== 'keyless' || d.issuer === undefined || d.identity === undefined) continue;
    const { issuer, identity: subject } = d;
    const logged = d.tlogIndex !== undefined;
    const same = found.identities.find((i) => i.issuer === issuer && i.subject === subject);
    if (same === undefined) found.identities.push({ issuer, subject, logged });
    else same.logged &&= logged;
  }
  return found;
}

/**
 * The bundle's keyless signers, each matched exactly. Refused when it has a
 * key signature (that needs --key) or no signature wpack can read.
 */
export function keylessSigners(label: string, found: BundleSigners): PolicySigner[] {
  if (found.keyHints.length > 0) {
    const hints = found.keyHints.map((h) => h || '(a key it does not name)');
    const which = hints.length === 1 ? `key ${hints.join('')}` : `keys ${hints.join(', ')}`;
    throw new VerifierError('SIGNER_REQUIRED', `${label} is signed with ${which}; pass --key <file.pub> holding ${hints.length === 1 ? 'that public key' : 'one of them'}`);
  }
  if (found.identities.length === 0) {
    throw new VerifierError('SIGNER_REQUIRED', `${label} has no signature to trust: sign it, or name a signer with --key <key.pub>, or --keyless-issuer with --keyless-subject`);
  }
  return found.identities.map(({ issuer, subject }) => ({
    // A subject is a glob where it holds * or ?: an identity holding them is matched as an anchored, escaped regular expression.
    keyless: /[*?]/.test(subject) ? { issuer, subjectRegExp: subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') } : { issuer, subject },
  }));
}

/** One line when none of the given keys signed the bundle: the policy would deny it until one does. */
export function unsignedByKeys(label: string, found: BundleSigners, given: readonly { path: string; hint: string }[]): string | undefined {
  if (given.length === 0 || given.some((k) => found.keyHints.includes(k.hint)) || found.keyHints.includes('')) return undefined;
  const by = [...found.keyHints.map((h) => `key ${h}`), ...found.identities.map((i) => `${i.subject} via ${i.issuer}`)];
  const keys = given.map((k) => `${k.path} (${k.hint})`).join(', ');
  return `${label} is not signed with ${keys}${by.length > 0 ? `, but with ${by.join(', ')}` : ' (it is not signed)'}: the policy denies it until it is`;
}
