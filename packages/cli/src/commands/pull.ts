import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { pullBundle, type PullResult } from '@wpack/manifest';
import { parseReference } from '@wpack/registry-client';
import { WpackCommand } from '../base-command.js';
import { byteProgress } from '../progress.js';
import { bundleDigestFlag, pullOptions, registryFlags } from '../registry-flags.js';

export default class Pull extends WpackCommand {
  static override summary = 'Pull a bundle from an OCI registry into a .wpack file.';
  static override description =
    'A bundle pushed by wpack comes back byte for byte. A Wasm component pushed by another tool comes back with a manifest ' +
    'inferred from its binary (and wpack says so). Every blob is checked against its digest; the file appears only when complete.';
  static override examples = ['<%= config.bin %> pull ghcr.io/acme/app:1.2.0 -o app.wpack'];
  static override args = { reference: Args.string({ description: 'registry/repository[:tag][@sha256:…]', required: true }) };
  static override flags = { ...registryFlags, ...bundleDigestFlag, output: Flags.string({ char: 'o', description: 'output file', required: true }) };

  async run(): Promise<PullResult> {
    const { args, flags } = await this.parse(Pull);
    const progress = byteProgress('pulling');
    const result = await pullBundle(parseReference(args.reference), flags.output, { ...pullOptions(flags), onProgress: (d, t) => progress.update(d, t) }).finally(() => progress.stop());
    this.log(`pulled ${args.reference} (${result.digest}) to ${flags.output}`);
    this.log(`  bundle digest ${result.bundleDigest}, ${String(result.signatures)} signatures`);
    if (result.inferred) this.log('  no wpack metadata in the registry: wpack.json was inferred from the component; review its capabilities');
    return result;
  }
}
