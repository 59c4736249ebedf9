/**
 * The capability grammar `kind:action[:scope]` (DESIGN §2): parsing and
 * normalisation of declared capabilities (what a manifest asks for) and of
 * policy patterns (what a host allows or denies). Both parse into the same
 * plain-data shapes, told apart by `form`; `text` is the canonical spelling,
 * so two capabilities that mean the same thing print the same.
 *
 * Hand-written on purpose (DESIGN §11): no library parses this grammar, and
 * the checks below are the security boundary of `wpack verify`.
 */
import { collapseStars, hasWildcard, isVersionSpec, parseInterfaceName, quoteValue } from '@wpack/core';
import { ipaddr } from './ip.js';
import { ManifestError } from '../errors.js';

export const capabilityKinds = [
  'filesystem',
  'network',
  'http',
  'env',
  'stdio',
  'terminal',
  'clock',
  'random',
  'exit',
  'nn',
  'import',
] as const;

export type CapabilityKind = (typeof capabilityKinds)[number];

/** `declared`: written in a manifest. `pattern`: written in a policy, globs allowed. */
export type CapabilityForm = 'declared' | 'pattern';

/** Longest capability text accepted; keeps every glob computation small (DESIGN §2). */
export const MAX_CAPABILITY_LENGTH = 1024;

/** An inclusive port range; a single port has lo === hi, `*` is 1-65535. */
export interface PortRange {
  readonly lo: number;
  readonly hi: number;
}

/** A network host as written in `network:` and `http:` scopes, normalised. */
export type Host =
  | { readonly type: 'any' }
  /** An exact DNS name, lowercase, without a trailing dot. */
  | { readonly type: 'name'; readonly name: string }
  /** `*.suffix`: one or more labels in front of `suffix`. */
  | { readonly type: 'wildcard'; readonly suffix: string }
  /** An address (prefix 32 or 128) or a CIDR block, `address` being its network address. */
  | { readonly type: 'ip'; readonly version: 4 | 6; readonly address: string; readonly prefix: number };

interface Base<F extends CapabilityForm, K extends CapabilityKind> {
  readonly form: F;
  readonly kind: K;
  /** Canonical text; parsing it again gives the same capability. */
  readonly text: string;
}

export type FilesystemAction = 'read' | 'write';

export interface FilesystemCapability<F extends CapabilityForm = CapabilityForm> extends Base<F, 'filesystem'> {
  /** `*` (read and write) only in patterns. */
  readonly action: FilesystemAction | '*';
  /** Normalised absolute path; in patterns it may hold `*`, `?` and `**` segments. */
  readonly path: string;
}

export type NetworkCapability<F extends CapabilityForm = CapabilityForm> =
  | (Base<F, 'network'> & { readonly action: 'outbound'; readonly host: Host; readonly ports: PortRange })
  | (Base<F, 'network'> & { readonly action: 'inbound'; readonly ports: PortRange })
  | (Base<F, 'network'> & { readonly action: 'dns' })
  /** `network:*`, patterns only: every network capability. */
  | (Base<F, 'network'> & { readonly action: '*' });

export type HttpScheme = 'http' | 'https';

export type HttpCapability<F extends CapabilityForm = CapabilityForm> =
  | (Base<F, 'http'> & {
      readonly action: 'outbound';
      readonly scheme: HttpScheme | '*';
      readonly host: Host;
      /** null: the scheme's default port (http 80, https 443). */
      readonly ports: PortRange | null;
    })
  | (Base<F, 'http'> & { readonly action: 'inbound' })
  /** `http:*`, patterns only: every http capability. */
  | (Base<F, 'http'> & { readonly action: '*' });

export interface EnvCapability<F extends CapabilityForm = CapabilityForm> extends Base<F, 'env'> {
  /** Variable name; `*` and `?` globs allowed in both forms. */
  readonly name: string;
}

export const stdioActions = ['stdin', 'stdout', 'stderr'] as const;
export const clockActions = ['wall', 'monotonic'] as const;
export const randomActions = ['secure', 'insecure'] as const;

export interface StdioCapability<F extends CapabilityForm = CapabilityForm> extends Base<F, 'stdio'> {
  readonly action: (typeof stdioActions)[number] | '*';
}
export interface ClockCapability<F extends CapabilityForm = CapabilityForm> extends Base<F, 'clock'> {
  readonly action: (typeof clockActions)[number] | '*';
}
export interface RandomCapability<F extends CapabilityForm = CapabilityForm> extends Base<F, 'random'> {
  readonly action: (typeof randomActions)[number] | '*';
}
export type TerminalCapability<F extends CapabilityForm = CapabilityForm> = Base<F, 'terminal'>;
export type ExitCapability<F extends CapabilityForm = CapabilityForm> = Base<F, 'exit'>;

export interface NnCapability<F extends CapabilityForm = CapabilityForm> extends Base<F, 'nn'> {
  /** wasi-nn graph encoding, lowercase (`onnx`, `openvino`, …); a glob in patterns. */
  readonly encoding: string;
}

export interface ImportCapability<F extends CapabilityForm = CapabilityForm> extends Base<F, 'import'> {
  /** `ns:pkg/iface` with an optional `@version`; a glob in patterns. */
  readonly name: string;
}

export type AnyCapability<F extends CapabilityForm = CapabilityForm> =
  | FilesystemCapability<F>
  | NetworkCapability<F>
  | HttpCapability<F>
  | EnvCapability<F>
  | StdioCapability<F>
  | ClockCapability<F>
  | RandomCapability<F>
  | TerminalCapability<F>
  | ExitCapability<F>
  | NnCapability<F>
  | ImportCapability<F>;

/** A capability declared in a manifest. */
export type Capability = AnyCapability<'declared'>;
/** A capability pattern from a policy's allow or deny list. */
export type CapabilityPattern = AnyCapability<'pattern'>;

/** Parses a declared capability (manifest side); throws INVALID_CAPABILITY. */
export function parseCapability(text: string): Capability {
  return parse(text, 'declared');
}

/** Parses a policy pattern (globs allowed); throws INVALID_CAPABILITY. */
export function parseCapabilityPattern(text: string): CapabilityPattern {
  return parse(text, 'pattern');
}

function invalid(reason: string): ManifestError {
  return new ManifestError('INVALID_CAPABILITY', reason);
}

function isKind(word: string): word is CapabilityKind {
  return (capabilityKinds as readonly string[]).includes(word);
}

function parse<F extends CapabilityForm>(text: string, form: F): AnyCapability<F> {
  checkText(text);
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? undefined : text.slice(colon + 1);
  if (!isKind(kind)) throw invalid(`unknown capability kind ${quoteValue(kind)}`);
  const ctx: Ctx<F> = { form, pattern: form === 'pattern' };
  switch (kind) {
    case 'filesystem':
      return parseFilesystem(ctx, rest);
    case 'network':
      return parseNetwork(ctx, rest);
    case 'http':
      return parseHttp(ctx, rest);
    case 'env':
      return parseEnv(ctx, rest);
    case 'stdio':
      return { form, kind, ...enumAction(ctx, kind, rest, stdioActions) };
    case 'clock':
      return { form, kind, ...enumAction(ctx, kind, rest, clockActions) };
    case 'random':
      return { form, kind, ...enumAction(ctx, kind, rest, randomActions) };
    case 'terminal':
    case 'exit':
      if (rest !== undefined) throw invalid(`${kind} takes no action or scope`);
      return { form, kind, text: kind };
    case 'nn':
      return parseNn(ctx, rest);
    case 'import':
      return parseImport(ctx, rest);
  }
}

interface Ctx<F extends CapabilityForm> {
  readonly form: F;
  readonly pattern: boolean;
}

function checkText(text: string): void {
  if (text.length === 0) throw invalid('capability is empty');
  // First, before any other work on the text: a 50 MB string costs one comparison.
  if (text.length > MAX_CAPABILITY_LENGTH) throw invalid(`capability is ${String(text.length)} characters, longer than ${String(MAX_CAPABILITY_LENGTH)}`);
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(text)) throw invalid('capability must not contain control characters');
  if (text.trim() !== text) throw invalid('capability must not start or end with whitespace');
}

/** Splits `action:scope` at the first colon. */
function splitAction(rest: string): [string, string | undefined] {
  const colon = rest.indexOf(':');
  return colon < 0 ? [rest, undefined] : [rest.slice(0, colon), rest.slice(colon + 1)];
}

/** `kind:*` in a pattern: every capability of that kind. */
function isWholeKind(ctx: Ctx<CapabilityForm>, rest: string | undefined): boolean {
  if (rest !== '*') return false;
  if (!ctx.pattern) throw invalid('action "*" is only allowed in policy patterns');
  return true;
}

// ---------------------------------------------------------------- simple kinds

function enumAction<A extends string>(
  ctx: Ctx<CapabilityForm>,
  kind: string,
  rest: string | undefined,
  actions: readonly A[],
): { action: A | '*'; text: string } {
  if (isWholeKind(ctx, rest)) return { action: '*', text: `${kind}:*` };
  const found = actions.find((a) => a === rest);
  if (found === undefined) throw invalid(`${kind} action must be ${actions.join(', ')}`);
  return { action: found, text: `${kind}:${found}` };
}

// ---------------------------------------------------------------- filesystem

function parseFilesystem<F extends CapabilityForm>(ctx: Ctx<F>, rest: string | undefined): FilesystemCapability<F> {
  if (rest === undefined) throw invalid('filesystem needs an action and a path, e.g. filesystem:read:/data');
  if (isWholeKind(ctx, rest)) return filesystem(ctx.form, '*', '/**');
  const [action, scope] = splitAction(rest);
  if (action !== 'read' && action !== 'write' && !(action === '*' && ctx.pattern)) {
    throw invalid(`unknown filesystem action ${quoteValue(action)} (expected read or write)`);
  }
  if (scope === undefined || scope === '') throw invalid(`filesystem:${action} needs an absolute path`);
  return filesystem(ctx.form, action, normalizePath(scope, ctx.pattern));
}

function filesystem<F extends CapabilityForm>(form: F, action: FilesystemAction | '*', path: string): FilesystemCapability<F> {
  return { form, kind: 'filesystem', action, path, text: `filesystem:${action}:${path}` };
}

/**
 * Absolute, `//` collapsed, `.` dropped, no trailing slash (except `/`).
 * `..` is rejected rather than resolved: a capability that climbs out of a
 * directory is a mistake or an attack either way (DESIGN §2).
 */
export function normalizePath(path: string, pattern: boolean): string {
  if (!path.startsWith('/')) throw invalid('path must be absolute');
  if (path.includes('\\')) throw invalid('path must not contain backslashes');
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw invalid("path must not contain '..' segments");
  if (!pattern && /[*?[\]{}]/.test(path)) throw invalid('path must not contain glob characters');
  if (/[[\]{}]/.test(path)) throw invalid('path pattern may only use *, ? and ** as glob characters');
  const canonical = segments.map((s) => (s === '**' ? s : collapseStars(s))).filter((s, i, all) => !(s === '**' && all[i - 1] === '**'));
  return '/' + canonical.join('/');
}

/** Path segments of a normalised path (`/` has none). */
export function pathSegments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

// ---------------------------------------------------------------- network

function parseNetwork<F extends CapabilityForm>(ctx: Ctx<F>, rest: string | undefined): NetworkCapability<F> {
  const { form } = ctx;
  if (rest === undefined) throw invalid('network needs an action: outbound, inbound or dns');
  if (isWholeKind(ctx, rest)) return { form, kind: 'network', action: '*', text: 'network:*' };
  const [action, scope] = splitAction(rest);
  switch (action) {
    case 'dns':
      if (scope !== undefined) throw invalid('network:dns takes no scope');
      return { form, kind: 'network', action, text: 'network:dns' };
    case 'inbound': {
      if (scope === undefined) throw invalid('network:inbound needs a port, e.g. network:inbound:8080');
      const ports = parsePorts(scope);
      return { form, kind: 'network', action, ports, text: `network:inbound:${portsText(ports)}` };
    }
    case 'outbound': {
      if (scope === undefined) throw invalid('network:outbound needs a port, e.g. network:outbound:api.acme.com:443');
      const { host, ports } = parseHostPort(scope);
      // Canonical form always names the host, so `network:outbound:443` reads as `*:443`.
      return { form, kind: 'network', action, host, ports, text: `network:outbound:${hostText(host)}:${portsText(ports)}` };
    }
    default:
      throw invalid(`unknown network action ${quoteValue(action)} (expected outbound, inbound or dns)`);
  }
}

/** `<host>:<port>` or a lone `<port>` (any host). IPv6 hosts must be bracketed. */
function parseHostPort(scope: string): { host: Host; ports: PortRange } {
  if (scope.startsWith('[')) {
    const close = scope.indexOf(']');
    if (close < 0) throw invalid('unclosed "[" in host');
    if (scope[close + 1] !== ':') throw invalid('network:outbound needs a port after the host');
    return { host: parseHost(scope.slice(0, close + 1)), ports: parsePorts(scope.slice(close + 2)) };
  }
  const colon = scope.lastIndexOf(':');
  if (colon < 0) {
    if (!/^[\d*-]+$/.test(scope)) throw invalid('network:outbound needs a port, e.g. network:outbound:api.acme.com:443');
    return { host: { type: 'any' }, ports: parsePorts(scope) };
  }
  return { host: parseHost(scope.slice(0, colon)), ports: parsePorts(scope.slice(colon + 1)) };
}

/** `443`, `8000-8999` or `*`. */
export function parsePorts(text: string): PortRange {
  if (text === '*') return { lo: 1, hi: 65535 };
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (match === null) throw invalid('port must be 1-65535, "*" or a range like 8000-8999');
  const lo = Number(match[1]);
  const hi = match[2] === undefined ? lo : Number(match[2]);
  if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) throw invalid('port must be 1-65535');
  if (lo > hi) throw invalid('port range must go from low to high');
  return { lo, hi };
}

export function portsText(ports: PortRange): string {
  if (ports.lo === 1 && ports.hi === 65535) return '*';
  return ports.lo === ports.hi ? String(ports.lo) : `${ports.lo}-${ports.hi}`;
}

// ---------------------------------------------------------------- hosts

/** `*`, `*.acme.com`, a DNS name, IPv4, `[IPv6]`, or a CIDR (`10.0.0.0/8`, `[fd00::/8]`). */
export function parseHost(text: string): Host {
  if (text === '') throw invalid('host is empty');
  if (text === '*') return { type: 'any' };
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw invalid('text after "]" in host');
    return parseIp(text.slice(1, -1), 6);
  }
  if (text.includes(':')) throw invalid('ipv6 address must be in brackets, e.g. [::1]');
  if (text.includes('/')) return parseIp(text, 4);
  if (text.startsWith('*.')) return { type: 'wildcard', suffix: parseDnsName(text.slice(2)) };
  if (text.includes('*')) throw invalid('host wildcard must be a leading "*." label');
  const bare = text.endsWith('.') ? text.slice(0, -1) : text;
  // A name whose last label is numeric is an IPv4 attempt (no TLD is numeric).
  if (/^\d+$/.test(bare.slice(bare.lastIndexOf('.') + 1))) return parseIp(bare, 4);
  return { type: 'name', name: parseDnsName(text) };
}

/** Lowercase LDH labels (underscore tolerated), one trailing dot dropped. */
function parseDnsName(text: string): string {
  const name = (text.endsWith('.') ? text.slice(0, -1) : text).toLowerCase();
  const label = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
  if (name.length === 0 || name.length > 253 || !name.split('.').every((l) => label.test(l))) {
    throw invalid(`invalid host name ${quoteValue(text)}`);
  }
  if (/^\d+$/.test(name.slice(name.lastIndexOf('.') + 1))) throw invalid(`invalid host name ${quoteValue(text)}`);
  return name;
}

/**
 * An address or CIDR of the given family, canonical (RFC 5952 for IPv6, the
 * network address for a CIDR). Only strict dotted-quad IPv4 is accepted:
 * ipaddr.js would also take `127.1` or `0x7f.1`, which are too easy to misread.
 */
function parseIp(text: string, version: 4 | 6): Host {
  if (text.includes('%')) throw invalid('ipv6 zone ids are not allowed');
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefixText !== undefined && (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || prefix > bits)) {
    throw invalid(`cidr prefix must be 0-${bits}`);
  }
  const valid = version === 4 ? ipaddr().IPv4.isValidFourPartDecimal(address) : ipaddr().IPv6.isValid(address);
  if (!valid) throw invalid(`invalid ipv${version} address ${quoteValue(address)}`);
  const parsed = ipaddr().parse(address);
  // An IPv4-mapped IPv6 address IS that IPv4 address; spell it the simple way.
  if (prefix === bits && parsed instanceof ipaddr().IPv6 && parsed.isIPv4MappedAddress()) {
    return { type: 'ip', version: 4, address: parsed.toIPv4Address().toString(), prefix: 32 };
  }
  const network = (version === 4 ? ipaddr().IPv4 : ipaddr().IPv6).networkAddressFromCIDR(`${address}/${prefix}`);
  return { type: 'ip', version, address: network.toString(), prefix };
}

export function hostText(host: Host): string {
  switch (host.type) {
    case 'any':
      return '*';
    case 'name':
      return host.name;
    case 'wildcard':
      return `*.${host.suffix}`;
    case 'ip': {
      const full = host.prefix === (host.version === 4 ? 32 : 128);
      const body = full ? host.address : `${host.address}/${host.prefix}`;
      return host.version === 6 ? `[${body}]` : body;
    }
  }
}

// ---------------------------------------------------------------- http

const DEFAULT_PORTS: Readonly<Record<HttpScheme, number>> = { http: 80, https: 443 };

function parseHttp<F extends CapabilityForm>(ctx: Ctx<F>, rest: string | undefined): HttpCapability<F> {
  const { form } = ctx;
  if (rest === undefined) throw invalid('http needs an action: outbound or inbound');
  if (isWholeKind(ctx, rest)) return { form, kind: 'http', action: '*', text: 'http:*' };
  const [action, scope] = splitAction(rest);
  if (action === 'inbound') {
    if (scope !== undefined) throw invalid('http:inbound takes no scope');
    return { form, kind: 'http', action, text: 'http:inbound' };
  }
  if (action !== 'outbound') throw invalid(`unknown http action ${quoteValue(action)} (expected outbound or inbound)`);
  if (scope === undefined) throw invalid('http:outbound needs a url, e.g. http:outbound:https://api.acme.com');
  const { scheme, host, ports } = parseUrl(scope);
  return { form, kind: 'http', action, scheme, host, ports, text: `http:outbound:${urlText(scheme, host, ports)}` };
}

/** `<scheme>://<host>[:port]`, Spin's allowed_outbound_hosts form; a lone trailing `/` is tolerated. */
function parseUrl(text: string): { scheme: HttpScheme | '*'; host: Host; ports: PortRange | null } {
  const match = /^([^:/]*):\/\/(.*)$/.exec(text);
  if (match === null) throw invalid('http:outbound needs a url like https://api.acme.com');
  const scheme = (match[1] ?? '').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https' && scheme !== '*') throw invalid('url scheme must be http, https or *');
  const authority = (match[2] ?? '').replace(/\/$/, '');
  if (/[/?#@]/.test(authority)) throw invalid('url must not have a path, query, fragment or user info');
  const close = authority.startsWith('[') ? authority.indexOf(']') : -1;
  const colon = authority.indexOf(':', close + 1);
  const hostPart = colon < 0 ? authority : authority.slice(0, colon);
  let ports = colon < 0 ? null : parsePorts(authority.slice(colon + 1));
  // `https://h:443` is `https://h`: drop a port that equals the scheme default.
  if (ports !== null && scheme !== '*' && ports.lo === ports.hi && ports.lo === DEFAULT_PORTS[scheme]) ports = null;
  return { scheme, host: parseHost(hostPart), ports };
}

function urlText(scheme: HttpScheme | '*', host: Host, ports: PortRange | null): string {
  return `${scheme}://${hostText(host)}${ports === null ? '' : `:${portsText(ports)}`}`;
}

/** The default port of a scheme (DESIGN §2: http 80, https 443). */
export function defaultPort(scheme: HttpScheme): number {
  return DEFAULT_PORTS[scheme];
}

// ---------------------------------------------------------------- env, nn, import

function parseEnv<F extends CapabilityForm>(ctx: Ctx<F>, rest: string | undefined): EnvCapability<F> {
  if (rest === undefined || rest === '') throw invalid('env needs a variable name, e.g. env:APP_DEBUG');
  // POSIX leaves names almost free; this is the portable set plus `.` and `-`.
  if (!/^[A-Za-z0-9_.*?-]+$/.test(rest)) throw invalid(`invalid environment variable name ${quoteValue(rest)}`);
  const name = collapseStars(rest);
  return { form: ctx.form, kind: 'env', name, text: `env:${name}` };
}

function parseNn<F extends CapabilityForm>(ctx: Ctx<F>, rest: string | undefined): NnCapability<F> {
  if (rest === undefined || rest === '') throw invalid('nn needs a graph encoding, e.g. nn:onnx');
  const encoding = collapseStars(rest.toLowerCase());
  if (!/^[a-z0-9*?][a-z0-9._*?-]*$/.test(encoding)) throw invalid(`invalid nn encoding ${quoteValue(rest)}`);
  if (!ctx.pattern && hasWildcard(encoding)) throw invalid('nn encoding must not contain wildcards');
  return { form: ctx.form, kind: 'nn', encoding, text: `nn:${encoding}` };
}

function parseImport<F extends CapabilityForm>(ctx: Ctx<F>, rest: string | undefined): ImportCapability<F> {
  if (rest === undefined || rest === '') throw invalid('import needs an interface, e.g. import:acme:kv/store');
  if (ctx.pattern && hasWildcard(rest)) {
    if (!/^[a-z0-9:/@.+*?-]+$/i.test(rest)) throw invalid(`invalid import pattern ${quoteValue(rest)}`);
    const name = collapseStars(rest);
    return { form: ctx.form, kind: 'import', name, text: `import:${name}` };
  }
  if (hasWildcard(rest)) throw invalid('import name must not contain wildcards');
  const parsed = parseInterfaceName(rest);
  if (parsed === null) throw invalid('import name must look like ns:pkg/iface[@version]');
  if (parsed.version !== undefined && !isVersionSpec(parsed.version)) throw invalid(`invalid version ${quoteValue(parsed.version)}`);
  return { form: ctx.form, kind: 'import', name: rest, text: `import:${rest}` };
}
