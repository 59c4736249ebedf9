// Public surface of @wpack/runtime: `wpack run` executes a gated component
// in-process with exactly the capabilities it was granted (RUNTIME.md), and
// `wpack run-args` maps those capabilities onto other runtimes' flags.
export { denialSink } from './denials.js';
export type { AuditRecord, DenialKind, DenialOptions, DenialSink } from './denials.js';
export { pathWithin, resolveGrants } from './grants.js';
export type { Preopen, RunGrants, RunRequest } from './grants.js';
export { cacheRoot, entryDir, transpiledComponent } from './cache.js';
export type { Transpiled } from './cache.js';
export { checkImports, enforcingImports, SUPPORTED_INTERFACES, unversioned } from './imports.js';
export { checkRunnable, runComponent } from './run.js';
export type { RunOptions, RunOutcome } from './run.js';
export { readVerifiedComponent } from './verified.js';
export { GuestExit } from './wasi/cli.js';
export { DeniedCall } from './wasi/denied.js';
export { loadShim } from './wasi/shim.js';
export type { Shim } from './wasi/shim.js';
export { runtimeArgs } from './run-args.js';
export type { ForeignRuntime, RuntimeArgs, RuntimeArgsOptions } from './run-args.js';
