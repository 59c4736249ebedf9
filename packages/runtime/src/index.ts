// Public surface of @wpack/runtime: `wpack run` executes a gated component
// in-process with exactly the capabilities it was granted (RUNTIME.md), and
// `wpack run-args` maps those capabilities onto other runtimes' flags.
// Curated: test/exports.test.ts pins this list.
export { denialSink } from './denials.js';
export type { AuditRecord, DenialKind, DenialOptions, DenialSink } from './denials.js';
export { resolveGrants } from './grants.js';
export type { Preopen, RunGrants, RunRequest } from './grants.js';
export { entryDir } from './cache.js';
export { checkRunnable, preloadRuntime, runComponent, WASM_TIERING_BUDGET } from './run.js';
export type { RunOptions, RunOutcome } from './run.js';
export { runtimeArgs } from './run-args.js';
export type { ForeignRuntime, RuntimeArgs, RuntimeArgsOptions } from './run-args.js';
export { checkServable, parseListenAddress, serveComponent } from './serve.js';
export type { ServeOptions, Serving } from './serve.js';
