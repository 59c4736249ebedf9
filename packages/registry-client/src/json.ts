import { problemsLine, quoteValue, readJson } from '@wpack/core';
import { RegistryError } from './errors.js';

/**
 * Reads a JSON document a registry or an OCI layout served (a manifest, an
 * index, a token response, a tag list): through @wpack/core's strict reader,
 * so a duplicate key is refused rather than silently resolved to its last
 * value. A bad document is a PROTOCOL error naming what was read and where
 * (one line), never a raw SyntaxError.
 */
export function parseRegistryJson(data: Uint8Array | string, what: string): unknown {
  const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  const { value, problems } = readJson(text);
  if (problems.length === 0) return value;
  throw new RegistryError('PROTOCOL', `${what} is not valid JSON: ${problemsLine(problems)}`);
}

/** A JSON object (not an array, string or null), or a PROTOCOL error naming `what`. */
export function parseRegistryObject(data: Uint8Array | string, what: string): Record<string, unknown> {
  const value = parseRegistryJson(data, what);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RegistryError('PROTOCOL', `${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** A header value quoted for a one-line message. */
export function quoteHeader(value: string): string {
  return quoteValue(value, 80);
}
