import type { LockedManifest } from '../manifest/types.js';
import { checkRecordedInterface } from './locked-manifest.js';
import { readBundleUnverified, type BundleSignatureEntry } from './read.js';

export interface BundleHead {
  digest: string;
  manifest: LockedManifest;
  manifestBytes: Buffer;
  signatures: BundleSignatureEntry[];
}

/**
 * The locked manifest and the signatures of a bundle, for signing and
 * listing: readBundleUnverified (the archive's structure and wpack.json
 * checked, resources never read), plus the check every reader makes that
 * wpack.json records the interface of the component.wasm beside it
 * (INTERFACE_MISMATCH otherwise). It checks no file digest, so never treat
 * it as verification (readBundle is): a signature covers wpack.json, whose
 * digests pin the other bytes, and verification checks them.
 */
export async function readBundleHead(file: string): Promise<BundleHead> {
  const read = await readBundleUnverified(file);
  checkRecordedInterface(file, read.manifest, read.componentBytes);
  return { digest: read.digest, manifest: read.manifest, manifestBytes: read.manifestBytes, signatures: read.signatures };
}
