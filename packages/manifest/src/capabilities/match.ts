/**
 * Policy decisions over parsed capabilities (DESIGN §2 and §6).
 *
 *   grants(pattern, cap)   everything `cap` could reach lies inside `pattern`
 *                          (CONTAINMENT; an allow entry must cover the whole cap)
 *   overlaps(pattern, cap) something `cap` could reach lies inside `pattern`
 *                          (INTERSECTION; a deny entry wins as soon as it touches)
 *
 * Never "two globs match each other": a declared `env:*` is granted by `env:*`
 * alone, not by `env:APP_*` (the Kyverno `AllIn` mistake DESIGN §2 warns of).
 * Each kind below defines its reach as a set and answers both questions on it.
 */
import {
  GLOBSTAR,
  hasWildcard,
  isShortVersion,
  segmentGlobContains,
  segmentGlobIntersects,
  splitVersion,
  starGlobContains,
  starGlobIntersects,
} from '@wpack/core';
import { ipaddr } from './ip.js';
import type {
  AnyCapability,
  Capability,
  CapabilityPattern,
  FilesystemAction,
  FilesystemCapability,
  Host,
  HttpCapability,
  HttpScheme,
  ImportCapability,
  NetworkCapability,
  PortRange,
} from './grammar.js';
import { defaultPort, pathSegments } from './grammar.js';

/** True iff everything `cap` could reach is allowed by `pattern` (containment). */
export function grants(pattern: CapabilityPattern, cap: Capability): boolean {
  return decide(pattern, cap, 'contain');
}

/** True iff `pattern` and `cap` reach something in common (used for deny lists: deny wins). */
export function overlaps(pattern: CapabilityPattern, cap: Capability): boolean {
  return decide(pattern, cap, 'meet');
}

/** `contain`: L(cap) ⊆ L(pattern). `meet`: L(cap) ∩ L(pattern) ≠ ∅. */
type Mode = 'contain' | 'meet';

function decide(p: AnyCapability, c: AnyCapability, mode: Mode): boolean {
  switch (p.kind) {
    case 'filesystem':
      return c.kind === 'filesystem' && filesystemDecide(p, c, mode);
    case 'network':
      return c.kind === 'network' && networkDecide(p, c, mode);
    case 'http':
      return c.kind === 'http' && httpDecide(p, c, mode);
    case 'env':
      return c.kind === 'env' && globDecide(p.name, c.name, mode);
    case 'nn':
      return c.kind === 'nn' && globDecide(p.encoding, c.encoding, mode);
    case 'import':
      return c.kind === 'import' && importDecide(p, c, mode);
    case 'stdio':
      return c.kind === 'stdio' && actionDecide(p.action, c.action, mode);
    case 'clock':
      return c.kind === 'clock' && actionDecide(p.action, c.action, mode);
    case 'random':
      return c.kind === 'random' && actionDecide(p.action, c.action, mode);
    case 'terminal':
    case 'exit':
      return c.kind === p.kind;
  }
}

/** One action each; `*` (patterns only) is every action of the kind. */
function actionDecide(p: string, c: string, mode: Mode): boolean {
  return p === '*' || p === c || (mode === 'meet' && c === '*');
}

function globDecide(pattern: string, cap: string, mode: Mode): boolean {
  return mode === 'contain' ? starGlobContains(pattern, cap) : starGlobIntersects(pattern, cap);
}

// ---------------------------------------------------------------- filesystem

const BOTH: readonly FilesystemAction[] = ['read', 'write'];

/**
 * Actions a capability reaches. Write implies read (DESIGN §2): a declared
 * `write` reaches reading too, and an allowed `write` allows reading. A
 * denied `write` denies writing only, so a deny `filesystem:write:/etc/**`
 * leaves a declared `filesystem:read:/etc` alone.
 */
function fsActions(cap: FilesystemCapability, mode: Mode): readonly FilesystemAction[] {
  if (cap.action === '*') return BOTH;
  const isDenyPattern = cap.form === 'pattern' && mode === 'meet';
  return cap.action === 'write' && !isDenyPattern ? BOTH : [cap.action];
}

/**
 * Paths as segment globs. A declared path reaches the directory and its whole
 * subtree, `D/**`; a policy path without glob characters means the same; a
 * policy glob means exactly the paths it matches, so `/var/data/*` grants no
 * directory (its subtree is unbounded) while `/var/data/**` grants `/var/data`.
 */
function fsReach(cap: FilesystemCapability): string[] {
  const segments = pathSegments(cap.path);
  const literal = cap.form === 'declared' || !hasWildcard(cap.path);
  return literal ? [...segments, GLOBSTAR] : segments;
}

function filesystemDecide(p: FilesystemCapability, c: FilesystemCapability, mode: Mode): boolean {
  const allowed = fsActions(p, mode);
  const reached = fsActions(c, 'contain');
  if (mode === 'contain') {
    return reached.every((a) => allowed.includes(a)) && segmentGlobContains(fsReach(p), fsReach(c));
  }
  return reached.some((a) => allowed.includes(a)) && segmentGlobIntersects(fsReach(p), fsReach(c));
}

// ---------------------------------------------------------------- network

function networkDecide(p: NetworkCapability, c: NetworkCapability, mode: Mode): boolean {
  if (p.action === '*' || (mode === 'meet' && c.action === '*')) return true;
  if (p.action === 'dns' || c.action === 'dns') return p.action === c.action;
  if (p.action === 'inbound') return c.action === 'inbound' && portsDecide(p.ports, c.ports, mode);
  if (c.action !== 'outbound') return false;
  return hostDecide(p.host, c.host, mode) && portsDecide(p.ports, c.ports, mode);
}

function portsDecide(p: PortRange, c: PortRange, mode: Mode): boolean {
  return mode === 'contain' ? p.lo <= c.lo && c.hi <= p.hi : p.lo <= c.hi && c.lo <= p.hi;
}

// ---------------------------------------------------------------- hosts

/**
 * Hosts are three disjoint worlds: `*`, DNS names (exact or `*.suffix`), and
 * IP ranges. A DNS name is never inside a CIDR, nor an IP inside a name
 * pattern: what a name resolves to is decided at run time, not here.
 */
function hostDecide(p: Host, c: Host, mode: Mode): boolean {
  if (p.type === 'any') return true;
  if (c.type === 'any') return mode === 'meet';
  if (p.type === 'ip' || c.type === 'ip') {
    return p.type === 'ip' && c.type === 'ip' && rangeDecide(ipRange(p), ipRange(c), mode);
  }
  return mode === 'contain' ? nameContains(p, c) : nameContains(p, c) || nameContains(c, p);
}

type NameHost = Extract<Host, { type: 'name' | 'wildcard' }>;

/**
 * `*.acme.com` holds `a.acme.com`, `a.b.acme.com`, `*.x.acme.com` and itself,
 * never `acme.com` or `evilacme.com` (label boundaries, not string suffixes).
 * Two name sets that meet always nest, so `meet` is containment either way.
 */
function nameContains(outer: NameHost, inner: NameHost): boolean {
  if (outer.type === 'name') return inner.type === 'name' && inner.name === outer.name;
  const suffix = `.${outer.suffix}`;
  return inner.type === 'name' ? inner.name.endsWith(suffix) : inner.suffix === outer.suffix || inner.suffix.endsWith(suffix);
}

interface IpRange {
  readonly lo: bigint;
  readonly hi: bigint;
}

/**
 * An address or CIDR as a range in the IPv6 space, IPv4 mapped into
 * `::ffff:0:0/96` (RFC 4291 §2.5.5.2), so `10.0.0.0/8` and `[::ffff:10.0.0.1]`
 * compare as the same addresses they are.
 */
function ipRange(host: Extract<Host, { type: 'ip' }>): IpRange {
  const bytes = ipaddr().parse(host.address).toByteArray();
  let value = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  let prefix = host.prefix;
  if (host.version === 4) {
    value |= 0xffffn << 32n;
    prefix += 96;
  }
  const hostBits = BigInt(128 - prefix);
  const lo = (value >> hostBits) << hostBits;
  return { lo, hi: lo | ((1n << hostBits) - 1n) };
}

function rangeDecide(p: IpRange, c: IpRange, mode: Mode): boolean {
  return mode === 'contain' ? p.lo <= c.lo && c.hi <= p.hi : p.lo <= c.hi && c.lo <= p.hi;
}

// ---------------------------------------------------------------- http

interface Endpoint {
  readonly scheme: HttpScheme;
  readonly ports: PortRange;
}

/** `*://h` is http:80 and https:443; an explicit port applies to every scheme. */
function endpoints(cap: Extract<HttpCapability, { action: 'outbound' }>): Endpoint[] {
  const schemes: HttpScheme[] = cap.scheme === '*' ? ['http', 'https'] : [cap.scheme];
  return schemes.map((scheme) => {
    const port = defaultPort(scheme);
    return { scheme, ports: cap.ports ?? { lo: port, hi: port } };
  });
}

function httpDecide(p: HttpCapability, c: HttpCapability, mode: Mode): boolean {
  if (p.action === '*' || (mode === 'meet' && c.action === '*')) return true;
  if (p.action === 'inbound' || c.action === 'inbound') return p.action === c.action;
  if (c.action !== 'outbound') return false;
  if (!hostDecide(p.host, c.host, mode)) return false;
  // The host is shared by all endpoints, and a pattern has one endpoint per scheme.
  const allowed = endpoints(p);
  const decideOne = (e: Endpoint): boolean =>
    allowed.some((a) => a.scheme === e.scheme && portsDecide(a.ports, e.ports, mode));
  return mode === 'contain' ? endpoints(c).every(decideOne) : endpoints(c).some(decideOne);
}

// ---------------------------------------------------------------- import

/**
 * The names an import capability stands for, as string globs. A versionless
 * name is the interface at any version (`acme:kv/store`, `acme:kv/store@*`);
 * a short version is its whole range (`@1` is `@1` and `@1.*`, as core's
 * `versionCovers` says for a manifest's declarations); a full version is
 * itself. So `import:acme:kv/store@1` in a policy grants a declared `@1.0`
 * or `@1.0.0`, exactly as the same text in a manifest satisfies them.
 */
function importAlternatives(cap: ImportCapability): string[] {
  const { base, version } = splitVersion(cap.name);
  if (version === undefined) return [cap.name, `${cap.name}@*`];
  return isShortVersion(version) ? [cap.name, `${base}@${version}.*`] : [cap.name];
}

function importDecide(p: ImportCapability, c: ImportCapability, mode: Mode): boolean {
  const allowed = importAlternatives(p);
  const reached = importAlternatives(c);
  if (mode === 'contain') return reached.every((r) => allowed.some((a) => starGlobContains(a, r)));
  return reached.some((r) => allowed.some((a) => starGlobIntersects(a, r)));
}
