/**
 * `wpack serve`: a component exporting `wasi:http/incoming-handler` answers
 * HTTP requests in this process, on the same enforcing imports as `wpack run`.
 *
 * Two servers, one in front of the other:
 *   - the front server (node:http, on the operator's address) reads each
 *     request body whole first (413 over `maxBodyBytes`, 408 when it does not
 *     arrive in time), then hands the component one request at a time (one
 *     instance on one thread: the shim would otherwise call the handler again
 *     while it waits on I/O; and a component waiting on a slow client would
 *     hold this thread and every request behind it), queues
 *     up to `maxInFlight` requests in all (503 beyond), times out a request
 *     the component does not answer (504), writes one access-log line per
 *     request and shuts down gracefully: it stops accepting, lets the
 *     requests in flight finish (bounded), then closes;
 *   - behind it, preview2-shim's HTTP server, which turns a node request into
 *     the wasi:http resources the component's handler takes. It listens on a
 *     Unix socket in a directory of its own (mode 0700), so nothing but the
 *     front server reaches the component.
 * The shim ends the process when a handler answers with an error; wpack
 * answers 500 instead, as it does when the handler traps.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WpackError } from '@wpack/core';
import { checkExport, instantiateComponent, type RunOptions } from './run.js';
import type { Shim } from './wasi/shim.js';

const HANDLER_EXPORT = /^wasi:http\/incoming-handler@0\.2\.[0-9]+$/;

export interface ServeOptions extends RunOptions {
  /** Address to listen on; port 0 picks a free one. */
  host: string;
  port: number;
  /** Requests answered at once; more get 503. Default 64. */
  maxInFlight?: number;
  /** A request the component has not answered in this time gets 504. Default 30 s. */
  requestTimeoutMs?: number;
  /** A larger request body gets 413 (it is read whole before the component sees the request). Default 16 MiB. */
  maxBodyBytes?: number;
  /** How long close() waits for requests in flight. Default 10 s. */
  shutdownGraceMs?: number;
  /** One line per request. */
  accessLog?: (line: string) => void;
}

export interface Serving {
  /** Where the front server listens. */
  address: { host: string; port: number };
  cached: boolean;
  /** Requests answered so far (any status). */
  readonly requests: number;
  /** Stops accepting, waits (bounded) for requests in flight, then closes everything. */
  close(): Promise<void>;
}

/** Checks, before anything is transpiled, that the component can be served. Returns its imports. */
export function checkServable(component: Uint8Array): string[] {
  return checkExport(component, HANDLER_EXPORT, 'NO_HTTP_HANDLER', 'wasi:http/incoming-handler@0.2', 'wpack serve serves wasi:http/proxy components (wpack run runs wasi:cli/run)');
}

/** `127.0.0.1:8080`, `[::1]:8080` or `:8080` (all addresses of the host). */
export function parseListenAddress(text: string): { host: string; port: number } {
  const cut = text.lastIndexOf(':');
  const hostText = cut < 0 ? '' : text.slice(0, cut);
  const portText = cut < 0 ? text : text.slice(cut + 1);
  const host = hostText.startsWith('[') && hostText.endsWith(']') ? hostText.slice(1, -1) : hostText;
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535 || (host.includes(':') && !hostText.startsWith('['))) {
    throw new WpackError('USAGE', `--addr ${JSON.stringify(text)}: expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080 (port 0 picks a free one)`);
  }
  return { host: host === '' ? '0.0.0.0' : host, port: Number(portText) };
}

/** The whole request body, at most `limit` bytes and within `timeoutMs`. */
function readRequestBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        clearTimeout(timer);
        req.removeAllListeners('data');
        req.resume();
        reject(new Error('too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

type Handler = { handle(request: unknown, outparam: unknown): void };
type HttpTypes = Record<string, unknown> & {
  ResponseOutparam: { set(param: unknown, response: { tag: 'ok' | 'err'; val: unknown }): void };
  OutgoingResponse: new (fields: unknown) => { setStatusCode(code: number): void; body(): unknown };
  OutgoingBody: { finish(body: unknown, trailers: undefined): void };
  Fields: new () => unknown;
};

export async function serveComponent(component: Uint8Array, options: ServeOptions): Promise<Serving> {
  const imports = checkServable(component);
  if (!options.grants.httpInbound) {
    throw new WpackError('HTTP_INBOUND_NOT_GRANTED', 'the manifest declares no http:inbound capability, so serving HTTP is not granted');
  }
  const notice = options.notice ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const answered = new WeakSet<object>();
  let types: HttpTypes | undefined;
  /** The shim's own set, which ends the process on an error response: wpack answers 500 instead. */
  const adjust = (given: Record<string, unknown>, shim: Shim): void => {
    types = shim.http.types as HttpTypes;
    const real = types.ResponseOutparam;
    const set = (param: unknown, response: { tag: 'ok' | 'err'; val: unknown }): void => {
      if (typeof param === 'object' && param !== null) answered.add(param);
      if (response.tag === 'ok') {
        real.set(param, response);
        return;
      }
      notice(`wpack serve: the component answered with the error ${JSON.stringify(response.val)}; sending 500`);
      real.set(param, { tag: 'ok', val: serverError(500) });
    };
    // A proxy of the class itself: the bindings check resources with `instanceof` it.
    const outparam = new Proxy(real, { get: (target, key, receiver) => (key === 'set' ? set : Reflect.get(target, key, receiver) as unknown) });
    if ('wasi:http/types' in given) given['wasi:http/types'] = { ...types, ResponseOutparam: outparam };
  };
  /** An empty response with this status, made of the shim's own resources. */
  const serverError = (status: number): unknown => {
    const t = types as HttpTypes;
    const response = new t.OutgoingResponse(new t.Fields());
    response.setStatusCode(status);
    const body = response.body();
    t.OutgoingBody.finish(body, undefined);
    return response;
  };

  const made = await instantiateComponent(component, imports, options, adjust);
  const handlerOf = (instance: Record<string, unknown>): Handler => {
    const key = Object.keys(instance).find((k) => HANDLER_EXPORT.test(k));
    const handler = (key !== undefined ? instance[key] : undefined) as Handler | undefined;
    if (typeof handler?.handle !== 'function') throw new WpackError('NO_HTTP_HANDLER', 'the transpiled component has no wasi:http/incoming-handler export');
    return handler;
  };
  /**
   * Each request gets an instance of its own, as wasmtime serve and Spin do:
   * nothing a request leaves in memory reaches the next, a trap ends only its
   * request, and components written for that model (StarlingMonkey's answer
   * one request per instance) work. The next instance is made while the
   * current one serves; the compiled core modules are shared.
   */
  let guest: Handler | undefined;
  let next: Promise<Handler> = Promise.resolve(handlerOf(made.instance));
  const fresh = (): Promise<Handler> => made.again().then(handlerOf);
  const answer = (outparam: unknown, status: number): void => {
    if (typeof outparam === 'object' && outparam !== null && !answered.has(outparam)) (types as HttpTypes).ResponseOutparam.set(outparam, { tag: 'ok', val: serverError(status) });
  };

  const dir = await mkdtemp(join(tmpdir(), 'wpack-serve-'));
  const socketPath = join(dir, 'component.sock');
  const inner = new made.shim.http.HTTPServer({
    handle(request, outparam) {
      if (guest === undefined) {
        answer(outparam, 503);
        return;
      }
      try {
        guest.handle(request, outparam);
      } catch (err) {
        // The instance is dropped with its request; the next request has a fresh one.
        notice(`wpack serve: the component trapped: ${err instanceof Error ? err.message : String(err)}`);
        answer(outparam, 500);
      } finally {
        guest = undefined;
      }
    },
  });
  inner.listen(socketPath);
  const agent = new Agent({ keepAlive: true });

  const maxInFlight = options.maxInFlight ?? 64;
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  let inFlight = 0;
  let requests = 0;
  let drained: (() => void) | undefined;

  const finish = (req: IncomingMessage, res: ServerResponse, started: number, bytes: () => number): void => {
    requests += 1;
    const ms = (performance.now() - started).toFixed(1);
    options.accessLog?.(`${req.socket.remoteAddress ?? '-'} "${req.method ?? '-'} ${req.url ?? '-'}" ${String(res.statusCode)} ${String(bytes())} ${ms}ms`);
  };
  const plain = (res: ServerResponse, status: number, text: string): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end(`${text}\n`);
  };

  const front = createServer((req, res) => {
    const started = performance.now();
    let sent = 0;
    if (inFlight >= maxInFlight) {
      res.setHeader('retry-after', '1');
      plain(res, 503, `wpack serve: ${String(maxInFlight)} requests in flight already`);
      res.on('close', () => finish(req, res, started, () => 0));
      return;
    }
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      finish(req, res, started, () => sent);
      if (inFlight === 0) drained?.();
    });
    // The whole body is read first: the component runs on this thread and
    // would otherwise wait on a slow client with every other request behind it.
    readRequestBody(req, maxBodyBytes, timeoutMs).then(
      (body) =>
        void turn(() => forward(req, body, res, (n) => (sent += n))).catch((err: unknown) => {
          // Never an unhandled rejection: one request failing must not take the server down.
          notice(`wpack serve: a request failed: ${err instanceof Error ? err.message : String(err)}`);
          res.destroy();
        }),
      (err: unknown) => {
        const tooLarge = err instanceof Error && err.message === 'too large';
        plain(res, tooLarge ? 413 : 408, tooLarge ? `wpack serve: the request body exceeds ${String(maxBodyBytes)} bytes` : 'wpack serve: the request body did not arrive in time');
        if (!tooLarge) req.destroy();
      },
    );
  });

  /** One request at a time reaches the component; each waits for the one before to be answered. */
  let queue: Promise<void> = Promise.resolve();
  const turn = (work: () => Promise<void>): Promise<void> => (queue = queue.then(work, work));
  const forward = async (req: IncomingMessage, body: Buffer, res: ServerResponse, count: (n: number) => void): Promise<void> => {
    // A client gone while waiting for its turn takes no instance.
    if (res.destroyed || res.writableEnded) return;
    try {
      guest = await next;
    } catch (err) {
      notice(`wpack serve: an instance could not be made: ${err instanceof Error ? err.message : String(err)}`);
      plain(res, 500, 'wpack serve: the component could not be instantiated');
      return;
    } finally {
      next = fresh();
      // A rejection is reported by the request that awaits it.
      next.catch(() => undefined);
    }
    await new Promise<void>((done) => {
      const headers = { ...req.headers, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const upstream = httpRequest({ socketPath, agent, method: req.method, path: req.url, headers });
      // A client that goes away mid-answer releases the turn at once.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
        done();
      });
      upstream.setTimeout(timeoutMs, () => {
        upstream.destroy();
        plain(res, 504, `wpack serve: the component did not answer within ${String(timeoutMs)} ms`);
        done();
      });
      upstream.on('response', (answer) => {
        try {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
        } catch (err) {
          // An answer node will not send on (a header it refuses): the client's connection is closed, the server goes on.
          notice(`wpack serve: the component's answer could not be passed on: ${err instanceof Error ? err.message : String(err)}`);
          answer.resume();
          res.destroy();
          done();
          return;
        }
        answer.on('data', (chunk: Buffer) => count(chunk.length));
        answer.on('end', done);
        answer.on('error', done);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        plain(res, 502, 'wpack serve: the component\'s answer broke off');
        done();
      });
      upstream.end(body);
    });
  };
  front.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(options.port, options.host, () => {
      front.off('error', reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    inner.stop();
    agent.destroy();
    await rm(dir, { recursive: true, force: true });
    const code = (err as { code?: string }).code;
    throw new WpackError('USAGE', `cannot listen on ${options.host}:${String(options.port)}: ${code === 'EADDRINUSE' ? 'the address is in use' : code === 'EACCES' ? 'permission denied' : String(err)}`, { cause: err });
  });
  const bound = front.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    address: { host: bound.address, port: bound.port },
    cached: made.cached,
    get requests() {
      return requests;
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => front.close(() => resolve()));
        front.closeIdleConnections();
        if (inFlight > 0) {
          const grace = options.shutdownGraceMs ?? 10_000;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, grace);
            drained = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        front.closeAllConnections();
        await stopped;
        agent.destroy();
        inner.stop();
        await rm(dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
