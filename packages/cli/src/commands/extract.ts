import { relative, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { extractBundle } from '@wpack/manifest';
import { WpackCommand } from '../base-command.js';
import { byteProgress } from '../progress.js';

export interface ExtractResult {
  directory: string;
  digest: string;
  files: string[];
}

export default class Extract extends WpackCommand {
  static override summary = 'Write the files of a .wpack bundle into a directory, only after every digest checked out.';
  static override description =
    'Extraction goes to a temporary directory beside the target and is renamed into place at the end, so a bad bundle ' +
    'leaves nothing behind. A non-empty target is refused unless --force is given.';
  static override examples = ['<%= config.bin %> extract app.wpack ./app'];
  static override args = {
    bundle: Args.file({ description: 'the .wpack file', required: true }),
    dir: Args.string({ description: 'target directory', required: true }),
  };
  static override flags = { force: Flags.boolean({ description: 'replace a non-empty target directory' }) };

  async run(): Promise<ExtractResult> {
    const { args, flags } = await this.parse(Extract);
    const progress = byteProgress('extracting');
    const contents = await extractBundle(args.bundle, args.dir, {
      force: flags.force,
      onProgress: (d, t) => progress.update(d, t),
    }).finally(() => progress.stop());
    const files = ['wpack.json', ...contents.manifest.files.map((f) => f.path), ...contents.signatures.map((s) => s.path)];
    const directory = resolve(args.dir);
    this.log(`extracted ${String(files.length)} files to ${relative(process.cwd(), directory) || directory} (${contents.digest})`);
    return { directory, digest: contents.digest, files };
  }
}
