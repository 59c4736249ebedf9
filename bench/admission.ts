// npm run bench:admission — `wpack admission serve` against a local
// Distribution registry, over TLS, as the API server would call it.
//
//   cold   20 distinct images reviewed at once: one resolve, pull and gate each
//          baseline: `wpack verify <ref> --policy` of one image (whole process)
//   warm   4000 reviews, 50 at a time, then 10 at a time, over the same 20
//          images (tags re-resolved after --tag-ttl, verdicts from the cache)
//          baseline: GET /healthz of the same server, 50 at a time (HTTPS floor)
//
// Targets (issue: admission): warm p99 < 20 ms and ≥ 1000 reviews/s.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Project from '../test/helpers/project.js';
import type * as Registry from '../test/helpers/registry.js';
import { WPACK_BIN, row, timeCommand } from './measure.js';

const { makeProject } = (await import(new URL('../../test/dist/helpers/project.js', import.meta.url).href)) as typeof Project;
const { startRegistry, makeServerCertificate } = (await import(new URL('../../test/dist/helpers/registry.js', import.meta.url).href)) as typeof Registry;
const { createBundle, pushBundle } = await import('@wpack/manifest');
const { parseReference } = await import('@wpack/registry-client');
const { generateKeyPair, loadPrivateKey, signBundle } = await import('@wpack/signatures');

const IMAGES = 20;
const WARM_REVIEWS = 4000;
const PARALLEL = 50;
const CAPS = ['env:APP_*', 'exit', 'stdio:stdin', 'stdio:stdout', 'stdio:stderr', 'terminal', 'clock:monotonic', 'clock:wall', 'filesystem:read:/data', 'network:outbound:api.acme.com:443', 'network:dns', 'random:secure', 'random:insecure'];
const ALLOW = ['env:APP_*', 'exit', 'stdio:*', 'terminal', 'clock:*', 'filesystem:read:/data/**', 'network:outbound:*.acme.com:443', 'network:dns', 'random:*'];

const scratch = mkdtempSync(join(tmpdir(), 'wpack-bench-admission-'));
const reg = await startRegistry('plain');
let stopServer: (signal: NodeJS.Signals) => void = () => undefined;
try {
  const key = generateKeyPair();
  writeFileSync(join(scratch, 'release.pub'), key.publicPem);
  writeFileSync(join(scratch, 'policy.json'), JSON.stringify({ version: 1, host: { worlds: ['wasi:cli/command@0.2.12'] }, signatures: { signers: [{ key: 'release.pub' }] }, capabilities: { allow: ALLOW } }));
  const project = await makeProject(join(scratch, 'project'), { capabilities: CAPS });
  const bundle = join(scratch, 'app.wpack');
  await createBundle(project, bundle);
  await signBundle(bundle, { kind: 'key', privateKey: loadPrivateKey(key.privatePem) });
  const images = Array.from({ length: IMAGES }, (_, i) => `${reg.host}/bench/app-${String(i)}:1.0.0`);
  for (const image of images) await pushBundle(bundle, parseReference(image));
  const tls = await makeServerCertificate(scratch);
  copyFileSync(tls.certificate, join(scratch, 'tls.crt'));
  copyFileSync(tls.key, join(scratch, 'tls.key'));
  const ca = readFileSync(tls.caFile);

  const verify = timeCommand(process.execPath, [WPACK_BIN, 'verify', images[0] ?? '', '--policy', join(scratch, 'policy.json')]);

  const server = spawn(process.execPath, [WPACK_BIN, 'admission', 'serve', '--policy', 'policy.json', '--addr', '127.0.0.1:0', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key'], {
    cwd: scratch,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stopServer = (signal) => void server.kill(signal);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 60_000);
    server.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /"url":"https:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
      // Keep only the tail: the review lines are not needed here.
      if (out.length > 65536) out = out.slice(-4096);
    });
  });
  const agent = new Agent({ keepAlive: true, maxSockets: PARALLEL });
  const call = (method: string, path: string, body?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, ca, agent, headers: body !== undefined ? { 'content-type': 'application/json' } : {} }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${String(res.statusCode)}: ${text}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const reviewBody = (image: string): string =>
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: randomUUID(), kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'apps', operation: 'CREATE', object: { spec: { containers: [{ name: 'app', image }] } } },
    });
  const review = async (image: string): Promise<number> => {
    const started = performance.now();
    const text = await call('POST', '/validate', reviewBody(image));
    if (!text.includes('"allowed":true')) throw new Error(`denied: ${text}`);
    return performance.now() - started;
  };
  /** Runs `total` calls, `parallel` at a time; returns each latency (ms) and the wall time (s). */
  const load = async (total: number, parallel: number, one: (i: number) => Promise<number>): Promise<{ latencies: number[]; seconds: number }> => {
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < total) {
          const i = next;
          next += 1;
          latencies.push(await one(i));
        }
      }),
    );
    return { latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000 };
  };
  const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

  const cold = await load(IMAGES, IMAGES, (i) => review(images[i] ?? ''));
  // One unmeasured round first: the server's code paths compiled, the client's connections open.
  await load(1000, PARALLEL, (i) => review(images[i % IMAGES] ?? ''));
  const warm = await load(WARM_REVIEWS, PARALLEL, (i) => review(images[i % IMAGES] ?? ''));
  const warmTen = await load(WARM_REVIEWS, 10, (i) => review(images[i % IMAGES] ?? ''));
  const floor = await load(WARM_REVIEWS, PARALLEL, async () => {
    const started = performance.now();
    await call('GET', '/healthz');
    return performance.now() - started;
  });
  const metrics = await call('GET', '/metrics');
  const gates = [...metrics.matchAll(/^wpack_admission_gate_seconds_count\{verdict="\w+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  agent.destroy();

  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  console.log(`wpack admission serve, ${String(IMAGES)} images on a local Distribution registry, TLS, ${String(PARALLEL)} in parallel`);
  console.log(row('cold: 20 images at once, p50 / p99', `${ms(pct(cold.latencies, 50))} / ${ms(pct(cold.latencies, 99))}`, `${String(gates)} pulls + gates in all`));
  console.log(row('  baseline: wpack verify <ref> --policy (one image, process)', `${(verify.seconds * 1000).toFixed(0)} ms`));
  console.log(row(`warm, ${String(PARALLEL)} in parallel: reviews per second`, `${(WARM_REVIEWS / warm.seconds).toFixed(0)} /s`, 'target ≥ 1000 /s'));
  console.log(row(`warm, ${String(PARALLEL)} in parallel: p50 / p90 / p99`, `${ms(pct(warm.latencies, 50))} / ${ms(pct(warm.latencies, 90))} / ${ms(pct(warm.latencies, 99))}`, 'target p99 < 20 ms'));
  console.log(row('warm, 10 in parallel: reviews per second', `${(WARM_REVIEWS / warmTen.seconds).toFixed(0)} /s`));
  console.log(row('warm, 10 in parallel: p50 / p90 / p99', `${ms(pct(warmTen.latencies, 50))} / ${ms(pct(warmTen.latencies, 90))} / ${ms(pct(warmTen.latencies, 99))}`));
  console.log(row(`  baseline: GET /healthz, ${String(PARALLEL)} in parallel`, `${(WARM_REVIEWS / floor.seconds).toFixed(0)} /s`, `p50 ${ms(pct(floor.latencies, 50))}, p99 ${ms(pct(floor.latencies, 99))}`));
} finally {
  stopServer('SIGTERM');
  await reg.stop();
  rmSync(scratch, { recursive: true, force: true });
}
