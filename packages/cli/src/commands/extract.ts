import { resolve } from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { extractBundle } from '@wpack/manifest';
import { loadPolicy, VerifierError } from '@wpack/verifier';
import { WpackCommand } from '../base-command.js';
import { withLocalBundle } from '../bundle-source.js';
import { checkAndReport, type VerifyResult } from '../gate-output.js';
import { byteProgress } from '../progress.js';
import { bundleDigestFlag, pullOptions, registryFlags } from '../registry-flags.js';

export interface ExtractResult {
  directory: string;
  digest: string;
  /** For a registry reference: the component manifest digest that was extracted. */
  ociDigest?: string;
  files: string[];
  /** With --policy: the gate's report. */
  verification?: VerifyResult;
}

export default class Extract extends WpackCommand {
  static override summary = 'Write the files of a bundle into a directory, only after every digest (and, with --policy, the whole gate) checked out.';
  static override description =
    'Extraction goes to a temporary directory beside the target and is renamed into place at the end, so a bad bundle ' +
    'leaves nothing behind. A non-empty target is refused unless --force is given. With --policy the bundle is verified ' +
    'first, exactly as `wpack verify --policy` does, and nothing is written unless it passes: the hand-off to a runtime. ' +
    'A registry reference is pulled (every blob checked) before any of it.';
  static override examples = [
    '<%= config.bin %> extract app.wpack ./app',
    '<%= config.bin %> extract ghcr.io/acme/app:1.2.0 /srv/app --policy host-policy.json',
  ];
  static override args = {
    bundle: Args.string({ description: 'the .wpack file, or a registry reference', required: true }),
    dir: Args.string({ description: 'target directory', required: true }),
  };
  static override flags = {
    ...registryFlags,
    ...bundleDigestFlag,
    force: Flags.boolean({ description: 'replace a non-empty target directory' }),
    policy: Flags.file({ description: 'host policy: verify first, extract only when it passes' }),
  };

  async run(): Promise<ExtractResult> {
    const { args, flags } = await this.parse(Extract);
    const policy = flags.policy !== undefined ? await loadPolicy(flags.policy) : undefined;
    return withLocalBundle(args.bundle, pullOptions(flags), async (file, ociDigest) => {
      let verification: VerifyResult | undefined;
      let verifiedDigest: string | undefined;
      if (policy !== undefined) {
        const check = { policy, policyFile: flags.policy ?? policy.source };
        const { report, result, label } = await checkAndReport(this.printer(), args.bundle, file, ociDigest, check, { format: 'text' });
        verification = result;
        if (!report.verified && report.enforced) {
          throw new VerifierError('VERIFICATION_FAILED', `${label} did not pass ${flags.policy ?? 'the policy'}: nothing was extracted`, { category: 'denied' });
        }
        verifiedDigest = report.digest;
      }
      const progress = byteProgress('extracting');
      const contents = await extractBundle(file, args.dir, {
        force: flags.force,
        ...(verifiedDigest !== undefined ? { expectedDigest: verifiedDigest } : {}),
        onProgress: (d, t) => progress.update(d, t),
      }).finally(() => progress.stop());
      const files = ['wpack.json', ...contents.manifest.files.map((f) => f.path), ...contents.signatures.map((s) => s.path)];
      const directory = resolve(args.dir);
      this.log(`extracted ${String(files.length)} files to ${args.dir} (${contents.digest})`);
      return {
        directory,
        digest: contents.digest,
        ...(ociDigest !== undefined ? { ociDigest } : {}),
        files,
        ...(verification !== undefined ? { verification } : {}),
      };
    });
  }
}
