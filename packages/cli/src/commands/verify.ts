import { readFile } from 'node:fs/promises';
import { Args, Flags } from '@oclif/core';
import { ManifestError, readBundle, readBundleHead } from '@wpack/manifest';
import {
  describeSigner,
  keyHint,
  loadPublicKey,
  loadTrustedRoot,
  publicGoodTrustedRoot,
  verifySignatures,
  VerifierError,
  warmUpVerifier,
  type IdentityMatcher,
  type SignaturePolicy,
  type TrustedKey,
} from '@wpack/verifier';
import { WpackCommand } from '../base-command.js';
import { withLocalBundle } from '../bundle-source.js';
import { clientOptions, registryFlags } from '../registry-flags.js';
import type { Interfaces } from '@oclif/core';
import { EXIT } from '../exit-codes.js';

export interface Finding {
  code: string;
  severity: 'error' | 'warning' | 'info';
  step: 'integrity' | 'signatures';
  message: string;
}

export interface VerifyResult {
  verified: boolean;
  digest: string;
  /** For a registry reference: the component manifest digest that was verified. */
  ociDigest?: string;
  signers: string[];
  findings: Finding[];
}

type VerifyFlags = Interfaces.InferredFlags<typeof Verify.flags>;

/** Integrity failures that mean "these are not the signed bytes": a verdict (exit 1), not bad input. */
const TAMPERING = new Set(['DIGEST_MISMATCH', 'SIZE_MISMATCH']);

export default class Verify extends WpackCommand {
  static override summary = 'Check that a bundle is intact and signed by a trusted key or identity.';
  static override description =
    'The cosign-style quick check: every digest in the bundle (integrity), then every signature, offline. ' +
    'Trust a key with --key, or a keyless identity with --certificate-identity (exact) or --certificate-identity-regexp ' +
    '(anchored at both ends) plus --certificate-oidc-issuer; keyless signatures verify against --trusted-root, by default ' +
    "the Sigstore public-good root that ships with wpack (never refreshed online). Exit 0 verified, 1 not verified, 2 bad input.";
  static override examples = [
    '<%= config.bin %> verify app.wpack --key release.pub',
    '<%= config.bin %> verify app.wpack --certificate-identity https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0 \\\n    --certificate-oidc-issuer https://token.actions.githubusercontent.com',
  ];
  static override args = { bundle: Args.string({ description: 'a .wpack file, or a registry reference', required: true }) };
  static override flags = {
    ...registryFlags,
    key: Flags.file({ description: 'trusted public key (PEM); repeatable', multiple: true }),
    'certificate-identity': Flags.string({ description: 'trusted keyless identity, compared exactly', exclusive: ['certificate-identity-regexp'] }),
    'certificate-identity-regexp': Flags.string({ description: 'trusted keyless identity as a regular expression, anchored at both ends' }),
    'certificate-oidc-issuer': Flags.string({ description: 'OIDC issuer of the trusted keyless identity (exact)' }),
    'trusted-root': Flags.file({ description: 'Sigstore trusted_root.json for keyless signatures' }),
    minimum: Flags.integer({ description: 'distinct trusted signers required', default: 1, min: 1 }),
  };

  async run(): Promise<VerifyResult> {
    const { args, flags } = await this.parse(Verify);
    return withLocalBundle(args.bundle, clientOptions(flags), async (file, ociDigest) => {
      if (ociDigest === undefined) return this.verifyFile(file, file, flags);
      const result = await this.verifyFile(file, `${args.bundle}@${ociDigest}`, flags);
      // The digest that was verified: deploy by it, not by the tag.
      return { ...result, ociDigest };
    });
  }

  private async verifyFile(file: string, label: string, flags: VerifyFlags): Promise<VerifyResult> {
    const identity = flags['certificate-identity'] ?? flags['certificate-identity-regexp'];
    if ((identity === undefined) !== (flags['certificate-oidc-issuer'] === undefined)) {
      throw new VerifierError('VERIFICATION_FAILED', '--certificate-identity (or -regexp) and --certificate-oidc-issuer go together', { category: 'input' });
    }
    if (identity === undefined && (flags.key ?? []).length === 0) {
      throw new VerifierError('VERIFICATION_FAILED', 'say whom to trust: --key <key.pub>, or --certificate-identity with --certificate-oidc-issuer', { category: 'input' });
    }
    if (flags['certificate-identity-regexp'] !== undefined) {
      try {
        new RegExp(flags['certificate-identity-regexp'], 'u');
      } catch (err) {
        throw new VerifierError('VERIFICATION_FAILED', `--certificate-identity-regexp is not a valid regular expression: ${(err as Error).message}`, { category: 'input' });
      }
    }
    const policy: SignaturePolicy = { keys: await loadKeys(flags.key ?? []), identities: [], minimum: flags.minimum };
    if (identity !== undefined && flags['certificate-oidc-issuer'] !== undefined) {
      const subject: IdentityMatcher =
        flags['certificate-identity'] !== undefined ? { kind: 'exact', value: flags['certificate-identity'] } : { kind: 'regexp', source: identity };
      policy.identities.push({ issuer: flags['certificate-oidc-issuer'], subject });
      policy.trustedRoot = flags['trusted-root'] !== undefined ? await loadTrustedRoot(flags['trusted-root']) : await publicGoodTrustedRoot();
    }

    // One view of the archive for everything: the digest and signatures that
    // are checked come from the same validated read as the integrity check.
    // Only when integrity already failed (a verdict) are the signatures read
    // by header walk, to report on them too.
    const warm = warmUpVerifier();
    const findings: Finding[] = [];
    let bundle: { digest: string; signatures: { path: string; bytes: Buffer }[] };
    try {
      bundle = await readBundle(file);
    } catch (err) {
      if (!(err instanceof ManifestError) || !TAMPERING.has(err.code)) throw err;
      findings.push({ code: err.code, severity: 'error', step: 'integrity', message: err.message });
      bundle = await readBundleHead(file);
    }
    await warm;
    const report = await verifySignatures(bundle, bundle.signatures, policy);
    for (const f of report.findings) {
      findings.push({
        code: f.code,
        severity: f.ok ? 'info' : f.code === 'DUPLICATE_SIGNER' ? 'warning' : 'error',
        step: 'signatures',
        message: f.entry ? `${f.entry} ${f.message}` : f.message,
      });
    }
    const verified = report.verified && !findings.some((f) => f.step === 'integrity');
    this.printReport(label, bundle.digest, verified, report.signers, findings);
    if (!verified) process.exitCode = EXIT.denied;
    return { verified, digest: bundle.digest, signers: report.signers, findings };
  }

  private printReport(file: string, digest: string, verified: boolean, signers: string[], findings: Finding[]): void {
    this.log(`${verified ? 'VERIFIED' : 'NOT VERIFIED'}  ${file}  ${digest}`);
    for (const f of findings) this.log(`  ${f.severity === 'info' ? 'ok   ' : f.severity === 'warning' ? 'warn ' : 'FAIL '} [${f.step}] ${f.code}: ${f.message}`);
    if (verified) this.log(`  signed by ${signers.map(describeSigner).join('; ')}`);
  }
}

async function loadKeys(paths: string[]): Promise<TrustedKey[]> {
  const keys: TrustedKey[] = [];
  for (const path of paths) {
    const pem = await readFile(path).catch((err: unknown) => {
      throw new VerifierError('KEY_INVALID', `cannot read key ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    });
    const publicKey = loadPublicKey(pem);
    keys.push({ publicKey, hint: keyHint(publicKey), source: path });
  }
  return keys;
}
