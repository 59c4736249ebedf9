import * as Args from '@oclif/core/args';
import { copy, formatReference, manifestReference, parseReference, RemoteRepository, type CopyResult } from '@wpack/registry-client';
import { WpackCommand } from '../base-command.js';
import { clientOptions, registryFlags } from '../registry-flags.js';

export default class Copy extends WpackCommand {
  static override summary = 'Copy a bundle with all its referrers (wpack metadata, signatures) between registries.';
  static override description =
    'Copies the component artifact and every referrer graph of it, children first, skipping what the destination has. ' +
    'Digests are preserved, so signatures stay valid. Note: `garbage-collect --delete-untagged` on Distribution deletes ' +
    'referrers pushed by digest even when the sha256-<hex> fallback index lists them.';
  static override examples = ['<%= config.bin %> copy ghcr.io/acme/app:1.2.0 registry.internal:5000/acme/app:1.2.0'];
  static override args = {
    source: Args.string({ description: 'registry/repository:tag or @sha256:…', required: true }),
    destination: Args.string({ description: 'registry/repository[:tag]', required: true }),
  };
  static override flags = registryFlags;

  async run(): Promise<CopyResult> {
    const { args, flags } = await this.parse(Copy);
    const src = parseReference(args.source);
    const dst = parseReference(args.destination);
    const options = clientOptions(flags);
    const from = RemoteRepository.open(src, options);
    const to = RemoteRepository.open(dst, options);
    try {
      const result = await copy(from, manifestReference(src), to, dst.tag ?? dst.digest ?? src.tag ?? manifestReference(src));
      this.log(`copied ${formatReference(src)} to ${formatReference({ ...dst, digest: result.root.digest })}`);
      this.log(`  ${String(result.copied)} copied, ${String(result.skipped)} already there`);
      return result;
    } finally {
      await Promise.all([from.close(), to.close()]);
    }
  }
}
