import * as Args from '@oclif/core/args';
import { pushBundle, type PushResult } from '@wpack/manifest';
import { formatReference, parseReference } from '@wpack/registry-client';
import { WpackCommand } from '../base-command.js';
import { formatBytes } from '../format.js';
import { byteProgress } from '../progress.js';
import { clientOptions, registryFlags } from '../registry-flags.js';

export default class Push extends WpackCommand {
  static override summary = 'Push a .wpack bundle to an OCI registry.';
  static override description =
    'The tag points at a standard Wasm OCI artifact (config application/vnd.wasm.config.v0+json, one application/wasm layer), so ' +
    'wkg, runwasi, wash and Spin can run it; wpack.json and the resources follow as a referrer, and each signature as a ' +
    'cosign-style referrer. Credentials come from Docker\'s config (docker login / wpack login). Prints the digest to pin.';
  static override examples = ['<%= config.bin %> push app.wpack ghcr.io/acme/app:1.2.0'];
  static override args = {
    bundle: Args.string({ description: 'the .wpack file', required: true }),
    reference: Args.string({ description: 'registry/repository[:tag]', required: true }),
  };
  static override flags = registryFlags;

  async run(): Promise<PushResult> {
    const { args, flags } = await this.parse(Push);
    const ref = parseReference(args.reference);
    const progress = byteProgress('pushing');
    const result = await pushBundle(args.bundle, ref, { ...clientOptions(flags), onProgress: (d, t) => progress.update(d, t) }).finally(() => progress.stop());
    this.log(`pushed ${args.bundle} to ${formatReference({ ...ref, digest: result.digest })}`);
    this.log(`  uploaded ${formatBytes(result.uploaded)}, ${String(result.referrers.length)} referrers`);
    return result;
  }
}
