/**
 * Assembling the single WIT text a probe build takes (DESIGN §10): the root
 * package and its worlds first, then every package it uses as a nested
 * `package ns:name@ver { … }` block. The WASI packages come from the data the
 * build ships (scripts/build-host-profiles.mjs copies them from the WIT that
 * ships with jco), so nothing here needs jco at run time.
 */
import { readFile } from 'node:fs/promises';

/** The WASI release whose WIT the build ships; host profiles are built from it. */
export const WASI_WIT_VERSION = '0.2.12';

/** Where the build writes the WASI WIT: packages/verifier/dist/data/wasi-wit.json. */
export const WASI_WIT_URL = new URL('../../data/wasi-wit.json', import.meta.url);

/** One WASI package as shipped: its `ns:name@version`, its file text, and the text as a nested block. */
export interface WitPackage {
  name: string;
  text: string;
  nested: string;
}

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

let shipped: Promise<WitPackage[]> | undefined;

/** The shipped WASI packages, in dependency order, each with its nested block. */
export function wasiPackages(): Promise<WitPackage[]> {
  shipped ??= readFile(WASI_WIT_URL, 'utf8').then(
    (text) => (JSON.parse(text) as { packages: { name: string; text: string }[] }).packages.map((p) => ({ ...p, nested: nestWitPackage(p.text, p.name) })),
    (err: unknown) => {
      // A broken install, not bad input: an internal error.
      throw new Error(`the WASI WIT data ${WASI_WIT_URL.pathname} is missing (${(err as NodeJS.ErrnoException).code ?? String(err)}): run \`npm run build\``, { cause: err });
    },
  );
  return shipped;
}
