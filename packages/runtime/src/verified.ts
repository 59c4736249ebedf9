/**
 * The component bytes of a bundle the gate passed, read again and checked to
 * be the ones it verified: every digest is checked by readBundle, and the
 * bundle digest must be the one in the gate's report. A file swapped between
 * the gate and the run is refused.
 */
import { Writable } from 'node:stream';
import { WpackError } from '@wpack/core';
import { COMPONENT_FILE, readBundle, type LockedManifest } from '@wpack/manifest';

export async function readVerifiedComponent(file: string, verifiedDigest: string): Promise<{ manifest: LockedManifest; component: Buffer }> {
  const chunks: Buffer[] = [];
  const collect = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  const read = await readBundle(file, { sink: (entry: { path: string }) => Promise.resolve(entry.path === COMPONENT_FILE ? collect : undefined) });
  if (read.digest !== verifiedDigest) {
    throw new WpackError('RUN_NOT_VERIFIED', `${file} changed after the gate verified it (${verifiedDigest}, now ${read.digest}); nothing was run`, { category: 'denied' });
  }
  return { manifest: read.manifest, component: Buffer.concat(chunks) };
}
