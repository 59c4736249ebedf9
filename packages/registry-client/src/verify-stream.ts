import { sha256Hasher } from '@wpack/core';
import { RegistryError } from './errors.js';
import type { Descriptor } from './descriptor.js';

/**
 * Passes content through while checking it is exactly `desc`: more bytes
 * than the size fail at once, and the digest is compared at the end. Every
 * blob and manifest read goes through this (oras-go content.VerifyReader).
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

/** Reads a JSON response body: a broken connection is a network error, a body that is not JSON a protocol one. */
export async function jsonBody<T>(res: { json(): Promise<unknown> }, where: string): Promise<T> {
  try {
    return (await res.json()) as T;
  } catch (err) {
    if (err instanceof SyntaxError) throw new RegistryError('PROTOCOL', `${where} is not JSON`, { cause: err });
    throw brokenBody(err, where, 0);
  }
}
