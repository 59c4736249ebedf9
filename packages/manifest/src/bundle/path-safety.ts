/**
 * Path safety when bundling an untrusted source tree: every path wpack.json
 * names must stay inside the project directory, by name and through links.
 */
import { realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { ManifestError } from '../errors.js';

/** Resolves a manifest-relative path, refusing anything that escapes the project directory. */
export function inside(root: string, rel: string, pointer: string): string {
  const abs = resolve(root, rel);
  if (!abs.startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new ManifestError('INVALID_MANIFEST', `${pointer}: ${JSON.stringify(rel)} — resolves outside ${root}`);
  }
  return abs;
}

/**
 * A symbolic link inside the project may not lead out of it: bundling an
 * untrusted source tree must not pack /etc/passwd through `notes.txt -> /etc/passwd`.
 */
export async function staysInside(realRoot: string, abs: string, pointer: string): Promise<void> {
  const real = await realpath(abs);
  if (!real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) {
    throw new ManifestError('INVALID_MANIFEST', `${pointer}: ${abs} is a link to ${real}, outside the project directory`);
  }
}
