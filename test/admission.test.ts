// `wpack admission serve`: the real CLI as a subprocess, over TLS with a
// private CA, against a real Distribution registry on loopback holding good,
// unsigned, wrongly signed and capability-denied bundles (and missing ones).
// Review bodies have the shape the API server sends (admission.k8s.io/v1).
// Every server started here is stopped here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, readFile, rename, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { createBundle } from '@wpack/manifest';
import { pushBundle } from '@wpack/manifest';
import { parseReference } from '@wpack/registry-client';
import { generateKeyPair, loadPrivateKey, signBundle } from '@wpack/signatures';
import { WPACK_BIN } from './helpers/cli.js';
import { makeProject } from './helpers/project.js';
import { makeServerCertificate, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const CAPS = ['env:APP_*', 'exit', 'stdio:stdin', 'stdio:stdout', 'stdio:stderr', 'terminal', 'clock:monotonic', 'clock:wall', 'filesystem:read:/data', 'network:outbound:api.acme.com:443', 'network:dns', 'random:secure', 'random:insecure'];
const ALLOW = ['env:APP_*', 'exit', 'stdio:*', 'terminal', 'clock:*', 'filesystem:read:/data/**', 'network:outbound:*.acme.com:443', 'network:dns', 'random:*'];
const LOAD_IMAGES = 20;

let work: { dir: string; cleanup: () => Promise<void> };
let registry: TestRegistry;
let tls: { caFile: string; caKey: string; certificate: string; key: string };
let ca: Buffer;
const image = (repo: string, tag = '1.0.0') => `${registry.host}/${repo}:${tag}`;

async function publish(name: string, repo: string, options: { caps?: string[]; sign?: 'trusted' | 'rogue' | 'none' }, keys: Record<'trusted' | 'rogue', ReturnType<typeof generateKeyPair>>): Promise<void> {
  const project = await makeProject(join(work.dir, `project-${name}`), { capabilities: options.caps ?? CAPS });
  const file = join(work.dir, `${name}.wpack`);
  await createBundle(project, file);
  const sign = options.sign ?? 'trusted';
  if (sign !== 'none') await signBundle(file, { kind: 'key', privateKey: loadPrivateKey(keys[sign].privatePem) });
  await pushBundle(file, parseReference(image(repo)));
}

before(async () => {
  work = await tempDir('wpack-admission-');
  registry = await startRegistry('plain');
  const keys = { trusted: generateKeyPair(), rogue: generateKeyPair() };
  await writeFile(join(work.dir, 'release.pub'), keys.trusted.publicPem);
  await publish('good', 'apps/good', {}, keys);
  await publish('unsigned', 'apps/unsigned', { sign: 'none' }, keys);
  await publish('rogue', 'apps/rogue', { sign: 'rogue' }, keys);
  await publish('greedy', 'apps/greedy', { caps: [...CAPS, 'env:SECRET_TOKEN'] }, keys);
  // The load test's images: even ones good, odd ones asking for more than the policy grants.
  for (let i = 0; i < LOAD_IMAGES; i += 1) await pushBundle(join(work.dir, i % 2 === 0 ? 'good.wpack' : 'greedy.wpack'), parseReference(image(`load/app-${String(i)}`)));
  await writeFile(
    join(work.dir, 'policy.json'),
    JSON.stringify({ version: 1, host: { worlds: ['wasi:cli/command@0.2.12'] }, signatures: { signers: [{ key: 'release.pub' }] }, capabilities: { allow: ALLOW } }),
  );
  tls = await makeServerCertificate(work.dir);
  ca = await readFile(tls.caFile);
  await copyFile(tls.certificate, join(work.dir, 'tls.crt'));
  await copyFile(tls.key, join(work.dir, 'tls.key'));
});

after(async () => {
  await registry.stop();
  await work.cleanup();
});

interface Webhook {
  base: { host: string; port: number };
  logs: () => Record<string, unknown>[];
  stop(): Promise<number | null>;
}

/** Starts `wpack admission serve` on a free loopback port; waits (bounded) for its `listening` line. */
async function startWebhook(extra: string[] = []): Promise<Webhook> {
  const child: ChildProcess = spawn(
    process.execPath,
    [WPACK_BIN, 'admission', 'serve', '--policy', 'policy.json', '--addr', '127.0.0.1:0', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key', '--tls-reload-interval', '200ms', ...extra],
    { cwd: work.dir, env: { ...process.env, GITHUB_ACTIONS: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 60 s: ${out}${err}`)), 60_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /"event":"listening","url":"https:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`wpack admission serve exited ${String(code)}: ${out}${err}`));
    });
  });
  return {
    base: { host: '127.0.0.1', port },
    logs: () =>
      out
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 50 });
after(() => agent.destroy());

function call(w: Webhook, method: string, path: string, body?: string | Buffer): Promise<{ status: number; text: string; json: () => Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ ...w.base, method, path, ca, agent, headers: body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}, timeout: 60_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pod = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'apps' }, spec });
const wasmPod = (...images: string[]) => pod({ runtimeClassName: 'wasmtime-spin', containers: images.map((img, i) => ({ name: `c${String(i)}`, image: img })) });

/** An AdmissionReview as the API server sends it for a CREATE. */
function review(kind: string, object: Record<string, unknown>, uid = randomUUID()): Record<string, unknown> {
  const group = ['Pod'].includes(kind) ? '' : kind === 'Job' || kind === 'CronJob' ? 'batch' : 'apps';
  const resource = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group, version: 'v1', kind },
      resource: { group, version: 'v1', resource },
      requestKind: { group, version: 'v1', kind },
      requestResource: { group, version: 'v1', resource },
      name: 'web',
      namespace: 'apps',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', uid: randomUUID(), groups: ['system:serviceaccounts', 'system:authenticated'] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

async function validate(w: Webhook, body: Record<string, unknown>): Promise<{ uid: string; allowed: boolean; status?: { code: number; message: string }; warnings?: string[] }> {
  const r = await call(w, 'POST', '/validate', JSON.stringify(body));
  assert.equal(r.status, 200, r.text);
  const answer = r.json();
  assert.equal(answer.apiVersion, 'admission.k8s.io/v1');
  assert.equal(answer.kind, 'AdmissionReview');
  return answer.response as { uid: string; allowed: boolean; status?: { code: number; message: string }; warnings?: string[] };
}

void describe('wpack admission serve', () => {
  let w: Webhook;
  before(async () => {
    w = await startWebhook(['--runtime-class', 'wasmtime-spin']);
  });
  after(async () => {
    assert.equal(await w.stop(), 0);
  });

  void test('a signed, granted image is allowed; the uid is echoed; one JSON log line names image, digest, verdict', async () => {
    const body = review('Pod', wasmPod(image('apps/good')));
    const uid = (body.request as { uid: string }).uid;
    const answer = await validate(w, body);
    assert.equal(answer.uid, uid);
    assert.equal(answer.allowed, true, JSON.stringify(answer));
    const line = w.logs().find((l) => l.uid === uid);
    assert.ok(line !== undefined, 'a log line for the review');
    assert.equal(line.namespace, 'apps');
    assert.equal(line.allowed, true);
    assert.equal(typeof line.ms, 'number');
    const [logged] = line.images as { image: string; digest: string; verdict: string; codes: string[] }[];
    assert.equal(logged?.image, image('apps/good'));
    assert.match(logged?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(logged?.verdict, 'allowed');
    assert.deepEqual(logged?.codes, []);
  });

  void test('unsigned, wrongly signed, capability-denied and missing images are denied, each naming the image and its codes', async () => {
    const cases: [string, RegExp][] = [
      [image('apps/unsigned'), /: NO_SIGNATURES: /],
      [image('apps/rogue'), /: UNTRUSTED_KEY: .*; THRESHOLD_NOT_MET: /],
      [image('apps/greedy'), /: CAPABILITY_NOT_GRANTED: .*env:SECRET_TOKEN/],
      [image('apps/absent'), /: [A-Z_]+: could not resolve 1\.0\.0: .*\(fail closed\)/],
    ];
    for (const [img, codes] of cases) {
      const answer = await validate(w, review('Pod', wasmPod(img)));
      assert.equal(answer.allowed, false, img);
      assert.equal(answer.status?.code, 403);
      assert.ok(answer.status.message.includes(img), answer.status.message);
      assert.match(answer.status.message, codes);
    }
  });

  void test('pod templates of every workload kind are checked, init and ephemeral containers included', async () => {
    const spec = (init: string) => ({ runtimeClassName: 'wasmtime-spin', initContainers: [{ name: 'init', image: init }], containers: [{ name: 'app', image: image('apps/good') }] });
    const objects: [string, Record<string, unknown>][] = [
      ['Deployment', { spec: { template: { spec: spec(image('apps/unsigned')) } } }],
      ['StatefulSet', { spec: { template: { spec: spec(image('apps/unsigned')) } } }],
      ['DaemonSet', { spec: { template: { spec: spec(image('apps/unsigned')) } } }],
      ['ReplicaSet', { spec: { template: { spec: spec(image('apps/unsigned')) } } }],
      ['Job', { spec: { template: { spec: spec(image('apps/unsigned')) } } }],
      ['CronJob', { spec: { jobTemplate: { spec: { template: { spec: spec(image('apps/unsigned')) } } } } }],
    ];
    for (const [kind, object] of objects) {
      const denied = await validate(w, review(kind, object));
      assert.equal(denied.allowed, false, kind);
      assert.match(denied.status?.message ?? '', /apps\/unsigned/);
      assert.doesNotMatch(denied.status?.message ?? '', /apps\/good/);
    }
    const ephemeral = await validate(w, review('Pod', pod({ runtimeClassName: 'wasmtime-spin', containers: [{ name: 'a', image: image('apps/good') }], ephemeralContainers: [{ name: 'debug', image: image('apps/rogue') }] })));
    assert.equal(ephemeral.allowed, false);
    assert.match(ephemeral.status?.message ?? '', /apps\/rogue/);
    const ok = await validate(w, review('Deployment', { spec: { template: { spec: spec(image('apps/good')) } } }));
    assert.equal(ok.allowed, true);
  });

  void test('an UPDATE is judged on the images it brings, not on those the pod already ran', async () => {
    const update = (before: string, after: string) => {
      const body = review('Pod', wasmPod(after));
      const request = body.request as Record<string, unknown>;
      request.operation = 'UPDATE';
      request.oldObject = wasmPod(before);
      request.options = { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions' };
      return body;
    };
    // A finalizer removed from a pod whose image no longer passes: nothing new to judge.
    const same = await validate(w, update(image('apps/unsigned'), image('apps/unsigned')));
    assert.equal(same.allowed, true);
    const changed = await validate(w, update(image('apps/good'), image('apps/unsigned')));
    assert.equal(changed.allowed, false);
    assert.match(changed.status?.message ?? '', /apps\/unsigned/);
  });

  void test('with --runtime-class, a pod of another class is allowed untouched', async () => {
    const answer = await validate(w, review('Pod', pod({ runtimeClassName: 'runc', containers: [{ name: 'a', image: image('apps/unsigned') }] })));
    assert.equal(answer.allowed, true);
    const none = await validate(w, review('Pod', pod({ containers: [{ name: 'a', image: 'docker.io/library/nginx:1.27' }] })));
    assert.equal(none.allowed, true);
    const line = w.logs().filter((l) => typeof l.skipped === 'string');
    assert.ok(line.some((l) => l.skipped === 'runtimeClassName runc is not checked'));
  });

  void test('Gatekeeper external data: one item per key, the verified repo@digest or the failing codes', async () => {
    const body = { apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys: [image('apps/good'), image('apps/greedy')] } };
    const r = await call(w, 'POST', '/externaldata', JSON.stringify(body));
    assert.equal(r.status, 200, r.text);
    const answer = r.json() as { apiVersion: string; kind: string; response: { idempotent: boolean; items: { key: string; value?: string; error?: string }[] } };
    assert.equal(answer.kind, 'ProviderResponse');
    assert.equal(answer.response.idempotent, true);
    const [good, greedy] = answer.response.items;
    assert.equal(good?.key, image('apps/good'));
    assert.match(good?.value ?? '', new RegExp(`^${registry.host.replace(/[.]/g, '\\.')}/apps/good@sha256:[0-9a-f]{64}$`));
    assert.equal(good?.error, undefined);
    assert.equal(greedy?.value, undefined);
    assert.match(greedy?.error ?? '', /CAPABILITY_NOT_GRANTED/);
  });

  void test('malformed bodies get 400, oversized ones 413, each logged on one line; health, readiness and metrics answer', async () => {
    const before = w.logs().length;
    for (const body of ['{not json', JSON.stringify({ apiVersion: 'v1', kind: 'Pod' }), JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: { kind: 'Pod' } } })]) {
      const r = await call(w, 'POST', '/validate', body);
      assert.equal(r.status, 400, body);
      assert.match(String(r.json().error), /\S/);
    }
    const big = await call(w, 'POST', '/validate', Buffer.alloc(9 * 1024 * 1024, 0x20));
    assert.equal(big.status, 413);
    // The 413 is answered before the rest of the body is read: its line may follow the answer.
    for (let i = 0; i < 50 && !w.logs().some((l) => l.status === 413); i += 1) await new Promise((r) => setTimeout(r, 20));
    const keys = Array.from({ length: 1001 }, (_, i) => `${registry.host}/many/k${String(i)}:1`);
    const many = await call(w, 'POST', '/externaldata', JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys } }));
    assert.equal(many.status, 400);
    assert.match(String(many.json().error), /1001 keys in one request; at most 1000/);
    const errors = w.logs().slice(before).filter((l) => l.status === 400 || l.status === 413);
    assert.deepEqual(errors.map((l) => l.status).sort(), [400, 400, 400, 400, 413]);
    assert.equal((await call(w, 'GET', '/healthz')).status, 200);
    assert.equal((await call(w, 'GET', '/readyz')).status, 200);
    const metrics = await call(w, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^wpack_admission_reviews_total\{endpoint="validate",verdict="allowed"\} [1-9]\d*$/m);
    assert.match(metrics.text, /^wpack_admission_reviews_total\{endpoint="validate",verdict="denied"\} [1-9]\d*$/m);
    assert.match(metrics.text, /^wpack_admission_gate_seconds_bucket\{le="[\d.]+",verdict="allowed"\} \d+$/m);
    assert.match(metrics.text, /^wpack_admission_cache_hits_total [1-9]\d*$/m);
    assert.match(metrics.text, /^wpack_admission_registry_errors_total [1-9]\d*$/m);
  });

  void test('500 reviews, 50 at a time, over 20 images: every verdict right, each image pulled once', async () => {
    const gates = async () => {
      const text = (await call(w, 'GET', '/metrics')).text;
      return [...text.matchAll(/^wpack_admission_gate_seconds_count\{verdict="\w+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    const gatedBefore = await gates();
    const wrong: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 500) {
        const i = next;
        next += 1;
        const n = i % LOAD_IMAGES;
        const answer = await validate(w, review('Pod', wasmPod(image(`load/app-${String(n)}`))));
        if (answer.allowed !== (n % 2 === 0)) wrong.push(`review ${String(i)} of load/app-${String(n)}: allowed ${String(answer.allowed)}`);
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    assert.deepEqual(wrong, []);
    assert.equal((await gates()) - gatedBefore, LOAD_IMAGES, 'one pull and gate per image');
  });

  void test('a rotated certificate is served without a restart', async () => {
    const served = () =>
      new Promise<string>((resolve, reject) => {
        const socket = connect({ ...w.base, ca, servername: 'localhost' }, () => {
          resolve(socket.getPeerCertificate().fingerprint256);
          socket.end();
        });
        socket.on('error', reject);
      });
    const first = await served();
    const next = await makeServerCertificate(work.dir, 'tls-rotated', { caFile: tls.caFile, caKey: tls.caKey });
    // As a secret volume swaps files: each whole, by rename.
    await copyFile(next.key, join(work.dir, 'tls.key.new'));
    await copyFile(next.certificate, join(work.dir, 'tls.crt.new'));
    await rename(join(work.dir, 'tls.key.new'), join(work.dir, 'tls.key'));
    await rename(join(work.dir, 'tls.crt.new'), join(work.dir, 'tls.crt'));
    let now = first;
    for (let i = 0; i < 50 && now === first; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      now = await served();
    }
    assert.notEqual(now, first, 'the new certificate is served');
    assert.ok(w.logs().some((l) => l.event === 'tls-reloaded'));
    const answer = await validate(w, review('Pod', wasmPod(image('apps/good'))));
    assert.equal(answer.allowed, true);
  });
});

void describe('wpack admission serve: fail closed', () => {
  let silent: NetServer;
  const held = new Set<Socket>();
  before(async () => {
    // A "registry" that accepts connections and never answers.
    silent = createNetServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((r) => silent.close(r));
  });

  void test('a review not decided within --timeout is denied and says so', async () => {
    const w = await startWebhook(['--timeout', '1s']);
    try {
      const port = (silent.address() as { port: number }).port;
      const started = Date.now();
      const answer = await validate(w, review('Pod', wasmPod(`127.0.0.1:${String(port)}/stalled/app:1.0.0`)));
      assert.equal(answer.allowed, false);
      assert.match(answer.status?.message ?? '', /: TIMEOUT: not decided within 1 s \(fail closed\)$/);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  void test('bad flags exit 2 with one line', async () => {
    const { runWpack } = await import('./helpers/cli.js');
    for (const extra of [['--timeout', 'soon'], ['--addr', 'nowhere']]) {
      const r = await runWpack(['admission', 'serve', '--policy', 'policy.json', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key', ...extra], { cwd: work.dir });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
