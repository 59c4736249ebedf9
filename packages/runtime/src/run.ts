/**
 * Runs a component's `wasi:cli/run` export in this process, transpiled by jco
 * with `instantiation: async` so that every imported interface is one this
 * package built from the run's grants (RUNTIME.md, "jco as a runtime").
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { readComponentInterface } from '@wpack/component';
import { WpackError } from '@wpack/core';
import { transpiledComponent } from './cache.js';
import type { DenialSink } from './denials.js';
import type { RunGrants } from './grants.js';
import { checkImports, enforcingImports } from './imports.js';
import { GuestExit } from './wasi/cli.js';
import { DeniedCall } from './wasi/denied.js';
import { networkRules, type NetworkRules } from './wasi/network.js';
import { loadShim, type Shim } from './wasi/shim.js';

const RUN_EXPORT = /^wasi:cli\/run@0\.2\.[0-9]+$/;

export interface RunOptions {
  grants: RunGrants;
  denials: DenialSink;
  /** Cache root; default `$XDG_CACHE_HOME/wpack`. */
  cacheRoot?: string;
  /** Where notices for the operator go (a granted host name that did not resolve). */
  notice?: (line: string) => void;
}

export interface RunOutcome {
  /** The process exit code the component asked for: 0, 1 for `err` or a trap, n for `exit(n)`. */
  code: number;
  /** Set when the component trapped: what happened. */
  trap?: string;
  /** Whether the transpiled component came from the cache. */
  cached: boolean;
}

/**
 * Checks, before anything is transpiled, that the component exports
 * `wasi:cli/run` and imports only what `wpack run` implements. Returns its imports.
 */
export function checkRunnable(component: Uint8Array): string[] {
  return checkExport(component, RUN_EXPORT, 'NO_RUN_EXPORT', 'wasi:cli/run@0.2', 'wpack run runs commands only (wpack serve runs wasi:http/incoming-handler)');
}

/** The component's imports, once it is known to export what `pattern` matches and to import only what wpack implements. */
export function checkExport(component: Uint8Array, pattern: RegExp, code: 'NO_RUN_EXPORT' | 'NO_HTTP_HANDLER', wanted: string, hint: string): string[] {
  const iface = readComponentInterface(component);
  if (!iface.exports.some((e) => pattern.test(e.name))) {
    throw new WpackError(code, `the component exports no ${wanted} (it exports ${iface.exports.map((e) => e.name).join(', ') || 'nothing'}): ${hint}`);
  }
  const imports = iface.imports.map((i) => i.name);
  checkImports(imports);
  return imports;
}

/**
 * Imports the checked bytes of the bindings: written to a file of a fresh
 * directory only this process knows (mode 0700), imported, then removed, so
 * what node loads is what was checked, never the cache entry re-read. (A
 * `data:` URL does the same without a file but costs ~40 ms more to parse for
 * a componentize-qjs component's 780 KB of bindings.)
 */
async function importChecked(js: Uint8Array): Promise<{ instantiate: Instantiate }> {
  const dir = await mkdtemp(join(tmpdir(), 'wpack-bindings-'));
  try {
    const file = join(dir, 'component.mjs');
    await writeFile(file, js, { mode: 0o600, flag: 'wx' });
    return (await import(pathToFileURL(file).href)) as { instantiate: Instantiate };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A compiled core module, as the bindings' `getCoreModule` hands it back. */
type CoreModule = object;

const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CoreModule> } }).WebAssembly;

type Instantiate = (getCoreModule: (name: string) => Promise<CoreModule>, imports: Record<string, unknown>) => Promise<Record<string, unknown>>;

let wasmFeatures = false;

/**
 * V8 settings for components, set once before the first is compiled.
 * - Extended constant expressions: componentize-qjs and other toolchains emit
 *   them; Node 22's V8 has them on, Node 20's behind this flag.
 * - The tiering budget, 100 times V8's default (1,800,000). V8 compiles hot
 *   wasm functions again with its optimizing compiler on background threads,
 *   and node waits for those compiles before the process can exit: about
 *   80 ms after a componentize-qjs command has already printed its result.
 *   With the larger budget a short run stays on the baseline compiler and
 *   exits at once; a long one still tiers up, later (docs/running.md has the
 *   measured cost).
 */
function setWasmFlags(): void {
  if (wasmFeatures) return;
  setFlagsFromString('--experimental-wasm-extended-const');
  setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
  wasmFeatures = true;
}

export const WASM_TIERING_BUDGET = 180_000_000;

const webAssembly = (globalThis as unknown as { WebAssembly: Record<string, unknown> }).WebAssembly;
let probeGuards = 0;
const noJspi = new TypeError('WebAssembly.promising is not available (no JSPI in this node)');

/**
 * jco's bindings probe for JSPI with `try { WebAssembly.promising(f) } catch`
 * while they instantiate. Without JSPI each probe throws "is not a function",
 * and V8 words that message by parsing the whole enclosing function again:
 * the bindings' instantiation, 36,000 lines for a componentize-qjs
 * component, about 9 ms per probe. While `instantiate` runs,
 * `WebAssembly.promising` is a getter that throws a prepared TypeError, so
 * the bindings take the same fallback at no cost. Nothing changes where node
 * has JSPI (the property exists, and is left alone).
 */
export async function withPreparedJspiProbe<T>(instantiate: () => Promise<T>): Promise<T> {
  if (probeGuards === 0 && 'promising' in webAssembly) return instantiate();
  if (probeGuards++ === 0) {
    Object.defineProperty(webAssembly, 'promising', {
      configurable: true,
      enumerable: false,
      get(): never {
        throw noJspi;
      },
    });
  }
  try {
    return await instantiate();
  } finally {
    if (--probeGuards === 0) delete webAssembly.promising;
  }
}

/**
 * Resolves the network grants' host names, once, before the component starts,
 * and only for a component that can open sockets. Names that do not resolve
 * grant nothing; the operator is told.
 */
async function rulesFor(imports: readonly string[], options: RunOptions): Promise<NetworkRules> {
  const sockets = imports.some((name) => name.startsWith('wasi:sockets/'));
  const rules = await networkRules(sockets ? options.grants : { ...options.grants, network: [] });
  for (const line of rules.unresolved) options.notice?.(`wpack: network:outbound host ${line}; it grants no address`);
  return rules;
}

export interface Instantiated {
  instance: Record<string, unknown>;
  shim: Shim;
  cached: boolean;
  /** A fresh instance of the same component on the same imports (after a trap). */
  again(): Promise<Record<string, unknown>>;
}

/**
 * Transpiles (or takes from the checked cache) and instantiates a component on
 * the enforcing imports of its grants. `adjust` may replace imports before
 * instantiation (serve wraps wasi:http/types).
 */
export async function instantiateComponent(
  component: Uint8Array,
  imports: readonly string[],
  options: RunOptions,
  adjust?: (imports: Record<string, unknown>, shim: Shim) => void,
): Promise<Instantiated> {
  const transpiled = await transpiledComponent(component, options.cacheRoot !== undefined ? { cacheRoot: options.cacheRoot } : {});
  setWasmFlags();
  const js = transpiled.files.get('component.js');
  if (js === undefined) throw new Error('transpiled component without component.js');
  const mod = await importChecked(js);
  const compiled = new Map<string, Promise<CoreModule>>();
  const getCoreModule = (name: string): Promise<CoreModule> => {
    const bytes = transpiled.files.get(name);
    if (bytes === undefined) return Promise.reject(new Error(`transpiled component without ${name}`));
    let module = compiled.get(name);
    if (module === undefined) compiled.set(name, (module = wasm.compile(bytes)));
    return module;
  };
  const shim = await loadShim();
  const rules = await rulesFor(imports, options);
  const given = enforcingImports(shim, options.grants, options.denials, imports, rules);
  adjust?.(given, shim);
  const instantiate = (): Promise<Record<string, unknown>> => withPreparedJspiProbe(() => mod.instantiate(getCoreModule, given));
  const instance = await instantiate();
  return { instance, shim, cached: transpiled.cached, again: instantiate };
}

export async function runComponent(component: Uint8Array, options: RunOptions): Promise<RunOutcome> {
  const imports = checkRunnable(component);
  let cached = false;
  try {
    const made = await instantiateComponent(component, imports, options);
    cached = made.cached;
    const { instance } = made;
    const key = Object.keys(instance).find((k) => RUN_EXPORT.test(k));
    const run = (key !== undefined ? instance[key] : undefined) as { run?: () => unknown } | undefined;
    if (typeof run?.run !== 'function') throw new WpackError('NO_RUN_EXPORT', 'the transpiled component has no wasi:cli/run export');
    await run.run();
    return { code: 0, cached };
  } catch (err) {
    if (err instanceof GuestExit) return { code: err.code, cached };
    if (err instanceof DeniedCall) return { code: 1, trap: `a denied call (${err.operation}) stopped the component`, cached };
    if (err instanceof WpackError) throw err;
    // The bindings throw the `err` payload itself (none for wasi:cli/run) when `run` returns err; a trap is an Error.
    if (!(err instanceof Error)) return { code: 1, cached };
    return { code: 1, trap: err.message, cached };
  }
}

/**
 * Starts loading the WASI implementations (a library, no component bytes) so
 * that it overlaps the gate; nothing of the component is touched.
 */
export function preloadRuntime(): void {
  loadShim().catch(() => undefined);
}
