/**
 * wasi:sockets and wasi:http/outgoing-handler by grant.
 *
 * Sockets: the node shim opens whatever the guest asks for, so every socket
 * resource is handed to the guest inside a wrapper that checks the address
 * first and then delegates to the shim's own object:
 *   - connect (TCP) and send (UDP) only to an address:port that a declared
 *     `network:outbound:` capability holds. A capability naming a host was
 *     resolved once, before the component started (`networkRules`); a
 *     `*.suffix` capability holds the addresses the guest itself looked up
 *     for a name under that suffix (so only with `network:dns`).
 *   - bind on port 0 (an ephemeral port, as a client does) with any network
 *     capability; bind on port p, and listen, only where a
 *     `network:inbound:` capability holds p (listening on an ephemeral port
 *     needs `network:inbound:*`). A UDP stream without a remote address
 *     receives from anyone, so it is inbound too: it needs the bound port
 *     held by `network:inbound:` (a connected stream hears its remote only).
 *   - ip-name-lookup only with `network:dns`.
 * A refused call reports the denial and returns `access-denied` to the guest.
 * A component with no network capability at all gets interfaces whose every
 * call traps, as every ungranted interface does.
 *
 * HTTP: a request whose scheme and authority no `http:outbound:` capability
 * holds fails with `HTTP-request-denied` before the shim sees it. The request
 * and response types are plain data and pass through.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { grants as holds, parseCapability, parseCapabilityPattern, type Capability } from '@wpack/manifest';
import type { DenialSink } from '../denials.js';
import type { RunGrants } from '../grants.js';
import { deniedInterface, WitError } from './denied.js';
import type { Shim } from './shim.js';

type Pattern = ReturnType<typeof parseCapabilityPattern>;

/** What the network grants come to once host names are resolved. */
export interface NetworkRules {
  /** Outbound patterns over addresses: the declared ones with IP or `*` hosts, and one per address a named host resolved to. */
  outbound: Pattern[];
  /** Declared `*.suffix` outbound capabilities (as patterns), matched against the guest's own lookups. */
  wildcards: Pattern[];
  inbound: Pattern[];
  dns: boolean;
  /** Anything network at all (else the interfaces trap). */
  any: boolean;
  /** One line per named host that could not be resolved, for the operator. */
  unresolved: string[];
}

const SOCKETS = ['network', 'instance-network', 'ip-name-lookup', 'tcp', 'tcp-create-socket', 'udp', 'udp-create-socket'];

/** The network and http capabilities of a run, with named hosts resolved once, now. */
export async function networkRules(grants: RunGrants, resolve: (name: string) => Promise<string[]> = lookupAll): Promise<NetworkRules> {
  const rules: NetworkRules = { outbound: [], wildcards: [], inbound: [], dns: false, any: grants.network.length > 0, unresolved: [] };
  for (const cap of grants.network) {
    if (cap.action === 'dns') rules.dns = true;
    else if (cap.action === 'inbound') rules.inbound.push(parseCapabilityPattern(cap.text));
    else if (cap.action === 'outbound') {
      if (cap.host.type === 'wildcard') rules.wildcards.push(parseCapabilityPattern(cap.text));
      else if (cap.host.type === 'name') {
        const name = cap.host.name;
        const port = cap.text.slice(cap.text.lastIndexOf(':') + 1);
        const addresses = await resolve(name).catch((err: unknown) => {
          rules.unresolved.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
          return [];
        });
        for (const address of addresses) rules.outbound.push(parseCapabilityPattern(`network:outbound:${hostPart(address)}:${port}`));
      } else rules.outbound.push(parseCapabilityPattern(cap.text));
    }
  }
  return rules;
}

async function lookupAll(name: string): Promise<string[]> {
  return (await lookup(name, { all: true, verbatim: true })).map((a) => a.address);
}

/** An address as a capability's host: IPv6 in brackets. */
function hostPart(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

interface IpSocketAddress {
  tag: 'ipv4' | 'ipv6';
  val: { port: number; address: number[] };
}

function addressText(a: IpSocketAddress): string {
  return a.tag === 'ipv4' ? a.val.address.join('.') : a.val.address.map((n) => n.toString(16)).join(':');
}

function endpointText(a: IpSocketAddress): string {
  return `${hostPart(addressText(a))}:${String(a.val.port)}`;
}

type Inner = Record<PropertyKey, unknown>;

/**
 * A class whose instances stand for the shim's objects of one resource type:
 * each method delegates to the wrapped object unless `overrides` has it. The
 * bindings check resources with `instanceof` the class the imports give, so
 * the wrapper class is what the imports give.
 */
function wrapperClass(
  name: string,
  shimClass: unknown,
  overrides: Record<string, (inner: Inner, self: object, ...args: unknown[]) => unknown>,
): { cls: new () => object; wrap: (inner: unknown) => object; innerOf: (self: unknown) => Inner | undefined } {
  const inners = new WeakMap<object, Inner>();
  const cls = class {};
  Object.defineProperty(cls, 'name', { value: name });
  const proto = (shimClass as { prototype: object }).prototype;
  const keys = new Set<PropertyKey>([...Reflect.ownKeys(proto), ...Object.keys(overrides)]);
  keys.delete('constructor');
  for (const key of keys) {
    const override = typeof key === 'string' ? overrides[key] : undefined;
    Object.defineProperty(cls.prototype, key, {
      value(this: object, ...args: unknown[]): unknown {
        const inner = inners.get(this);
        if (inner === undefined) throw new TypeError(`not a ${name} of this run`);
        if (override !== undefined) return override(inner, this, ...args);
        return (inner[key] as (...a: unknown[]) => unknown).apply(inner, args);
      },
      writable: true,
      configurable: true,
    });
  }
  return {
    cls,
    wrap(inner) {
      const self = Object.create(cls.prototype) as object;
      inners.set(self, inner as Inner);
      return self;
    },
    innerOf: (self) => (typeof self === 'object' && self !== null ? inners.get(self) : undefined),
  };
}

const call = (inner: Inner, method: string, ...args: unknown[]): unknown => (inner[method] as (...a: unknown[]) => unknown).apply(inner, args);

export function networkInterfaces(shim: Shim, grants: RunGrants, denials: DenialSink, rules: NetworkRules): Record<string, unknown> {
  return { ...socketInterfaces(shim, denials, rules), ...httpInterfaces(shim, grants, denials) };
}

function socketInterfaces(shim: Shim, denials: DenialSink, rules: NetworkRules): Record<string, unknown> {
  if (!rules.any) {
    return Object.fromEntries(SOCKETS.map((name) => [`wasi:sockets/${name}`, deniedInterface(`wasi:sockets/${name}`, 'network', denials, 'no network capability')]));
  }
  const s = shim.sockets;
  const refuse = (operation: string, target: string, why: string): never => {
    denials.deny('network', operation, target, why);
    throw new WitError('access-denied');
  };
  /** Addresses the guest's own lookups returned, by name, for `*.suffix` grants. */
  const looked = new Map<string, Set<string>>();

  const outboundHeld = (a: IpSocketAddress): boolean => {
    const wanted = parseCapability(`network:outbound:${endpointText(a)}`);
    if (rules.outbound.some((p) => holds(p, wanted))) return true;
    if (rules.wildcards.length === 0) return false;
    const ip = addressText(a);
    for (const [name, ips] of looked) {
      if (!ips.has(ip)) continue;
      const named = parseCapability(`network:outbound:${name}:${String(a.val.port)}`);
      if (rules.wildcards.some((p) => holds(p, named))) return true;
    }
    return false;
  };
  const checkOutbound = (operation: string, a: IpSocketAddress): void => {
    if (!outboundHeld(a)) refuse(operation, endpointText(a), `no network:outbound capability holds ${endpointText(a)}`);
  };
  const inboundHeld = (port: number): boolean => {
    const wanted = parseCapability(`network:inbound:${port === 0 ? '*' : String(port)}`);
    return rules.inbound.some((p) => holds(p, wanted));
  };
  const checkBind = (operation: string, a: IpSocketAddress): void => {
    // Port 0 is an ephemeral port, what a client binds to; listening on it is checked apart.
    if (a.val.port === 0) return;
    if (!inboundHeld(a.val.port)) refuse(operation, endpointText(a), `no network:inbound capability holds port ${String(a.val.port)}`);
  };

  /** A checked startBind that remembers the port asked for (listen and open UDP streams are judged on it). */
  const binding = (operation: string, ports: WeakMap<object, number>) => (inner: Inner, self: object, network: unknown, local: unknown): undefined => {
    checkBind(operation, local as IpSocketAddress);
    call(inner, 'startBind', network, local);
    ports.set(self, (local as IpSocketAddress).val.port);
    return undefined;
  };

  const boundPort = new WeakMap<object, number>();
  const tcp = wrapperClass('TcpSocket', s.tcp.TcpSocket, {
    startBind: binding('tcp-bind', boundPort),
    startConnect(inner, _self, network, remote) {
      checkOutbound('tcp-connect', remote as IpSocketAddress);
      return call(inner, 'startConnect', network, remote);
    },
    startListen(inner, self) {
      const port = boundPort.get(self);
      if (port !== undefined && !inboundHeld(port)) {
        refuse('tcp-listen', port === 0 ? 'an ephemeral port' : `port ${String(port)}`, port === 0 ? 'listening on an ephemeral port needs network:inbound:*' : `no network:inbound capability holds port ${String(port)}`);
      }
      return call(inner, 'startListen');
    },
    accept(inner) {
      const [socket, input, output] = call(inner, 'accept') as [unknown, unknown, unknown];
      return [tcp.wrap(socket), input, output];
    },
  });

  const incoming = wrapperClass('IncomingDatagramStream', s.udp.IncomingDatagramStream, {});
  const outgoing = wrapperClass('OutgoingDatagramStream', s.udp.OutgoingDatagramStream, {
    send(inner, _self, datagrams) {
      for (const d of datagrams as { remoteAddress?: IpSocketAddress }[]) if (d.remoteAddress !== undefined) checkOutbound('udp-send', d.remoteAddress);
      return call(inner, 'send', datagrams);
    },
  });
  const udpPort = new WeakMap<object, number>();
  const udp = wrapperClass('UdpSocket', s.udp.UdpSocket, {
    startBind: binding('udp-bind', udpPort),
    stream(inner, self, remote) {
      if (remote !== undefined) checkOutbound('udp-connect', remote as IpSocketAddress);
      else {
        const port = udpPort.get(self) ?? 0;
        if (!inboundHeld(port)) {
          refuse('udp-stream', port === 0 ? 'an ephemeral port' : `port ${String(port)}`, `a UDP stream without a remote receives from anyone: it needs network:inbound:${port === 0 ? '*' : String(port)}`);
        }
      }
      const [i, o] = call(inner, 'stream', remote) as [unknown, unknown];
      return [incoming.wrap(i), outgoing.wrap(o)];
    },
  });

  const pendingNames = new WeakMap<object, string>();
  const resolving = wrapperClass('ResolveAddressStream', s.ipNameLookup.ResolveAddressStream, {
    resolveNextAddress(inner, self) {
      const next = call(inner, 'resolveNextAddress') as { tag: 'ipv4' | 'ipv6'; val: number[] } | undefined;
      const name = pendingNames.get(self);
      if (next !== undefined && name !== undefined) {
        const ip = addressText({ tag: next.tag, val: { port: 0, address: next.val } });
        let set = looked.get(name);
        if (set === undefined) looked.set(name, (set = new Set()));
        set.add(ip);
      }
      return next;
    },
  });

  return {
    'wasi:sockets/network': s.network,
    'wasi:sockets/instance-network': s.instanceNetwork,
    'wasi:sockets/ip-name-lookup': {
      ResolveAddressStream: resolving.cls,
      resolveAddresses(network: unknown, name: string) {
        if (!rules.dns) refuse('lookup', name, 'no network:dns capability');
        const stream = resolving.wrap(call(s.ipNameLookup, 'resolveAddresses', network, name));
        pendingNames.set(stream, name.toLowerCase().replace(/\.$/, ''));
        return stream;
      },
    },
    'wasi:sockets/tcp': { TcpSocket: tcp.cls },
    'wasi:sockets/tcp-create-socket': { createTcpSocket: (family: unknown) => tcp.wrap(call(s.tcpCreateSocket, 'createTcpSocket', family)) },
    'wasi:sockets/udp': { UdpSocket: udp.cls, IncomingDatagramStream: incoming.cls, OutgoingDatagramStream: outgoing.cls },
    'wasi:sockets/udp-create-socket': { createUdpSocket: (family: unknown) => udp.wrap(call(s.udpCreateSocket, 'createUdpSocket', family)) },
  };
}

interface OutgoingRequest {
  scheme(): { tag: 'HTTP' | 'HTTPS' } | { tag: 'other'; val: string } | undefined;
  authority(): string | undefined;
  pathWithQuery(): string | undefined;
}

function httpInterfaces(shim: Shim, grants: RunGrants, denials: DenialSink): Record<string, unknown> {
  const outbound = grants.http.filter((c) => c.action === 'outbound').map((c) => parseCapabilityPattern(c.text));
  const handler = shim.http.outgoingHandler;
  return {
    'wasi:http/types': shim.http.types,
    'wasi:http/outgoing-handler': {
      handle(request: OutgoingRequest, options: unknown) {
        const scheme = request.scheme();
        // The shim sends a request without a scheme as https; judge it as what it will be.
        const schemeText = scheme === undefined ? 'https' : scheme.tag === 'other' ? scheme.val.toLowerCase() : scheme.tag.toLowerCase();
        const authority = request.authority() ?? '';
        const target = `${schemeText}://${authority}`;
        let wanted: Capability | undefined;
        try {
          wanted = parseCapability(`http:outbound:${target}`);
        } catch {
          wanted = undefined;
        }
        if (wanted === undefined || !outbound.some((p) => holds(p, wanted))) {
          const why = outbound.length === 0 ? 'no http:outbound capability' : `no http:outbound capability holds ${target}`;
          denials.deny('http', 'request', `${target}${request.pathWithQuery() ?? ''}`, why);
          throw new WitError({ tag: 'HTTP-request-denied' });
        }
        return call(handler, 'handle', request, options);
      },
    },
  };
}
