/**
 * The two checks of a bundle's locked wpack.json that every reader makes
 * (readBundle, readBundleUnverified, readBundleHead, and through them
 * inspect, extract, verify, sign and push): its bytes are the one spelling
 * of the manifest, and the interface it records is the component's.
 */
import { canonicalJson, readJson, WpackError } from '@wpack/core';
import { readComponentInterface, type ComponentInterface } from '@wpack/component';
import { ManifestError, ManifestValidationError } from '../errors.js';
import { COMPONENT_FILE, MANIFEST_FILE, type LockedManifest } from '../manifest/types.js';
import { validateLockedManifest } from '../manifest/validate.js';

/**
 * Parses the locked wpack.json of a bundle (DESIGN §3). The bundle's
 * identity is the digest of these bytes, so they must be exactly the
 * canonical JSON of the value they hold: two spellings of one manifest
 * would be two bundles that read the same. A duplicate key (which
 * JSON.parse would silently resolve to the last value) is an error naming
 * the key and its JSON pointer. Every failure is INVALID_MANIFEST.
 */
export function parseLockedManifest(bytes: Buffer, source: string): LockedManifest {
  const text = bytes.toString('utf8');
  const { value, problems } = readJson(text);
  if (problems.length > 0) throw new ManifestValidationError(source, problems);
  const manifest = validateLockedManifest(value, source);
  const canonical = canonicalJson(value);
  if (text !== canonical) {
    throw new ManifestValidationError(source, [
      { path: '', message: `not canonical JSON (sorted keys, two-space indent, one final newline): it differs at byte ${String(firstDifference(text, canonical))}` },
    ]);
  }
  return manifest;
}

/** Offset (in UTF-8 bytes) of the first byte where two texts differ. */
function firstDifference(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i;
}

/**
 * How the imports and exports wpack.json records differ from the ones the
 * component really has, by name; undefined when they agree.
 */
export function interfaceDifference(recorded: ComponentInterface, real: ComponentInterface): string | undefined {
  const names = (list: { name: string }[]): string[] => list.map((e) => e.name).sort();
  for (const dir of ['imports', 'exports'] as const) {
    const a = names(recorded[dir]);
    const b = names(real[dir]);
    const extra = b.filter((n) => !a.includes(n));
    const missing = a.filter((n) => !b.includes(n));
    if (extra.length > 0 || missing.length > 0) {
      const parts = [
        ...(extra.length > 0 ? [`the component ${dir === 'imports' ? 'imports' : 'exports'} ${extra.join(', ')}, which ${MANIFEST_FILE} does not record`] : []),
        ...(missing.length > 0 ? [`${MANIFEST_FILE} records ${missing.join(', ')}, which the component does not ${dir === 'imports' ? 'import' : 'export'}`] : []),
      ];
      return parts.join('; ');
    }
  }
  return undefined;
}

/**
 * Refuses a bundle whose wpack.json records other imports or exports than
 * its component.wasm has, or whose component.wasm is not a component:
 * INTERFACE_MISMATCH, an input error (the gate reports the same meaning as
 * a finding instead).
 */
export function checkRecordedInterface(file: string, manifest: LockedManifest, componentBytes: Uint8Array): void {
  let real: ComponentInterface;
  try {
    real = readComponentInterface(componentBytes);
  } catch (err) {
    if (!(err instanceof WpackError)) throw err;
    throw new ManifestError('INTERFACE_MISMATCH', `${file}: ${COMPONENT_FILE} cannot be read as a component: ${err.message}`, { cause: err });
  }
  const problem = interfaceDifference(manifest.interface, real);
  if (problem !== undefined) throw new ManifestError('INTERFACE_MISMATCH', `${file}: ${problem}`);
}
