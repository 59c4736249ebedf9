import type { KeyObject } from 'node:crypto';
import { readJson, type ValidationProblem } from '@wpack/core';
import { describeMatcher, matchIdentity, type IdentityMatcher } from './identity.js';
import { EMPTY_TRUSTED_ROOT } from './trusted-root.js';
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE, MANIFEST_SUBJECT, WPACK_PREDICATE_TYPE } from './statement.js';
import { sigstoreBundle, sigstoreSpecs, sigstoreVerify } from './sigstore-js.js';

export const SIGSTORE_BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** Every way one signature can fail, each its own code (tests assert these). */
export type SignatureFindingCode =
  | 'SIGNATURE_VERIFIED'
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_MEDIA_TYPE'
  | 'SIGNATURE_NOT_DSSE'
  | 'SIGNATURE_PAYLOAD_TYPE'
  | 'STATEMENT_INVALID'
  | 'SUBJECT_MISMATCH'
  | 'SIGNATURE_INVALID'
  | 'UNTRUSTED_KEY'
  | 'KEY_NOT_YET_VALID'
  | 'KEY_EXPIRED'
  | 'ISSUER_MISMATCH'
  | 'IDENTITY_MISMATCH'
  | 'DUPLICATE_SIGNER'
  | 'NO_SIGNATURES'
  | 'THRESHOLD_NOT_MET';

export interface TrustedKey {
  publicKey: KeyObject;
  /** base64(sha256(DER SPKI)), as in bundles. */
  hint: string;
  /** Where it came from, for messages (a file path). */
  source: string;
  validFrom?: Date;
  validUntil?: Date;
}

export interface TrustedIdentity {
  issuer: string;
  subject: IdentityMatcher;
}

export interface SignaturePolicy {
  keys: TrustedKey[];
  identities: TrustedIdentity[];
  /** Trusted root JSON for keyless signatures (CAs, logs, TSAs). */
  trustedRoot?: Record<string, unknown>;
  /** Distinct signers required; default 1. */
  minimum?: number;
  /** Transparency-log entries required for keyless signatures; default true. */
  requireTlog?: boolean;
  /** Accept any keyless identity the trusted root vouches for (for listing, never for a gate). */
  anyIdentity?: boolean;
  /** The time keys must be valid at when a signature carries no trusted timestamp. */
  now?: Date;
}

export interface SignatureFinding {
  code: SignatureFindingCode;
  /** The bundle entry, e.g. signatures/1.sigstore.json, or '' for bundle-wide findings. */
  entry: string;
  ok: boolean;
  message: string;
  kind?: 'key' | 'keyless';
  /** A stable signer identity: `key:<hint>` or `keyless:<issuer> <subject>`. */
  signer?: string;
}

export interface SignatureReport {
  verified: boolean;
  signers: string[];
  findings: SignatureFinding[];
}

interface BundleIdentity {
  digest: string;
}

/**
 * Verifies each signature offline and counts distinct trusted signers. On
 * top of sigstore-js it checks what it leaves to callers (DESIGN §10): the
 * DSSE payload type, the in-toto type and predicate, that a subject is this
 * bundle's digest, identities by exact or anchored match, key validity
 * windows, and that one key or identity counts once.
 */
export async function verifySignatures(bundle: BundleIdentity, signatures: { path: string; bytes: Buffer }[], policy: SignaturePolicy): Promise<SignatureReport> {
  const sigstore = await loadSigstore();
  const findings: SignatureFinding[] = [];
  const signers: string[] = [];
  for (const sig of signatures) {
    const finding = checkOne(sigstore, bundle, sig, policy);
    if (finding.ok && finding.signer !== undefined) {
      if (signers.includes(finding.signer)) {
        findings.push({ ...finding, ok: false, code: 'DUPLICATE_SIGNER', message: `${describeSigner(finding.signer)} already signed this bundle; a signer counts once` });
        continue;
      }
      signers.push(finding.signer);
    }
    findings.push(finding);
  }
  // Never fewer than one: "verified" must mean somebody trusted signed it.
  const minimum = Math.max(1, policy.minimum ?? 1);
  if (signatures.length === 0) {
    findings.push({ code: 'NO_SIGNATURES', entry: '', ok: false, message: 'the bundle carries no signatures (sign it with `wpack sign`)' });
  } else if (signers.length < minimum) {
    findings.push({
      code: 'THRESHOLD_NOT_MET',
      entry: '',
      ok: false,
      message: `${String(signers.length)} trusted signer${signers.length === 1 ? '' : 's'}, ${String(minimum)} required`,
    });
  }
  return { verified: signers.length >= minimum && signatures.length > 0, signers, findings };
}

type Sigstore = Awaited<ReturnType<typeof loadSigstore>>;

/** Loads sigstore-js ahead of time, so a caller can overlap it with reading a bundle. */
export async function warmUpVerifier(): Promise<void> {
  await loadSigstore();
}

// eslint-disable-next-line @typescript-eslint/require-await -- async so that a caller can start it and go on
async function loadSigstore() {
  return { bundle: sigstoreBundle(), verify: sigstoreVerify(), specs: sigstoreSpecs() };
}

function checkOne(s: Sigstore, target: BundleIdentity, sig: { path: string; bytes: Buffer }, policy: SignaturePolicy): SignatureFinding {
  const fail = (code: SignatureFindingCode, message: string, extra: Partial<SignatureFinding> = {}): SignatureFinding => ({
    code,
    entry: sig.path,
    ok: false,
    message,
    ...extra,
  });
  // Strict: a duplicate key would let two readers of one signature see two bundles.
  const read = readJson(sig.bytes.toString('utf8'));
  if (read.problems.length > 0) return fail('SIGNATURE_MALFORMED', `is not strict JSON: ${describeProblems(read.problems)}`);
  const json = read.value as { mediaType?: unknown } | null;
  if (json === null || typeof json !== 'object') return fail('SIGNATURE_MALFORMED', 'is not a JSON object');
  if (json.mediaType !== SIGSTORE_BUNDLE_V03) return fail('SIGNATURE_MEDIA_TYPE', `has media type ${JSON.stringify(json.mediaType)}; expected ${SIGSTORE_BUNDLE_V03}`);
  let parsed;
  try {
    parsed = s.bundle.bundleFromJSON(json);
  } catch (err) {
    return fail('SIGNATURE_MALFORMED', `is not a valid Sigstore bundle: ${(err as Error).message}`);
  }
  if (parsed.content.$case !== 'dsseEnvelope') return fail('SIGNATURE_NOT_DSSE', 'signs a message digest, not a DSSE in-toto statement: wpack signatures are DSSE');
  const envelope = parsed.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return fail('SIGNATURE_PAYLOAD_TYPE', `has DSSE payload type ${JSON.stringify(envelope.payloadType)}; expected ${IN_TOTO_PAYLOAD_TYPE}`);
  const statementProblem = checkStatement(envelope.payload, target.digest);
  if (statementProblem !== undefined) return fail(statementProblem.code, statementProblem.message);

  const material = parsed.verificationMaterial.content;
  const kind = material.$case === 'publicKey' ? 'key' : 'keyless';
  if (kind === 'key') return checkKeySignature(s, parsed, material.$case === 'publicKey' ? material.publicKey.hint : '', policy, fail, sig.path);
  return checkKeylessSignature(s, parsed, policy, fail, sig.path);
}

function checkStatement(payload: Buffer, digest: string): { code: SignatureFindingCode; message: string } | undefined {
  // Strict: with `"subject"` twice, another verifier could check the other subject list.
  const read = readJson(payload.toString('utf8'));
  if (read.problems.length > 0) return { code: 'STATEMENT_INVALID', message: `carries a payload that is not strict JSON: ${describeProblems(read.problems)}` };
  if (read.value === null || typeof read.value !== 'object') return { code: 'STATEMENT_INVALID', message: 'carries a payload that is not a JSON object' };
  const st = read.value as { _type?: unknown; predicateType?: unknown; subject?: unknown };
  if (st._type !== IN_TOTO_STATEMENT_TYPE) return { code: 'STATEMENT_INVALID', message: `carries a statement of type ${JSON.stringify(st._type)}; expected ${IN_TOTO_STATEMENT_TYPE}` };
  if (st.predicateType !== WPACK_PREDICATE_TYPE) return { code: 'STATEMENT_INVALID', message: `has predicate type ${JSON.stringify(st.predicateType)}; expected ${WPACK_PREDICATE_TYPE}` };
  const want = digest.replace(/^sha256:/, '');
  const subjects = Array.isArray(st.subject) ? (st.subject as { name?: unknown; digest?: { sha256?: unknown } }[]) : [];
  const manifestSubject = subjects.find((x) => x.name === MANIFEST_SUBJECT);
  if (manifestSubject?.digest?.sha256 !== want) {
    return {
      code: 'SUBJECT_MISMATCH',
      message: `signs wpack.json sha256:${typeof manifestSubject?.digest?.sha256 === 'string' ? manifestSubject.digest.sha256 : 'none'}, not this bundle (${digest}): a signature from another bundle`,
    };
  }
  return undefined;
}

type Fail = (code: SignatureFindingCode, message: string, extra?: Partial<SignatureFinding>) => SignatureFinding;
type ParsedBundle = ReturnType<Sigstore['bundle']['bundleFromJSON']>;

function checkKeySignature(s: Sigstore, parsed: ParsedBundle, hint: string, policy: SignaturePolicy, fail: Fail, entry: string): SignatureFinding {
  const extra = { kind: 'key' as const, signer: `key:${hint}` };
  // Exactly the key the bundle names; a bundle with an empty hint is tried against every trusted key.
  const candidates = policy.keys.filter((k) => hint === '' || k.hint === hint);
  if (candidates.length === 0) return fail('UNTRUSTED_KEY', `is signed by key ${hint || '(no hint)'}, which is not a trusted key`, extra);
  for (const key of candidates) {
    const trust = s.verify.toTrustMaterial(s.specs.TrustedRoot.fromJSON(EMPTY_TRUSTED_ROOT), () => ({ publicKey: key.publicKey, validFor: () => true }));
    try {
      new s.verify.Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(s.verify.toSignedEntity(parsed));
    } catch {
      continue;
    }
    const at = policy.now ?? new Date();
    const signer = `key:${key.hint}`;
    if (key.validFrom !== undefined && at < key.validFrom) return fail('KEY_NOT_YET_VALID', `key ${key.source} is valid only from ${key.validFrom.toISOString()}`, { ...extra, signer });
    if (key.validUntil !== undefined && at > key.validUntil) return fail('KEY_EXPIRED', `key ${key.source} expired at ${key.validUntil.toISOString()}`, { ...extra, signer });
    return { code: 'SIGNATURE_VERIFIED', entry, ok: true, message: `verified with key ${key.source}`, kind: 'key', signer };
  }
  return fail('SIGNATURE_INVALID', `does not verify with ${candidates.map((k) => k.source).join(', ')}: the signed payload was altered or another key signed it`, extra);
}

function checkKeylessSignature(s: Sigstore, parsed: ParsedBundle, policy: SignaturePolicy, fail: Fail, entry: string): SignatureFinding {
  if (policy.trustedRoot === undefined) return fail('UNTRUSTED_KEY', 'is a keyless signature, but no trusted root was given', { kind: 'keyless' });
  let signer;
  try {
    const trust = s.verify.toTrustMaterial(s.specs.TrustedRoot.fromJSON(policy.trustedRoot));
    const tlog = policy.requireTlog === false ? 0 : 1;
    // No identity policy here: sigstore-js would match it as an unanchored regex.
    signer = new s.verify.Verifier(trust, { tlogThreshold: tlog, ctlogThreshold: 1, timestampThreshold: 1 }).verify(s.verify.toSignedEntity(parsed));
  } catch (err) {
    return fail('SIGNATURE_INVALID', `does not verify against the trusted root: ${oneLine(err)}`, { kind: 'keyless' });
  }
  const issuer = signer.identity?.extensions?.issuer ?? '';
  const subject = signer.identity?.subjectAlternativeName ?? '';
  const extra = { kind: 'keyless' as const, signer: `keyless:${issuer} ${subject}` };
  if (policy.anyIdentity === true) return { code: 'SIGNATURE_VERIFIED', entry, ok: true, message: `verified: ${subject} via ${issuer}`, ...extra };
  const byIssuer = policy.identities.filter((i) => i.issuer === issuer);
  if (byIssuer.length === 0) {
    return fail('ISSUER_MISMATCH', `was signed by ${subject} via issuer ${issuer}, which is not a trusted issuer (${policy.identities.map((i) => i.issuer).join(', ') || 'none given'})`, extra);
  }
  if (!byIssuer.some((i) => matchIdentity(i.subject, subject))) {
    return fail('IDENTITY_MISMATCH', `was signed by ${subject}, which matches no trusted identity (${byIssuer.map((i) => describeMatcher(i.subject)).join(', ')})`, extra);
  }
  return { code: 'SIGNATURE_VERIFIED', entry, ok: true, message: `verified: ${subject} via ${issuer}`, ...extra };
}

export function describeSigner(signer: string): string {
  return signer.startsWith('key:') ? `key ${signer.slice(4)}` : signer.slice('keyless:'.length);
}

function oneLine(err: unknown): string {
  return err instanceof Error ? err.message.replace(/\s+/g, ' ') : String(err);
}

/** The strict reader's problems on one line, for a finding's message. */
export function describeProblems(problems: readonly ValidationProblem[]): string {
  return problems.map((p) => (p.path === '' ? p.message : `${p.message} at ${p.path}`)).join('; ');
}
