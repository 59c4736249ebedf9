import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ManifestError } from '../errors.js';
import { MANIFEST_FILE, type SourceManifest } from './types.js';
import { parseJson, validateSourceManifest } from './validate.js';

const MAX_SOURCE_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Loads and validates `wpack.json` from a project directory (or the file itself). */
export async function loadSourceManifest(dirOrFile: string): Promise<{ manifest: SourceManifest; path: string }> {
  let path = dirOrFile;
  try {
    if ((await stat(dirOrFile)).isDirectory()) path = join(dirOrFile, MANIFEST_FILE);
    const st = await stat(path);
    if (st.size > MAX_SOURCE_MANIFEST_BYTES) {
      throw new ManifestError('INVALID_MANIFEST', `${path} is ${String(st.size)} bytes; a manifest is at most ${String(MAX_SOURCE_MANIFEST_BYTES)}`);
    }
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    throw new ManifestError('MANIFEST_NOT_FOUND', `no ${MANIFEST_FILE} at ${path} (run \`wpack init <component.wasm>\` to write one)`, { cause: err });
  }
  const text = await readFile(path, 'utf8');
  return { manifest: validateSourceManifest(parseJson(text, path), path), path };
}
