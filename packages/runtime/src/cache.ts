/**
 * Transpiled components (ES module + core wasm from jco), cached by the
 * component's digest under `$XDG_CACHE_HOME/wpack/transpiled/<hex>/`
 * (default `~/.cache/wpack`). An entry is written to a temp directory and
 * renamed into place, and is checked on every use: its record must name the
 * same component digest, transpiler and format, and every file must match the
 * digest recorded for it. The bytes checked are the bytes used (they are read
 * once, into memory). An entry that does not match is rebuilt, never trusted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseStrictJson, sha256Digest, WpackError } from '@wpack/core';

/** Bumped whenever what an entry holds, or how it is transpiled, changes. */
const FORMAT = 1;
const RECORD = 'entry.json';

export interface Transpiled {
  /** File name → bytes; `component.js` is the ES module, the rest core wasm. */
  files: ReadonlyMap<string, Uint8Array>;
  /** True when the entry came from the cache, checked. */
  cached: boolean;
}

interface EntryRecord {
  format: number;
  transpiler: string;
  component: string;
  files: Record<string, string>;
}

/** `$XDG_CACHE_HOME/wpack` when that is an absolute path (XDG Base Directory spec), else `~/.cache/wpack`. */
export function cacheRoot(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'wpack');
}

let transpilerVersion: string | undefined;

/** The installed jco-transpile's version: part of every entry's identity. */
function transpiler(): string {
  if (transpilerVersion !== undefined) return transpilerVersion;
  let dir = dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/jco-transpile')));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === '@bytecodealliance/jco-transpile' && typeof parsed.version === 'string') return (transpilerVersion = `jco-transpile@${parsed.version}`);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the version of @bytecodealliance/jco-transpile');
    dir = parent;
  }
}

export function entryDir(root: string, componentDigest: string): string {
  return join(root, 'transpiled', componentDigest.replace(/^sha256:/, ''));
}

/** The transpiled component, from a checked cache entry or freshly built (and then cached). */
export async function transpiledComponent(component: Uint8Array, options: { cacheRoot?: string } = {}): Promise<Transpiled> {
  const digest = sha256Digest(component);
  const root = options.cacheRoot ?? cacheRoot();
  const dir = entryDir(root, digest);
  const hit = await readEntry(dir, digest);
  if (hit !== undefined) return { files: hit, cached: true };

  const files = await transpile(component);
  await writeEntry(dir, digest, files).catch(() => {
    // A cache that cannot be written only costs the next run a transpile.
  });
  return { files, cached: false };
}

async function readEntry(dir: string, digest: string): Promise<Map<string, Uint8Array> | undefined> {
  let record: EntryRecord;
  try {
    record = parseStrictJson(await readFile(join(dir, RECORD), 'utf8'), RECORD) as EntryRecord;
  } catch {
    return undefined;
  }
  if (record.format !== FORMAT || record.component !== digest || record.transpiler !== transpiler()) return undefined;
  if (typeof record.files !== 'object' || record.files === null || !('component.js' in record.files)) return undefined;
  const entries = Object.entries(record.files);
  if (entries.some(([name]) => name.includes('/') || name.startsWith('.'))) return undefined;
  // Read side by side; each file is checked against its recorded digest.
  const read = await Promise.all(entries.map(([name]) => readFile(join(dir, name)).catch(() => undefined)));
  const files = new Map<string, Uint8Array>();
  for (const [i, [name, expected]] of entries.entries()) {
    const bytes = read[i];
    if (bytes === undefined || sha256Digest(bytes) !== expected) return undefined;
    files.set(name, bytes);
  }
  return files;
}

async function writeEntry(dir: string, digest: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  const tmp = await mkdtemp(join(dirname(dir), '.tmp-'));
  try {
    const record: EntryRecord = { format: FORMAT, transpiler: transpiler(), component: digest, files: {} };
    for (const [name, bytes] of files) {
      await writeFile(join(tmp, name), bytes);
      record.files[name] = sha256Digest(bytes);
    }
    await writeFile(join(tmp, RECORD), `${JSON.stringify(record, null, 2)}\n`);
    // A stale or tampered entry is moved aside first; rename never replaces a non-empty directory.
    if (existsSync(dir)) {
      const old = await mkdtemp(join(dirname(dir), '.old-'));
      await rename(dir, join(old, 'entry')).catch(() => undefined);
      await rm(old, { recursive: true, force: true });
    }
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function transpile(component: Uint8Array): Promise<Map<string, Uint8Array>> {
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
  let result: { files: Record<string, Uint8Array> };
  try {
    result = await transpileBytes(component, { name: 'component', instantiation: 'async', emitTypescriptDeclarations: false });
  } catch (err) {
    throw new WpackError('TRANSPILE_FAILED', `the component could not be transpiled to JavaScript: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, bytes] of Object.entries(result.files)) {
    if (name.endsWith('.d.ts')) continue;
    files.set(name.replace(/^.*\//, ''), bytes);
  }
  if (!files.has('component.js')) throw new WpackError('TRANSPILE_FAILED', 'the transpiler produced no component.js');
  return files;
}
