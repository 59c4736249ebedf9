// A fault-injecting reverse proxy for registry tests: a small node:http server
// on 127.0.0.1 that forwards every request to a real registry and, where a
// rule matches, answers or damages the response instead:
//
//   status     answer with a status (500, 503, 429 + Retry-After, 408, ...)
//              without forwarding (the request body is read first, as a
//              registry that failed after receiving it would)
//   cut        forward, then reset the connection (TCP RST) after K bytes of
//              the response body
//   truncate   forward, then end the connection cleanly (FIN) after K bytes,
//              while Content-Length promised more
//   corrupt    forward the body with one byte flipped (same length): a
//              registry serving wrong bytes for a digest
//   ignore-range  forward without the request's Range header: a registry
//              that answers every GET with the whole blob
//   cut-request  read K bytes of the request body, then reset the client's
//              connection; with `forward`, those K bytes reach the registry
//              first (an upload that broke off mid-body), else nothing does
//
// A rule matches by method and a regex over the request target (path and
// query), and acts on an occurrence window of its own matches (skip the first
// `skip`, then act on the next `times`). Location headers that point at the
// upstream are rewritten to point at the proxy, so a client keeps talking
// through it. Every request is recorded (hits()) with the status the client
// got and when. close() ends every connection and the server.
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { prng } from './wasm-bytes.js';

export type FaultAction =
  /** Answer with this status instead of forwarding (a small distribution-style JSON error body). */
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  /**
   * Forward, but reset the connection after `afterBytes` bytes of the response body, `pauseMs`
   * (default 100) after they were sent: a reset that came at once could make the client's kernel drop
   * the headers unread, and the fault would be a failed request instead of a body cut off mid-way.
   */
  | { kind: 'cut'; afterBytes: number; pauseMs?: number }
  /** Forward, but close the connection after `afterBytes` bytes (at most Content-Length - 1) while Content-Length promised more. */
  | { kind: 'truncate'; afterBytes: number }
  /** Forward, with the byte at `at` (default: the middle of the body) flipped. */
  | { kind: 'corrupt'; at?: number }
  /** Forward without the Range header: the whole blob, 200. */
  | { kind: 'ignore-range' }
  /**
   * Take `afterBytes` of the request body, then reset the client's connection. With `forward`
   * they go to the registry on a request that then breaks off; without, the registry sees nothing.
   */
  | { kind: 'cut-request'; afterBytes: number; forward?: boolean };

/** The faults applied to a forwarded response. */
type BodyFault = Exclude<FaultAction, { kind: 'status' } | { kind: 'cut-request' }>;

export interface FaultRule {
  /** HTTP method, case-insensitive; any method when absent. */
  method?: string;
  /** Tested against the request target: path and query, e.g. /v2/acme/app/blobs/uploads/…?digest=… */
  path: RegExp;
  /** Matches to let through untouched before acting (default 0). */
  skip?: number;
  /** Matches to act on after the skipped ones (default: every one). */
  times?: number;
  /** Act on each match only with this probability (seeded, so a run can be repeated); default always. */
  chance?: number;
  /** One action, or several to pick from at random on each match. */
  action: FaultAction | FaultAction[];
}

export interface FaultProxyOptions {
  /** Seed of the random choices (`chance`, several actions); default 1. */
  seed?: number;
}

export interface ProxyHit {
  method: string;
  /** The request target: path and query. */
  path: string;
  /** What the client got (the upstream's status when forwarded, also for a cut or truncated body; 502 when the upstream failed). */
  status: number;
  /** performance.now() when the request arrived. */
  at: number;
  /** The action applied, if any. */
  fault?: FaultAction['kind'];
  /** The Range header the client sent, if any. */
  range?: string;
  /** The Content-Range header the client sent (an upload chunk), if any. */
  contentRange?: string;
}

export interface FaultProxy {
  /** 127.0.0.1:port, for a reference. */
  host: string;
  hits(): ProxyHit[];
  close(): Promise<void>;
}

const UPSTREAM_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 5_000;
const CUT_PAUSE_MS = 100;

export async function startFaultProxy(upstream: string, rules: FaultRule[], options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const random = prng(options.seed ?? 1);
  const base = new URL(upstream);
  if (base.protocol !== 'http:' || base.hostname !== '127.0.0.1') throw new Error(`fault proxy: upstream must be http://127.0.0.1:port, not ${upstream}`);
  const counts = rules.map(() => 0);
  const log: ProxyHit[] = [];
  const agent = new Agent({ keepAlive: true });
  let proxyOrigin = '';

  const pick = (method: string, target: string): FaultAction | undefined => {
    let chosen: FaultAction | undefined;
    rules.forEach((rule, i) => {
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) return;
      if (!rule.path.test(target)) return;
      const n = (counts[i] ?? 0) + 1;
      counts[i] = n;
      const skip = rule.skip ?? 0;
      if (chosen !== undefined || n <= skip || n > skip + (rule.times ?? Infinity)) return;
      if (rule.chance !== undefined && random() >= rule.chance) return;
      chosen = Array.isArray(rule.action) ? rule.action[Math.floor(random() * rule.action.length)] : rule.action;
    });
    return chosen;
  };

  const server = createServer((req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const target = req.url ?? '/';
    const contentRange = req.headers['content-range'];
    const hit: ProxyHit = {
      method,
      path: target,
      status: 0,
      at: performance.now(),
      ...(req.headers.range !== undefined ? { range: req.headers.range } : {}),
      ...(contentRange !== undefined ? { contentRange } : {}),
    };
    log.push(hit);
    const action = pick(method, target);
    if (action !== undefined) hit.fault = action.kind;
    if (action?.kind === 'status') {
      respondWith(req, res, hit, action);
      return;
    }
    if (action?.kind === 'cut-request') {
      cutRequest(req, hit, action);
      return;
    }
    forward(req, res, hit, action);
  });

  const respondWith = (req: IncomingMessage, res: ServerResponse, hit: ProxyHit, action: Extract<FaultAction, { kind: 'status' }>): void => {
    const send = (): void => {
      const body = Buffer.from(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `injected fault: ${String(action.status)}` }] }));
      hit.status = action.status;
      res.writeHead(action.status, { 'content-type': 'application/json', 'content-length': String(body.length), ...action.headers });
      res.end(body);
    };
    // Read the whole request body first, then answer (or give up when the client goes away).
    req.on('error', () => res.destroy());
    req.once('end', send);
    req.resume();
  };

  const cutRequest = (req: IncomingMessage, hit: ProxyHit, action: Extract<FaultAction, { kind: 'cut-request' }>): void => {
    hit.status = 0; // the client gets no answer
    const up =
      action.forward === true
        ? request({ host: base.hostname, port: base.port, method: req.method, path: req.url, headers: { ...withoutHopByHop(req.headers), host: base.host }, agent: false })
        : undefined;
    up?.on('error', () => undefined);
    up?.on('response', (r) => r.resume());
    let taken = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      req.pause();
      // The registry's side breaks off too, once what was taken has had time to arrive.
      setTimeout(() => {
        up?.destroy();
        req.socket.resetAndDestroy();
      }, CUT_PAUSE_MS);
    };
    req.on('error', finish);
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      const take = Math.min(chunk.length, action.afterBytes - taken);
      taken += take;
      if (take > 0) up?.write(chunk.subarray(0, take));
      if (taken >= action.afterBytes) finish();
    });
    req.on('end', finish);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, hit: ProxyHit, action: BodyFault | undefined): void => {
    const headers: OutgoingHttpHeaders = { ...withoutHopByHop(req.headers), host: base.host };
    if (action?.kind === 'ignore-range') delete headers.range;
    const bodyFault = action?.kind === 'ignore-range' ? undefined : action;
    const up = request(
      { host: base.hostname, port: base.port, method: req.method, path: req.url, headers, agent, timeout: UPSTREAM_TIMEOUT_MS },
      (upRes) => relay(res, upRes, hit, bodyFault),
    );
    up.on('timeout', () => up.destroy(new Error('upstream timed out')));
    up.on('error', () => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      hit.status = 502;
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('fault proxy: upstream failed\n');
    });
    req.on('error', () => up.destroy());
    req.pipe(up);
  };

  const relay = (res: ServerResponse, upRes: IncomingMessage, hit: ProxyHit, action: Exclude<BodyFault, { kind: 'ignore-range' }> | undefined): void => {
    const status = upRes.statusCode ?? 502;
    hit.status = status;
    res.writeHead(status, rewriteLocation(upRes.headers, base.origin, proxyOrigin));
    const hasBody = hit.method !== 'HEAD' && status !== 204 && status !== 304;
    if (action === undefined || !hasBody) {
      upRes.pipe(res);
      return;
    }
    res.flushHeaders();
    const declared = Number(upRes.headers['content-length'] ?? NaN);
    upRes.on('error', () => res.destroy());
    /** Writes a chunk with backpressure; `then` runs once it is handed to the kernel. */
    const pass = (chunk: Buffer, then?: () => void): void => {
      if (!res.write(chunk, then)) {
        upRes.pause();
        res.once('drain', () => upRes.resume());
      }
    };
    if (action.kind === 'corrupt') {
      const at = action.at ?? (Number.isSafeInteger(declared) ? Math.floor(declared / 2) : 0);
      let offset = 0;
      upRes.on('data', (chunk: Buffer) => {
        const i = at - offset;
        offset += chunk.length;
        if (i < 0 || i >= chunk.length) return pass(chunk);
        const flipped = Buffer.from(chunk);
        flipped[i] = (flipped[i] ?? 0) ^ 0xff;
        pass(flipped);
      });
      upRes.on('end', () => res.end());
      return;
    }
    // cut / truncate: pass `limit` bytes, then end the connection without completing the response.
    const socket = res.socket;
    const limit = action.kind === 'truncate' && Number.isSafeInteger(declared) ? Math.max(0, Math.min(action.afterBytes, declared - 1)) : action.afterBytes;
    let sent = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      upRes.destroy();
      if (socket === null) return;
      if (action.kind === 'truncate') {
        socket.end();
        return;
      }
      const timer = setTimeout(() => socket.resetAndDestroy(), action.pauseMs ?? CUT_PAUSE_MS);
      socket.once('close', () => clearTimeout(timer));
    };
    if (limit <= 0) {
      finish();
      return;
    }
    upRes.on('data', (chunk: Buffer) => {
      if (done) return;
      const take = Math.min(chunk.length, limit - sent);
      sent += take;
      pass(take === chunk.length ? chunk : chunk.subarray(0, take), sent >= limit ? finish : undefined);
      if (sent >= limit) upRes.pause();
    });
    // A body shorter than the cut point: the connection still ends without the response completing.
    upRes.on('end', finish);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${String(port)}`;
  proxyOrigin = `http://${host}`;

  let closing: Promise<void> | undefined;
  return {
    host,
    hits: () => log.map((h) => ({ ...h })),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeAllConnections();
        agent.destroy();
      })),
  };
}

/** Each side manages its own connection; the message framing (Content-Length) passes through. */
function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...headers };
  for (const name of ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']) delete out[name];
  return out;
}

/** Copies the upstream's headers, with a Location at the upstream's origin moved to the proxy's. */
function rewriteLocation(headers: IncomingHttpHeaders, from: string, to: string): OutgoingHttpHeaders {
  const out = withoutHopByHop(headers);
  const location = headers.location;
  if (location !== undefined && (location === from || location.startsWith(`${from}/`) || location.startsWith(`${from}?`))) {
    out.location = to + location.slice(from.length);
  }
  return out;
}
