/**
 * Assembling the single WIT text jco's `componentEmbed` takes (DESIGN §10):
 * the root package and its worlds first, then every package it uses as a
 * nested `package ns:name@ver { … }` block.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The WASI release whose WIT ships inside jco; host profiles are built from it. */
export const WASI_WIT_VERSION = '0.2.12';

/** jco's bundled WASI packages, in dependency order. */
export const WASI_PACKAGE_DIRS = ['wasi-io', 'wasi-clocks', 'wasi-random', 'wasi-filesystem', 'wasi-sockets', 'wasi-cli', 'wasi-http'] as const;

const PACKAGE_HEADER = /^package\s+([a-z][a-z0-9-]*:[a-z][a-z0-9-]*@[0-9A-Za-z.+-]+)\s*;/m;

/** The `ns:name@version` a single-package WIT file declares, or null. */
export function witPackageName(source: string): string | null {
  return PACKAGE_HEADER.exec(source)?.[1] ?? null;
}

/**
 * Turns a single-package WIT file (`package ns:name@ver;` then items) into a
 * nested `package ns:name@ver { … }` block. Throws when the header is missing
 * or the file holds a second package.
 */
export function nestWitPackage(source: string, file: string): string {
  const header = PACKAGE_HEADER.exec(source);
  if (header === null || header[1] === undefined) throw new Error(`${file}: no versioned \`package ns:name@version;\` header`);
  const body = source.slice(0, header.index) + source.slice(header.index + header[0].length);
  if (/^package\s/m.test(body)) throw new Error(`${file}: holds more than one package`);
  return `package ${header[1]} {\n${body.trimEnd()}\n}\n`;
}

/** The installed jco: its root directory and version. */
export function installedJco(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/jco')));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === '@bytecodealliance/jco') return { root: dir, version: String(parsed.version) };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the installed @bytecodealliance/jco');
    dir = parent;
  }
}

/** Directory of jco's bundled WASI WIT, `lib/wit/builtin/<version>`. */
export function jcoWasiDir(version = WASI_WIT_VERSION): string {
  return join(installedJco().root, 'lib', 'wit', 'builtin', version);
}

/** Every bundled WASI package as a nested block, with the file texts read (for cache keys). */
export async function wasiPackages(version = WASI_WIT_VERSION): Promise<{ path: string; text: string; nested: string }[]> {
  const dir = jcoWasiDir(version);
  const out: { path: string; text: string; nested: string }[] = [];
  for (const pkg of WASI_PACKAGE_DIRS) {
    const path = join(dir, pkg, 'package.wit');
    const text = await readFile(path, 'utf8');
    out.push({ path, text, nested: nestWitPackage(text, path) });
  }
  return out;
}
