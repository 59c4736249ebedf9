import { createHash } from 'node:crypto';
import { RegistryError } from './errors.js';
import type { Descriptor } from './descriptor.js';

/**
 * Passes content through while checking it is exactly `desc`: more bytes
 * than the size fail at once, and the digest is compared at the end. Every
 * blob and manifest read goes through this (oras-go content.VerifyReader).
 */
export async function* verifying(source: AsyncIterable<Uint8Array>, desc: Descriptor, where: string): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > desc.size) throw new RegistryError('SIZE_MISMATCH', `${where}: more than the ${String(desc.size)} bytes of ${desc.digest}`);
    hash.update(chunk);
    yield chunk;
  }
  if (seen !== desc.size) throw new RegistryError('SIZE_MISMATCH', `${where}: ${String(seen)} bytes of ${desc.digest}, expected ${String(desc.size)}`);
  const actual = 'sha256:' + hash.digest('hex');
  if (actual !== desc.digest) throw new RegistryError('DIGEST_MISMATCH', `${where}: the registry served bytes with digest ${actual} for ${desc.digest}`);
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of source) chunks.push(c);
  return Buffer.concat(chunks);
}
