import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullBundle } from '@wpack/manifest';
import { parseReference, type ClientOptions } from '@wpack/registry-client';

/**
 * Runs `use` on a local bundle file. A path that exists is used as it is;
 * anything else is a registry reference, pulled (every blob checked) into a
 * temp file that is removed afterwards. `ociDigest` is the component
 * manifest digest that was pulled, for a deploy to pin.
 */
export async function withLocalBundle<T>(arg: string, options: ClientOptions, use: (file: string, ociDigest?: string) => Promise<T>): Promise<T> {
  if (await stat(arg).then(() => true, () => false)) return use(arg);
  const scratch = await mkdtemp(join(tmpdir(), 'wpack-pull-'));
  try {
    const file = join(scratch, 'pulled.wpack');
    const pulled = await pullBundle(parseReference(arg), file, options);
    return await use(file, pulled.digest);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
