/**
 * wasi:sockets and wasi:http/outgoing-handler: denied, every call. The
 * containment of `network:` and `http:outbound:` grants (host, port, scheme)
 * is not enforced here yet, so a granted capability is refused too, with a
 * line saying so, rather than over-granted through the shim's open sockets.
 * The request and response types of wasi:http are plain data and pass through.
 */
import type { DenialSink } from '../denials.js';
import type { RunGrants } from '../grants.js';
import { deniedInterface } from './denied.js';
import type { Shim } from './shim.js';

const SOCKETS = ['network', 'instance-network', 'ip-name-lookup', 'tcp', 'tcp-create-socket', 'udp', 'udp-create-socket'];

export function networkInterfaces(shim: Shim, grants: RunGrants, denials: DenialSink): Record<string, unknown> {
  const why = (granted: boolean, kind: string) =>
    granted ? `wpack run does not enforce ${kind} grants yet, so it refuses them all; run it where the policy's network limits are enforced` : `no ${kind} capability`;
  const sockets = Object.fromEntries(
    SOCKETS.map((name) => [`wasi:sockets/${name}`, deniedInterface(`wasi:sockets/${name}`, 'network', denials, why(grants.network.length > 0, 'network:'))]),
  );
  const outbound = grants.http.some((c) => c.kind === 'http' && c.action === 'outbound');
  return {
    ...sockets,
    'wasi:http/types': shim.http.types,
    'wasi:http/outgoing-handler': deniedInterface('wasi:http/outgoing-handler', 'http', denials, why(outbound, 'http:outbound:')),
  };
}
