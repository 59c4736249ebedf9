import { parseStrictJson } from '@wpack/core';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { SignatureError } from './errors.js';

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

/** An empty root: key-based verification needs no CA, log or TSA. */
export const EMPTY_TRUSTED_ROOT = {
  mediaType: TRUSTED_ROOT_MEDIA_TYPE,
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

/**
 * Sigstore's public-good trusted_root.json as shipped inside @sigstore/tuf
 * (seeds.json). The verify path never refreshes it over TUF: a gate must
 * work offline and air-gapped; pass --trusted-root for anything newer.
 */
export async function publicGoodTrustedRoot(): Promise<Record<string, unknown>> {
  const require = createRequire(import.meta.url);
  const seedsPath = require.resolve('@sigstore/tuf/seeds.json');
  const seeds = JSON.parse(await readFile(seedsPath, 'utf8')) as Record<string, { targets?: Record<string, string> }>;
  for (const repo of Object.values(seeds)) {
    const b64 = repo.targets?.['trusted_root.json'];
    if (b64 !== undefined) return JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as Record<string, unknown>;
  }
  throw new SignatureError('TRUSTED_ROOT_INVALID', `no trusted_root.json in ${seedsPath}`);
}

export async function loadTrustedRoot(path: string): Promise<Record<string, unknown>> {
  let doc: unknown;
  try {
    doc = parseStrictJson(await readFile(path, 'utf8'), path);
  } catch (err) {
    throw new SignatureError('TRUSTED_ROOT_INVALID', `cannot read trusted root ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (doc === null || typeof doc !== 'object' || !String((doc as { mediaType?: unknown }).mediaType).startsWith('application/vnd.dev.sigstore.trustedroot')) {
    throw new SignatureError('TRUSTED_ROOT_INVALID', `${path} is not a Sigstore trusted_root.json (mediaType ${TRUSTED_ROOT_MEDIA_TYPE})`);
  }
  return doc as Record<string, unknown>;
}
