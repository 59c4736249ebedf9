import { resolve } from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { createBundle, loadSourceManifest, type LockedManifest } from '@wpack/manifest';
import { WpackCommand } from '../base-command.js';
import { formatBytes } from '../format.js';
import { byteProgress } from '../progress.js';

export interface BundleCommandResult {
  path: string;
  digest: string;
  size: number;
  manifest: LockedManifest;
}

export default class Bundle extends WpackCommand {
  static override summary = 'Pack wpack.json, the component and its resources into one reproducible .wpack archive.';
  static override description =
    'The archive is byte-for-byte reproducible: sorted entries, fixed modes and owners, mtimes from SOURCE_DATE_EPOCH (or 0). ' +
    'Its identity is the digest of the locked wpack.json it starts with, which names every other byte by digest.';
  static override examples = ['<%= config.bin %> bundle . -o app.wpack', 'SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) <%= config.bin %> bundle'];
  static override args = { dir: Args.directory({ description: 'project directory holding wpack.json', default: '.' }) };
  static override flags = {
    output: Flags.string({ char: 'o', description: 'output file (default: <name>-<version>.wpack)' }),
  };

  async run(): Promise<BundleCommandResult> {
    const { args, flags } = await this.parse(Bundle);
    const given = flags.output ?? (await defaultName(args.dir));
    const out = resolve(given);
    const progress = byteProgress('bundling');
    const result = await createBundle(args.dir, out, { onProgress: (done, total) => progress.update(done, total) }).finally(() =>
      progress.stop(),
    );
    this.log(`wrote ${given}`);
    this.log(`  digest  ${result.digest}`);
    this.log(`  files   ${String(result.manifest.files.length + 1)} (${formatBytes(result.size)})`);
    return { path: out, digest: result.digest, size: result.size, manifest: result.manifest };
  }
}

async function defaultName(dir: string): Promise<string> {
  const { manifest } = await loadSourceManifest(dir);
  return `${manifest.name.replace(':', '-')}-${manifest.version}.wpack`;
}
