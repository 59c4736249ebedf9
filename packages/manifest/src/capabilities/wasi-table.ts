/**
 * THE table mapping WASI interfaces to capabilities (DESIGN §2: "the table is
 * code, one module, one table"). `wpack verify` enforces it both ways (an
 * import whose capability is not declared is an error, a declared capability
 * nothing imports is a warning), `wpack init` proposes each row's `suggested`
 * capability, and the README documents the rows as written here.
 */
import type { AnyCapability, Capability, CapabilityPattern } from './grammar.js';
import { hasWildcard, parseInterfaceName, versionCovers } from '@wpack/core';
import { hostText, parseCapabilityPattern, portsText } from './grammar.js';
import { grants } from './match.js';

/** What one component import (or export) needs from the manifest. */
export interface CapabilityRequirement {
  /** The interface name without its version, e.g. `wasi:filesystem/types`. */
  readonly interface: string;
  /** True when this declared capability is enough for the interface. */
  satisfiedBy(cap: Capability): boolean;
  /** What the interface gives the component, e.g. "preopened directories". */
  readonly description: string;
  /**
   * The narrowest sensible capability to declare for it (`wpack init`).
   * Absent when other rows' suggestions already cover it (`wasi:http/types`).
   */
  readonly suggested?: string;
  /** What the user should narrow in `suggested`. */
  readonly narrow?: string;
}

export interface WasiTableRow {
  /** An interface without version, or `ns:pkg/*` for every interface of a package. */
  readonly interface: string;
  readonly direction: 'import' | 'export';
  /**
   * Policy patterns in the capability grammar: a declared capability
   * satisfies the row when one of them grants it. Empty: nothing is needed.
   */
  readonly satisfiedBy: readonly string[];
  readonly description: string;
  readonly suggested?: string;
  readonly narrow?: string;
}

/**
 * First matching row wins, so exact interfaces come before their package's
 * `/*` row. Interfaces in no row: an import of shape `ns:pkg/iface` needs
 * `import:ns:pkg/iface`; anything else (plain names, other exports) needs nothing.
 */
export const WASI_CAPABILITY_TABLE: readonly WasiTableRow[] = [
  row('wasi:io/*', [], 'streams, pollables and errors (plumbing, no capability)'),
  row('wasi:filesystem/*', ['filesystem:*'], 'preopened directories', 'filesystem:read:/data',
    'replace /data with the directory the component reads; use filesystem:write:… if it writes'),
  row('wasi:sockets/ip-name-lookup', ['network:dns'], 'DNS name lookup', 'network:dns'),
  // Imported by every sockets user, name lookup included, so any network capability covers it.
  row('wasi:sockets/network', ['network:*'], 'the network handle shared by sockets and name lookup'),
  row('wasi:sockets/instance-network', ['network:*'], 'the default network handle'),
  row('wasi:sockets/*', ['network:outbound:*:*', 'network:inbound:*'], 'TCP and UDP sockets', 'network:outbound:*:443',
    'replace * with the host the component connects to (network:outbound:api.acme.com:443); add network:inbound:<port> if it listens'),
  row('wasi:http/outgoing-handler', ['http:outbound:*://*:*'], 'outgoing HTTP requests', 'http:outbound:https://*',
    'replace * with the hosts the component calls, e.g. http:outbound:https://api.acme.com'),
  row('wasi:http/types', ['http:*'], 'HTTP request and response types (covered by the http capabilities)'),
  row('wasi:cli/environment', ['env:*'], 'environment variables', 'env:APP_*',
    'replace APP_* with the variables the component reads, e.g. env:APP_DEBUG'),
  row('wasi:cli/stdin', ['stdio:stdin'], 'standard input', 'stdio:stdin'),
  row('wasi:cli/stdout', ['stdio:stdout'], 'standard output', 'stdio:stdout'),
  row('wasi:cli/stderr', ['stdio:stderr'], 'standard error', 'stdio:stderr'),
  ...['terminal-input', 'terminal-output', 'terminal-stdin', 'terminal-stdout', 'terminal-stderr'].map((name) =>
    row(`wasi:cli/${name}`, ['terminal'], 'terminal (tty) access', 'terminal'),
  ),
  row('wasi:cli/exit', ['exit'], 'exiting with a status code', 'exit'),
  row('wasi:clocks/wall-clock', ['clock:wall'], 'wall-clock time', 'clock:wall'),
  row('wasi:clocks/timezone', ['clock:wall'], 'the local timezone', 'clock:wall'),
  row('wasi:clocks/monotonic-clock', ['clock:monotonic'], 'a monotonic clock and timers', 'clock:monotonic'),
  row('wasi:random/random', ['random:secure'], 'cryptographically secure random bytes', 'random:secure'),
  row('wasi:random/insecure', ['random:insecure'], 'fast insecure random numbers', 'random:insecure'),
  row('wasi:random/insecure-seed', ['random:insecure'], 'an insecure random seed', 'random:insecure'),
  row('wasi:nn/*', ['nn:*'], 'ML inference (wasi-nn), GPU-backed where the host has one', 'nn:onnx',
    'replace onnx with the graph encoding the component loads (openvino, pytorch, tensorflow, tensorflowlite, ggml, …)'),
  { ...row('wasi:http/incoming-handler', ['http:inbound'], 'serving HTTP requests', 'http:inbound'), direction: 'export' },
];

function row(iface: string, satisfiedBy: readonly string[], description: string, suggested?: string, narrow?: string): WasiTableRow {
  return {
    interface: iface,
    direction: 'import',
    satisfiedBy,
    description,
    ...(suggested === undefined ? {} : { suggested }),
    ...(narrow === undefined ? {} : { narrow }),
  };
}

/**
 * The capability a component import or export needs, or null when it needs
 * none (`wasi:io/*`, plain names like `run`, exports other than
 * `wasi:http/incoming-handler`).
 */
export function requirementFor(name: string, direction: 'import' | 'export'): CapabilityRequirement | null {
  const parsed = parseInterfaceName(name);
  if (parsed === null) return null;
  const iface = parsed.interface;
  const found = WASI_CAPABILITY_TABLE.find((r) => r.direction === direction && rowCovers(r.interface, iface));
  if (found !== undefined) return found.satisfiedBy.length === 0 ? null : fromRow(found, iface);
  return direction === 'import' ? hostInterface(iface, parsed.version) : null;
}

function rowCovers(rowInterface: string, iface: string): boolean {
  return rowInterface.endsWith('/*') ? iface.startsWith(rowInterface.slice(0, -1)) : rowInterface === iface;
}

/** Parsed once: the table is constant and its patterns are known good (a test parses every row). */
const parsedRows = new Map<WasiTableRow, readonly CapabilityPattern[]>();

function fromRow(r: WasiTableRow, iface: string): CapabilityRequirement {
  let patterns = parsedRows.get(r);
  if (patterns === undefined) {
    patterns = r.satisfiedBy.map(parseCapabilityPattern);
    parsedRows.set(r, patterns);
  }
  const allowed = patterns;
  return {
    interface: iface,
    satisfiedBy: (cap) => allowed.some((p) => grants(p, cap)),
    description: r.description,
    ...(r.suggested === undefined ? {} : { suggested: r.suggested }),
    ...(r.narrow === undefined ? {} : { narrow: r.narrow }),
  };
}

/**
 * Any other host interface needs `import:<ns:pkg/iface>`. A versionless
 * declaration covers every version; a versioned one covers the versions it
 * names, a short one (`@1`, `@0.2`) its whole range (core's `versionCovers`,
 * the rule a policy's import patterns follow too). Version compatibility with
 * the host is the world check's job (DESIGN §7 step 3).
 */
function hostInterface(iface: string, version: string | undefined): CapabilityRequirement {
  return {
    interface: iface,
    satisfiedBy: (cap) => cap.kind === 'import' && importSatisfies(cap.name, iface, version),
    description: `the host interface ${iface}`,
    suggested: `import:${iface}`,
  };
}

function importSatisfies(declared: string, iface: string, version: string | undefined): boolean {
  if (declared === iface) return true;
  if (!declared.startsWith(`${iface}@`)) return false;
  return version === undefined || versionCovers(declared.slice(iface.length + 1), version);
}

const STDIO_TEXT = {
  stdin: 'read standard input',
  stdout: 'write standard output',
  stderr: 'write standard error',
  '*': 'use the standard streams',
} as const;

/** One human line saying what a capability lets a component do. */
export function describeCapability(cap: AnyCapability): string {
  switch (cap.kind) {
    case 'filesystem':
      return `${cap.action === 'read' ? 'read' : 'read and write'} files under ${cap.path}`;
    case 'network':
      if (cap.action === 'outbound') return `connect to ${hostText(cap.host)} on port ${portsText(cap.ports)}`;
      if (cap.action === 'inbound') return `listen on port ${portsText(cap.ports)}`;
      return cap.action === 'dns' ? 'look up host names' : 'any network access';
    case 'http':
      if (cap.action === 'outbound') return `send HTTP requests to ${cap.text.slice('http:outbound:'.length)}`;
      return cap.action === 'inbound' ? 'serve HTTP requests' : 'any HTTP access';
    case 'env':
      return hasWildcard(cap.name) ? `read environment variables matching ${cap.name}` : `read the environment variable ${cap.name}`;
    case 'stdio':
      return STDIO_TEXT[cap.action];
    case 'terminal':
      return 'use the terminal';
    case 'clock':
      return cap.action === '*' ? 'read the clocks' : `read the ${cap.action === 'wall' ? 'wall' : 'monotonic'} clock`;
    case 'random':
      return cap.action === '*' ? 'get random numbers' : `get ${cap.action} random numbers`;
    case 'exit':
      return 'exit with a status code';
    case 'nn':
      return `run ML inference on ${cap.encoding} graphs`;
    case 'import':
      return `use the host interface ${cap.name}`;
  }
}
