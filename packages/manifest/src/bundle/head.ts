import { sha256Digest } from '@wpack/core';
import { open } from 'node:fs/promises';
import { ManifestError } from '../errors.js';
import { MANIFEST_FILE, type LockedManifest } from '../manifest/types.js';
import { parseJson, validateLockedManifest } from '../manifest/validate.js';
import { isSignatureEntry } from './entry-names.js';
import { DEFAULT_LIMITS } from './limits.js';
import { indexArchive, type TarIndex } from './tar-index.js';

export interface BundleHead {
  digest: string;
  manifest: LockedManifest;
  manifestBytes: Buffer;
  signatures: { path: string; bytes: Buffer }[];
  index: TarIndex;
}

/**
 * One entry's bytes, read at its offset: unverified (no digest is checked),
 * for callers that have decided to look at them anyway.
 */
export async function readEntryBytes(file: string, entry: { dataOffset: number; size: number }): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(entry.size);
    await fh.read(buf, 0, entry.size, entry.dataOffset);
    return buf;
  } finally {
    await fh.close();
  }
}

/**
 * The locked manifest and the signatures of a bundle, read by header walk
 * without touching the component or resources. For signing and listing; it
 * checks no file digest, so never treat it as verification (readBundle is).
 */
export async function readBundleHead(file: string): Promise<BundleHead> {
  const index = await indexArchive(file, DEFAULT_LIMITS.maxEntries);
  const first = index.entries[0];
  if (first?.name !== MANIFEST_FILE) throw new ManifestError('INVALID_BUNDLE', `${file} does not start with ${MANIFEST_FILE}: not a wpack bundle`);
  const read = (at: number, size: number, max: number, what: string): Promise<Buffer> => {
    if (size > max) throw new ManifestError('BUNDLE_TOO_LARGE', `${what} is ${String(size)} bytes, over the ${String(max)}-byte limit`);
    return readEntryBytes(file, { dataOffset: at, size });
  };
  const manifestBytes = await read(first.dataOffset, first.size, DEFAULT_LIMITS.maxManifestBytes, MANIFEST_FILE);
  const manifest = validateLockedManifest(parseJson(manifestBytes.toString('utf8'), `${file}: ${MANIFEST_FILE}`), `${file}: ${MANIFEST_FILE}`);
  const signatures: BundleHead['signatures'] = [];
  for (const e of index.entries) {
    if (isSignatureEntry(e.name)) signatures.push({ path: e.name, bytes: await read(e.dataOffset, e.size, DEFAULT_LIMITS.maxSignatureBytes, e.name) });
  }
  return { digest: sha256Digest(manifestBytes), manifest, manifestBytes, signatures, index };
}
