import { sha256Hasher } from '@wpack/core';
import { RegistryError } from './errors.js';
import { parseRegistryObject } from './json.js';
import type { Descriptor } from './descriptor.js';

/**
 * Passes content through while checking it is exactly `desc`: more bytes
 * than the size fail at once, and the digest is compared at the end (oras-go
 * content.VerifyReader). Every blob a remote repository, an OCI layout or a
 * bundle's read-only graph serves streams through this; manifests are small
 * and are checked whole where they are fetched (RemoteRepository.fetchManifest).
 */
export async function* verifying(source: AsyncIterable<Uint8Array>, desc: Descriptor, where: string): AsyncGenerator<Uint8Array> {
  const hash = sha256Hasher();
  let seen = 0;
  try {
    for await (const chunk of source) {
      seen += chunk.length;
      if (seen > desc.size) throw new RegistryError('SIZE_MISMATCH', `${where}: more than the ${String(desc.size)} bytes of ${desc.digest}`);
      hash.update(chunk);
      yield chunk;
    }
  } catch (err) {
    throw brokenBody(err, where, seen, desc.size);
  }
  if (seen !== desc.size) throw new RegistryError('SIZE_MISMATCH', `${where}: ${String(seen)} bytes of ${desc.digest}, expected ${String(desc.size)}`);
  const actual = hash.digest();
  if (actual !== desc.digest) throw new RegistryError('DIGEST_MISMATCH', `${where}: the registry served bytes with digest ${actual} for ${desc.digest}`);
}

/** A response body that broke off (connection reset, closed before Content-Length): a network failure, exit 3, not a bug. */
export function brokenBody(err: unknown, where: string, seen: number, size?: number): RegistryError {
  if (err instanceof RegistryError) return err;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.message ?? cause?.code ?? (err as Error).message;
  const of = size === undefined ? '' : ` of ${String(size)}`;
  return new RegistryError('NETWORK', `${where}: the connection broke after ${String(seen)}${of} bytes (${reason})`, { cause: err });
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of source) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Largest JSON response read (token responses, tag lists, error bodies). */
const MAX_JSON_BYTES = 4 * 1024 * 1024;

/** Reads a JSON object response body strictly: a broken connection is a network error, a bad document a protocol one. */
export async function jsonBody<T>(res: { body: AsyncIterable<Uint8Array> }, where: string): Promise<T> {
  const chunks: Uint8Array[] = [];
  let seen = 0;
  try {
    for await (const c of res.body) {
      seen += c.length;
      if (seen > MAX_JSON_BYTES) throw new RegistryError('PROTOCOL', `${where} is over ${String(MAX_JSON_BYTES)} bytes`);
      chunks.push(c);
    }
  } catch (err) {
    throw brokenBody(err, where, seen);
  }
  return parseRegistryObject(Buffer.concat(chunks), where) as T;
}
