/**
 * `wpack admission serve`: the gate behind HTTPS for the Kubernetes API
 * server (`POST /validate`, a ValidatingAdmissionWebhook) and for OPA
 * Gatekeeper (`POST /externaldata`, an external data provider), with
 * `/healthz`, `/readyz` and `/metrics`.
 *
 * Fail closed: a registry failure, a timeout or anything unexpected denies
 * the pod and says so; a malformed body is answered 400 (413 when too big)
 * and logged. One JSON log line per review. The TLS certificate and key are
 * re-read every `reloadIntervalMs` and swapped in when they change (as
 * cert-manager rotates them); a half-written pair is ignored until it is whole.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { sha256Digest } from '@wpack/core';
import type { AdmissionMetrics } from './metrics.js';
import { BadReview, CHECKED_KINDS, parseReview, podImages, reviewResponse } from './review.js';
import type { ImageVerdict, ImageVerdicts } from './verdicts.js';

export const EXTERNAL_DATA_API_VERSION = 'externaldata.gatekeeper.sh/v1beta1';

export interface AdmissionServerOptions {
  verdicts: ImageVerdicts;
  metrics: AdmissionMetrics;
  host: string;
  port: number;
  certFile: string;
  keyFile: string;
  /** How often the certificate files are re-read. Default 10 s. */
  reloadIntervalMs?: number;
  /** Only pods with one of these runtime classes are checked; empty: every pod. */
  runtimeClasses: readonly string[];
  /** A review not decided in this time is denied (fail closed). */
  timeoutMs: number;
  /** Larger bodies get 413. Default 8 MiB: an UPDATE review carries the object twice, each up to the API server's 3 MiB. */
  maxBodyBytes?: number;
  /** One JSON object per review and per event. */
  log: (record: Record<string, unknown>) => void;
}

export interface AdmissionServer {
  address: { host: string; port: number };
  close(): Promise<void>;
}

/** Keys in one Gatekeeper request (Gatekeeper batches the images of one object). */
const MAX_KEYS = 1000;

/** The images of an UPDATE's old object; none when it has no pod spec. */
function oldImages(kind: string, oldObject: unknown): Set<string> {
  try {
    return new Set(podImages(kind, oldObject)?.images ?? []);
  } catch {
    return new Set();
  }
}

/** Kubernetes shows warnings of up to 256 characters; longer ones are cut here, not by the API server. */
const WARNING_LIMIT = 240;

class TooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new TooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new TooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function drain(req: IncomingMessage, cap: number): void {
  let seen = 0;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > cap) req.destroy();
  });
  req.resume();
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Checks every image, or gives up (denying) after `timeoutMs`. */
async function checkAll(verdicts: ImageVerdicts, images: readonly string[], timeoutMs: number): Promise<ImageVerdict[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ImageVerdict[]>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          images.map((image) => ({
            image,
            verdict: 'error',
            codes: ['TIMEOUT'],
            warnings: [],
            reason: `TIMEOUT: not decided within ${String(timeoutMs / 1000)} s (fail closed)`,
            cached: false,
          })),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([Promise.all(images.map((i) => verdicts.check(i))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `image (digest): CODE: what failed; CODE: …` (every reason starts with its code). */
function denialLine(v: ImageVerdict): string {
  return `${v.image}${v.digest !== undefined ? ` (${v.digest})` : ''}: ${v.reason ?? (v.codes.join(', ') || v.verdict.toUpperCase())}`;
}

const shortLog = (v: ImageVerdict) => ({ image: v.image, digest: v.digest ?? null, verdict: v.verdict, codes: v.codes, cached: v.cached });

export async function startAdmissionServer(options: AdmissionServerOptions): Promise<AdmissionServer> {
  const limit = options.maxBodyBytes ?? 8 * 1024 * 1024;
  let tls = { cert: await readFile(options.certFile), key: await readFile(options.keyFile) };
  let tlsDigest = sha256Digest(Buffer.concat([tls.cert, tls.key]));
  let ready = false;

  const validate = async (body: unknown): Promise<{ answer: Record<string, unknown>; record: Record<string, unknown> }> => {
    const review = parseReview(body);
    const base = { uid: review.uid, namespace: review.namespace, kind: review.kind, name: review.name, operation: review.operation };
    const pod = review.operation === 'DELETE' || review.operation === 'CONNECT' ? undefined : podImages(review.kind, review.object);
    if (pod === undefined || (options.runtimeClasses.length > 0 && !options.runtimeClasses.includes(pod.runtimeClassName ?? ''))) {
      const why = pod === undefined ? (CHECKED_KINDS.includes(review.kind) ? `operation ${review.operation}` : `kind ${review.kind || 'unknown'} has no pod`) : `runtimeClassName ${pod.runtimeClassName ?? '(none)'} is not checked`;
      options.metrics.review('validate', 'skipped');
      return { answer: reviewResponse(review.uid, { allowed: true }), record: { ...base, allowed: true, skipped: why, images: [] } };
    }
    // An UPDATE is judged on the images it brings: those the object already ran were admitted
    // before, and re-judging them would block finalizers and ownerReference patches.
    const before = review.operation === 'UPDATE' ? oldImages(review.kind, review.oldObject) : new Set<string>();
    const fresh = pod.images.filter((i) => !before.has(i));
    if (fresh.length === 0) {
      options.metrics.review('validate', 'skipped');
      return { answer: reviewResponse(review.uid, { allowed: true }), record: { ...base, allowed: true, skipped: 'the update changes no image', images: [] } };
    }
    const results = await checkAll(options.verdicts, fresh, options.timeoutMs);
    const failed = results.filter((v) => v.verdict !== 'allowed');
    const allowed = failed.length === 0;
    const warnings = results.flatMap((v) => v.warnings.map((w) => `${v.image}: ${w}`.slice(0, WARNING_LIMIT)));
    options.metrics.review('validate', allowed ? 'allowed' : 'denied');
    const message = allowed ? undefined : `wpack denied ${failed.map(denialLine).join('; ')}`;
    return {
      answer: reviewResponse(review.uid, { allowed, ...(message !== undefined ? { message } : {}), warnings }),
      record: { ...base, allowed, images: results.map(shortLog) },
    };
  };

  const externalData = async (body: unknown): Promise<{ answer: Record<string, unknown>; record: Record<string, unknown> }> => {
    const request = typeof body === 'object' && body !== null ? (body as { apiVersion?: unknown; kind?: unknown; request?: { keys?: unknown } }) : undefined;
    if (request?.apiVersion !== EXTERNAL_DATA_API_VERSION || request.kind !== 'ProviderRequest' || !Array.isArray(request.request?.keys) || !request.request.keys.every((k) => typeof k === 'string')) {
      throw new BadReview(`expected apiVersion ${EXTERNAL_DATA_API_VERSION}, kind ProviderRequest, request.keys a list of image references`);
    }
    const keys: string[] = [...new Set<string>(request.request.keys)];
    if (keys.length > MAX_KEYS) throw new BadReview(`${String(keys.length)} keys in one request; at most ${String(MAX_KEYS)}`);
    const results = await checkAll(options.verdicts, keys, options.timeoutMs);
    const items = results.map((v) => (v.verdict === 'allowed' ? { key: v.image, value: v.pinned } : { key: v.image, error: denialLine(v) }));
    options.metrics.review('externaldata', results.every((v) => v.verdict === 'allowed') ? 'allowed' : 'denied');
    return {
      answer: { apiVersion: EXTERNAL_DATA_API_VERSION, kind: 'ProviderResponse', response: { idempotent: true, items } },
      record: { keys: keys.length, images: results.map(shortLog) },
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, 'ok\n', 'text/plain');
    if (req.method === 'GET' && path === '/readyz') return ready ? send(res, 200, 'ready\n', 'text/plain') : send(res, 503, 'not ready\n', 'text/plain');
    if (req.method === 'GET' && path === '/metrics') return send(res, 200, await options.metrics.registry.metrics(), options.metrics.registry.contentType);
    const endpoint = path === '/validate' ? 'validate' : path === '/externaldata' ? 'externaldata' : undefined;
    if (endpoint === undefined || req.method !== 'POST') return send(res, 404, { error: `no ${req.method ?? ''} ${path ?? ''} here: POST /validate, POST /externaldata, GET /healthz, /readyz, /metrics` });
    const started = performance.now();
    try {
      const body = await readBody(req, limit);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new BadReview('the body is not JSON');
      }
      const { answer, record } = await (endpoint === 'validate' ? validate(parsed) : externalData(parsed));
      const seconds = (performance.now() - started) / 1000;
      options.metrics.reviewSeconds(endpoint, seconds);
      // Logged before the answer leaves, so a review answered is a review logged.
      options.log({ time: new Date().toISOString(), endpoint, ...record, ms: Number((seconds * 1000).toFixed(1)) });
      send(res, 200, answer);
    } catch (err) {
      const status = err instanceof TooLarge ? 413 : err instanceof BadReview ? 400 : 500;
      const message = err instanceof TooLarge ? `the body exceeds ${String(limit)} bytes` : err instanceof Error ? err.message : String(err);
      options.metrics.review(endpoint, 'bad-request');
      options.log({ time: new Date().toISOString(), endpoint, status, error: message });
      send(res, status, { error: message });
      // The rest of an oversized body is read and dropped, so the client sees the 413 rather than a reset; past a hard cap the connection is cut.
      if (err instanceof TooLarge) drain(req, limit * 8);
    }
  };

  const server: Server = createServer({ ...tls }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log({ time: new Date().toISOString(), status: 500, error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  });
  server.on('tlsClientError', () => undefined);

  const reload = async (): Promise<void> => {
    try {
      const next = { cert: await readFile(options.certFile), key: await readFile(options.keyFile) };
      const digest = sha256Digest(Buffer.concat([next.cert, next.key]));
      if (digest === tlsDigest) return;
      createSecureContext(next); // throws on a pair that does not match or is half-written
      server.setSecureContext(next);
      tls = next;
      tlsDigest = digest;
      options.log({ time: new Date().toISOString(), event: 'tls-reloaded', certificate: options.certFile });
    } catch (err) {
      options.log({ time: new Date().toISOString(), event: 'tls-reload-skipped', error: err instanceof Error ? err.message : String(err) });
    }
  };
  const reloading = setInterval(() => void reload(), options.reloadIntervalMs ?? 10_000);
  reloading.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  ready = true;
  const bound = server.address() as AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    async close() {
      ready = false;
      clearInterval(reloading);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
