import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { WpackError } from '@wpack/core';
import { loadPolicy } from '@wpack/verifier';
import { loadTrustedRoot, publicGoodTrustedRoot, type IdentityMatcher, type SignaturePolicy, type TrustedKey } from '@wpack/signatures';
import type { Interfaces } from '@oclif/core';
import { WpackCommand } from '../base-command.js';
import { withLocalBundle } from '../bundle-source.js';
import { readKeyFile } from '../key-file.js';
import { EXIT } from '../exit-codes.js';
import { checkAndReport, outputFlags, type Check, type VerifyResult } from '../gate-output.js';
import { appendJobSummary } from '../report/summary.js';
import { bundleDigestFlag, pullOptions, registryFlags } from '../registry-flags.js';

export type { VerifyResult } from '../gate-output.js';

type VerifyFlags = Interfaces.InferredFlags<typeof Verify.flags>;

const QUICK_CHECK_FLAGS = ['key', 'certificate-identity', 'certificate-identity-regexp', 'certificate-oidc-issuer', 'trusted-root'] as const;

export default class Verify extends WpackCommand {
  static override summary = 'The pre-deploy gate: check a bundle against a host policy, or its signatures against a key or identity.';
  static override description =
    'With --policy: integrity → signatures → world → capabilities → limits, every step run so the report is complete ' +
    '(DESIGN §7). Exit 0 pass, 1 denied (0 in the policy\'s `mode: warn`), 2 bad input, 3 registry or network failure. ' +
    'For a registry reference it verifies what the registry holds and prints the digest it verified: deploy by that digest. ' +
    'In GitHub Actions it annotates each finding, and appends a Markdown summary to the file GITHUB_STEP_SUMMARY names.\n\n' +
    'Without --policy, the cosign-style quick check (integrity and signatures): trust a key with --key, or a keyless identity ' +
    'with --certificate-identity (exact) or --certificate-identity-regexp (anchored) plus --certificate-oidc-issuer; keyless ' +
    'signatures verify against --trusted-root, by default the Sigstore public-good root that ships with wpack (never refreshed online).';
  static override examples = [
    '<%= config.bin %> verify ghcr.io/acme/app:1.2.0 --policy host-policy.json',
    '<%= config.bin %> verify app.wpack --policy host-policy.json --format sarif --output wpack.sarif',
    '<%= config.bin %> verify app.wpack --policy host-policy.json --format json --output verdict.json --sarif-output wpack.sarif',
    '<%= config.bin %> verify app.wpack --key release.pub',
    '<%= config.bin %> verify app.wpack --certificate-identity https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0 \\\n    --certificate-oidc-issuer https://token.actions.githubusercontent.com',
  ];
  static override args = { bundle: Args.string({ description: 'a .wpack file, or a registry reference', required: true }) };
  static override flags = {
    ...registryFlags,
    ...bundleDigestFlag,
    ...outputFlags,
    policy: Flags.file({ description: 'host policy (policy.json): run the whole gate', exclusive: [...QUICK_CHECK_FLAGS] }),
    key: Flags.file({ description: 'trusted public key (PEM); repeatable', multiple: true }),
    'certificate-identity': Flags.string({ description: 'trusted keyless identity, compared exactly', exclusive: ['certificate-identity-regexp'] }),
    'certificate-identity-regexp': Flags.string({ description: 'trusted keyless identity as a regular expression, anchored at both ends' }),
    'certificate-oidc-issuer': Flags.string({ description: 'OIDC issuer of the trusted keyless identity (exact)' }),
    'trusted-root': Flags.file({ description: 'Sigstore trusted_root.json for keyless signatures' }),
    minimum: Flags.integer({ description: 'distinct trusted signers required (quick check)', default: 1, min: 1 }),
  };

  async run(): Promise<VerifyResult> {
    const { args, flags } = await this.parse(Verify);
    // Everything about the input is checked before anything is pulled.
    const check: Check =
      flags.policy !== undefined ? { policy: await loadPolicy(flags.policy), policyFile: flags.policy } : { signatures: await quickCheckPolicy(flags) };
    return withLocalBundle(args.bundle, pullOptions(flags), async (file, ociDigest) => {
      const { report, result, label } = await checkAndReport(this.printer(), args.bundle, file, ociDigest, check, flags);
      if ('policy' in check) await appendJobSummary(report, { label, policy: check.policyFile, ociDigest });
      if (!report.verified && report.enforced) process.exitCode = EXIT.denied;
      return result;
    });
  }
}

async function quickCheckPolicy(flags: VerifyFlags): Promise<SignaturePolicy> {
  const identity = flags['certificate-identity'] ?? flags['certificate-identity-regexp'];
  if ((identity === undefined) !== (flags['certificate-oidc-issuer'] === undefined)) {
    throw new WpackError('USAGE', '--certificate-identity (or -regexp) and --certificate-oidc-issuer go together');
  }
  if (identity === undefined && (flags.key ?? []).length === 0) {
    throw new WpackError('USAGE', 'say what to trust: --policy <policy.json>, --key <key.pub>, or --certificate-identity with --certificate-oidc-issuer');
  }
  if (flags['certificate-identity-regexp'] !== undefined) {
    try {
      new RegExp(flags['certificate-identity-regexp'], 'u');
    } catch (err) {
      throw new WpackError('USAGE', `--certificate-identity-regexp is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  const policy: SignaturePolicy = { keys: await loadKeys(flags.key ?? []), identities: [], minimum: flags.minimum };
  if (identity !== undefined && flags['certificate-oidc-issuer'] !== undefined) {
    const subject: IdentityMatcher =
      flags['certificate-identity'] !== undefined ? { kind: 'exact', value: flags['certificate-identity'] } : { kind: 'regexp', source: identity };
    policy.identities.push({ issuer: flags['certificate-oidc-issuer'], subject });
    policy.trustedRoot = flags['trusted-root'] !== undefined ? await loadTrustedRoot(flags['trusted-root']) : await publicGoodTrustedRoot();
  }
  return policy;
}

async function loadKeys(paths: string[]): Promise<TrustedKey[]> {
  const keys: TrustedKey[] = [];
  for (const path of paths) keys.push(await readKeyFile(path, path));
  return keys;
}
