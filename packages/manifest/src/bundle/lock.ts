/**
 * Locking a source manifest (DESIGN §3): the fields of the locked
 * wpack.json that do not depend on the bytes being packed, in the one
 * order and spelling that makes a bundle reproducible.
 */
import { ManifestError } from '../errors.js';
import { parseCapability } from '../capabilities/grammar.js';
import { COMPONENT_FILE, MANIFEST_SCHEMA_URI, type LockedManifest, type SourceManifest } from '../manifest/types.js';

/** Reads SOURCE_DATE_EPOCH (reproducible-builds.org spec): a non-negative integer of seconds. */
export function sourceDateEpochFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,12}$/.test(raw)) {
    throw new ManifestError('INVALID_MANIFEST', `SOURCE_DATE_EPOCH=${JSON.stringify(raw)} is not a whole number of seconds`);
  }
  return Number(raw);
}

/**
 * The locked manifest of `source`, with `files` left empty for the caller:
 * capabilities canonical and sorted, `created` from the epoch (never the
 * clock), the interface as read from the component.
 */
export function lockManifest(
  source: SourceManifest,
  epoch: number,
  resources: { path: string; mediaType: string }[],
  iface: LockedManifest['interface'],
): LockedManifest {
  const capabilities = [...new Set((source.capabilities ?? []).map((c) => parseCapability(c).text))].sort(compare);
  const locked: LockedManifest = {
    $schema: MANIFEST_SCHEMA_URI,
    lockVersion: 1,
    name: source.name,
    version: source.version,
    created: new Date(epoch * 1000).toISOString().replace('.000Z', 'Z'),
    component: COMPONENT_FILE,
    capabilities,
    resources,
    files: [],
    interface: iface,
  };
  if (source.description !== undefined) locked.description = source.description;
  if (source.license !== undefined) locked.license = source.license;
  if (source.authors !== undefined) locked.authors = source.authors;
  if (source.source !== undefined) locked.source = source.source;
  if (source.world !== undefined) locked.world = source.world;
  return locked;
}

/** Byte-wise (code unit) order, independent of locale: part of the format. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
