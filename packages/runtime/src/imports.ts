/**
 * The import object of one run: an enforcing implementation for every WASI
 * interface the component imports (keyed as the transpiled bindings ask for
 * them, without version), and nothing else.
 */
import { parseInterfaceName, WpackError } from '@wpack/core';
import type { DenialSink } from './denials.js';
import type { RunGrants } from './grants.js';
import { cliInterfaces } from './wasi/cli.js';
import { clockRandomInterfaces } from './wasi/clocks-random.js';
import { filesystemInterfaces } from './wasi/filesystem.js';
import { networkInterfaces, type NetworkRules } from './wasi/network.js';
import type { Shim } from './wasi/shim.js';

/** Interfaces `wpack run` implements, without version. */
export const SUPPORTED_INTERFACES: readonly string[] = [
  'wasi:io/error',
  'wasi:io/poll',
  'wasi:io/streams',
  'wasi:cli/environment',
  'wasi:cli/exit',
  'wasi:cli/stdin',
  'wasi:cli/stdout',
  'wasi:cli/stderr',
  'wasi:cli/terminal-input',
  'wasi:cli/terminal-output',
  'wasi:cli/terminal-stdin',
  'wasi:cli/terminal-stdout',
  'wasi:cli/terminal-stderr',
  'wasi:clocks/wall-clock',
  'wasi:clocks/monotonic-clock',
  'wasi:random/random',
  'wasi:random/insecure',
  'wasi:random/insecure-seed',
  'wasi:filesystem/types',
  'wasi:filesystem/preopens',
  'wasi:sockets/network',
  'wasi:sockets/instance-network',
  'wasi:sockets/ip-name-lookup',
  'wasi:sockets/tcp',
  'wasi:sockets/tcp-create-socket',
  'wasi:sockets/udp',
  'wasi:sockets/udp-create-socket',
  'wasi:http/types',
  'wasi:http/outgoing-handler',
];

/** `wasi:cli/stdout@0.2.3` → `wasi:cli/stdout`; names that are not interfaces stay as they are. */
export function unversioned(name: string): string {
  return parseInterfaceName(name)?.interface ?? name;
}

/** Refuses, as bad input, a component importing anything `wpack run` cannot provide (WASI 0.2 only). */
export function checkImports(imports: readonly string[]): void {
  const unsupported = imports.filter((name) => {
    const parsed = parseInterfaceName(name);
    return !SUPPORTED_INTERFACES.includes(unversioned(name)) || !(parsed?.version?.startsWith('0.2.') ?? false);
  });
  if (unsupported.length > 0) {
    throw new WpackError('UNSUPPORTED_IMPORT', `wpack run cannot provide ${unsupported.join(', ')}: it implements WASI 0.2 interfaces only; compose the component with an implementation first (wac plug)`);
  }
}

export function enforcingImports(shim: Shim, grants: RunGrants, denials: DenialSink, imports: readonly string[], rules: NetworkRules): Record<string, unknown> {
  const all: Record<string, unknown> = {
    'wasi:io/error': shim.io.error,
    'wasi:io/poll': shim.io.poll,
    'wasi:io/streams': shim.io.streams,
    ...cliInterfaces(shim, grants, denials),
    ...clockRandomInterfaces(shim, grants, denials),
    ...networkInterfaces(shim, grants, denials, rules),
  };
  const wanted = new Set(imports.map(unversioned));
  // Preopen descriptors are created only for a component that can use them.
  if (wanted.has('wasi:filesystem/types') || wanted.has('wasi:filesystem/preopens')) Object.assign(all, filesystemInterfaces(shim, grants, denials));
  return Object.fromEntries([...wanted].map((name) => [name, all[name]]));
}
