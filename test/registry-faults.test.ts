// Fault injection between the real CLI and a real registry (Distribution 2.8,
// plain http): a proxy (helpers/fault-proxy.ts) answers 5xx/429, cuts or
// truncates a body, or serves wrong bytes, and each test checks what the user
// sees: the exit code (3 for a registry or network failure, never 70), one
// line on stderr, retries bounded in number and time, and no file left behind
// by a pull that failed.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createBundle, readBundle } from '@wpack/manifest';
import { signBundle } from '@wpack/signatures';
import { describe as describeBlob, parseReference, RegistryError, RemoteRepository } from '@wpack/registry-client';
import { runWpack, type RunResult } from './helpers/cli.js';
import { startFaultProxy, type FaultProxy, type FaultRule, type ProxyHit } from './helpers/fault-proxy.js';
import { makeProject } from './helpers/project.js';
import { startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const REPO = 'acme/app';
const TAG = '1.2.0';
/** The tag's manifest: GET by the pull, PUT by the push. */
const TAG_MANIFEST = new RegExp(`^/v2/${REPO}/manifests/${TAG.replaceAll('.', '\\.')}$`);
/** Per CLI run: a hang shows up as a killed process (code null), not a stuck suite. */
const RUN_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 45_000;

let work: { dir: string; cleanup: () => Promise<void> };
let bundle: string; // signed once, with two resources
let componentDigest: string;
let bundleBytes: Buffer;

before(async () => {
  work = await tempDir('wpack-faults-');
  await makeProject(join(work.dir, 'p'), { resources: { 'data/model.bin': Buffer.alloc(300_000, 9), 'notes.txt': 'hi\n' } });
  bundle = join(work.dir, 'app.wpack');
  await createBundle(join(work.dir, 'p'), bundle, { sourceDateEpoch: 1_700_000_000 });
  await signBundle(bundle, { kind: 'key', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
  const component = (await readBundle(bundle)).manifest.files[0];
  assert.ok(component);
  componentDigest = component.digest;
  const model = (await readBundle(bundle)).manifest.files.find((f) => f.path === 'resources/data/model.bin');
  assert.ok(model);
  modelDigest = model.digest;
  bundleBytes = await readFile(bundle);
});
after(() => work.cleanup());

interface Scene {
  reg: TestRegistry;
  proxy: FaultProxy;
  env: NodeJS.ProcessEnv;
  /** An empty directory for the pull's output. */
  out: string;
}

let scenes = 0;

/** A fresh registry and a proxy in front of it with these rules, both stopped when `body` ends. */
async function scene(rules: FaultRule[], body: (s: Scene) => Promise<void>): Promise<void> {
  const n = String(++scenes);
  const docker = join(work.dir, `docker-${n}`);
  const out = join(work.dir, `out-${n}`);
  await mkdir(docker);
  await mkdir(out);
  const reg = await startRegistry('plain');
  try {
    const proxy = await startFaultProxy(reg.baseURL, rules);
    try {
      // An isolated, empty Docker config: no credentials of the machine leak in.
      await body({ reg, proxy, env: { DOCKER_CONFIG: docker }, out });
    } finally {
      await proxy.close();
    }
  } finally {
    await reg.stop();
  }
}

function wpack(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult & { ms: number }> {
  const start = performance.now();
  return runWpack(args, { env, timeoutMs: RUN_TIMEOUT_MS }).then((r) => ({ ...r, ms: performance.now() - start }));
}

/** Pushes the bundle straight to the registry (no proxy), for the pull tests. */
async function pushDirect(s: Scene): Promise<void> {
  const push = await wpack(['push', bundle, `${s.reg.host}/${REPO}:${TAG}`], s.env);
  assert.equal(push.code, 0, push.stderr);
}

function assertOneLine(r: RunResult): void {
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0] ?? '', /^wpack: (?!internal error)/, 'a user-facing message, not an internal error');
}

function assertNetworkFailure(r: RunResult): void {
  assert.notEqual(r.code, null, `the CLI was killed after ${String(RUN_TIMEOUT_MS)} ms (a hang); stderr:\n${r.stderr}`);
  assert.equal(r.code, 3, `exit 3 (registry/network), got ${String(r.code)}; stderr:\n${r.stderr}`);
  assertOneLine(r);
}

async function assertNoFile(dir: string): Promise<void> {
  assert.deepEqual(await readdir(dir), [], 'no output file, partial or temp file left behind');
}

async function assertRoundTrip(s: Scene, host: string): Promise<void> {
  const file = join(s.out, 'pulled.wpack');
  const pull = await wpack(['pull', `${host}/${REPO}:${TAG}`, '-o', file], s.env);
  assert.equal(pull.code, 0, pull.stderr);
  assert.ok((await readFile(file)).equals(bundleBytes), 'pull returns the pushed bundle byte for byte');
  assert.deepEqual(await readdir(s.out), ['pulled.wpack'], 'only the output file, no temp file');
}

const UPLOADS = new RegExp(`^/v2/${REPO}/blobs/uploads/.`);
const FAST_RETRY = { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 };
let modelDigest: string;
/** The closing PUT of the upload of the blob with this digest. */
const uploadPutOf = (digest: string): RegExp => new RegExp(`^/v2/${REPO}/blobs/uploads/[^?]*\\?(.*&)?digest=${encodeURIComponent(digest)}(&|$)`);

/** Pushes `data` as one blob in chunks through a proxy with `rules`, checks it arrived whole, then hands the proxy's log to `check`. */
async function chunkedScene(data: Buffer, rules: FaultRule[], chunkSize: number, check: (hits: ProxyHit[]) => void, retry = FAST_RETRY): Promise<void> {
  await scene(rules, async (s) => {
    const desc = describeBlob('application/octet-stream', data);
    const repo = RemoteRepository.open(parseReference(`${s.proxy.host}/${REPO}:chunks`), { retry });
    try {
      assert.equal(await repo.pushBlob(desc, data, { chunkSize }), 'pushed');
    } finally {
      await repo.close();
    }
    const direct = RemoteRepository.open(parseReference(`${s.reg.host}/${REPO}:chunks`));
    try {
      assert.ok((await direct.fetchBlobBytes(desc)).equals(data), 'the registry holds the blob byte for byte');
    } finally {
      await direct.close();
    }
    check(s.proxy.hits());
  });
}

const statuses = (hits: ProxyHit[], method: string, path: RegExp): number[] => hits.filter((h) => h.method === method && path.test(h.path)).map((h) => h.status);
const blobGet = (): RegExp => new RegExp(`^/v2/${REPO}/blobs/${componentDigest}$`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

void describe('registry faults through a proxy (real registry, real CLI)', () => {
  void test('500 twice on a blob upload PUT and on the manifest PUT: push retries and succeeds; pull is byte-identical', { timeout: TEST_TIMEOUT_MS }, async (t: TestContext) => {
    const uploadPut = new RegExp(`^/v2/${REPO}/blobs/uploads/`);
    const manifestPut = TAG_MANIFEST;
    await scene(
      [
        { method: 'PUT', path: uploadPut, times: 2, action: { kind: 'status', status: 500 } },
        { method: 'PUT', path: manifestPut, times: 2, action: { kind: 'status', status: 500 } },
      ],
      async (s) => {
        const push = await wpack(['push', bundle, `${s.proxy.host}/${REPO}:${TAG}`], s.env);
        assert.equal(push.code, 0, push.stderr);
        const hits = s.proxy.hits();
        // An upload PUT is sent once per upload session: after each 500 the registry is asked whether
        // it has the blob (HEAD), and a new session (POST) sends it again.
        const puts = hits.filter((h) => h.method === 'PUT' && uploadPut.test(h.path)).slice(0, 3);
        assert.deepEqual(puts.map((h) => h.status), [500, 500, 201]);
        assert.equal(new Set(puts.map((h) => h.path.split('?')[0])).size, 3, 'each retry goes to an upload session of its own');
        assert.deepEqual(statuses(hits, 'PUT', manifestPut), [500, 500, 201]);
        await assertRoundTrip(s, s.proxy.host);
        t.diagnostic(`push ${seconds(push.ms)} with 4 injected 500s`);
      },
    );
  });

  void test('429 with Retry-After: 1 on the manifest GET: pull waits about a second, then succeeds', { timeout: TEST_TIMEOUT_MS }, async (t: TestContext) => {
    const manifestGet = TAG_MANIFEST;
    await scene([{ method: 'GET', path: manifestGet, times: 1, action: { kind: 'status', status: 429, headers: { 'retry-after': '1' } } }], async (s) => {
      await pushDirect(s);
      await assertRoundTrip(s, s.proxy.host);
      const gets = s.proxy.hits().filter((h) => h.method === 'GET' && manifestGet.test(h.path));
      assert.deepEqual(gets.map((h) => h.status), [429, 200]);
      const waited = (gets[1]?.at ?? 0) - (gets[0]?.at ?? 0);
      assert.ok(waited >= 950, `the retry came ${waited.toFixed(0)} ms after the 429, before Retry-After`);
      assert.ok(waited < 5_000, `the retry came ${waited.toFixed(0)} ms after the 429`);
      t.diagnostic(`retry ${waited.toFixed(0)} ms after the 429`);
    });
  });

  void test('connection reset mid-body on the component blob GET: the pull resumes with Range from the byte it had, byte-identical', { timeout: TEST_TIMEOUT_MS }, async (t: TestContext) => {
    await scene([{ method: 'GET', path: blobGet(), times: 1, action: { kind: 'cut', afterBytes: 4096 } }], async (s) => {
      await pushDirect(s);
      await assertRoundTrip(s, s.proxy.host);
      const gets = s.proxy.hits().filter((h) => h.method === 'GET' && blobGet().test(h.path));
      assert.equal(gets[0]?.fault, 'cut', 'the fault was injected');
      assert.deepEqual(gets.map((h) => h.status), [200, 206], 'one resumed GET, answered 206');
      const start = Number(/^bytes=(\d+)-$/.exec(gets[1]?.range ?? '')?.[1] ?? NaN);
      assert.ok(start > 0 && start <= 4096, `resumed from byte ${String(start)}, not from 0`);
      t.diagnostic(`resumed with Range: ${gets[1]?.range ?? ''}`);
    });
  });

  void test('a registry that ignores Range: the resume takes the whole blob again and skips what it had', { timeout: TEST_TIMEOUT_MS }, async () => {
    await scene(
      [
        { method: 'GET', path: blobGet(), times: 1, action: { kind: 'cut', afterBytes: 4096 } },
        { method: 'GET', path: blobGet(), skip: 1, action: { kind: 'ignore-range' } },
      ],
      async (s) => {
        await pushDirect(s);
        await assertRoundTrip(s, s.proxy.host);
        const gets = s.proxy.hits().filter((h) => h.method === 'GET' && blobGet().test(h.path));
        assert.deepEqual(gets.map((h) => [h.status, h.fault]), [[200, 'cut'], [200, 'ignore-range']]);
      },
    );
  });

  void test('a registry that answers the Range with other bytes: the digest check over every byte fails; exit 3, no file', { timeout: TEST_TIMEOUT_MS }, async () => {
    await scene(
      [
        { method: 'GET', path: blobGet(), times: 1, action: { kind: 'cut', afterBytes: 4096 } },
        { method: 'GET', path: blobGet(), skip: 1, action: { kind: 'corrupt', at: 10 } },
      ],
      async (s) => {
        await pushDirect(s);
        const pull = await wpack(['pull', `${s.proxy.host}/${REPO}:${TAG}`, '-o', join(s.out, 'x.wpack')], s.env);
        const gets = s.proxy.hits().filter((h) => h.method === 'GET' && blobGet().test(h.path));
        assert.deepEqual(gets.map((h) => [h.status, h.fault]), [[200, 'cut'], [206, 'corrupt']]);
        await assertNoFile(s.out);
        assertNetworkFailure(pull);
        assert.match(pull.stderr, /digest/);
        assert.ok(pull.stderr.includes(componentDigest), `the message names ${componentDigest}`);
      },
    );
  });

  void test('a component blob that breaks on every try: resumed within the retry budget, then exit 3, one line, no file', { timeout: TEST_TIMEOUT_MS }, async (t: TestContext) => {
    await scene([{ method: 'GET', path: blobGet(), action: { kind: 'truncate', afterBytes: 4096 } }], async (s) => {
      await pushDirect(s);
      const pull = await wpack(['pull', `${s.proxy.host}/${REPO}:${TAG}`, '-o', join(s.out, 'x.wpack')], s.env);
      const gets = s.proxy.hits().filter((h) => h.method === 'GET' && blobGet().test(h.path));
      assert.ok(gets.every((h) => h.fault === 'truncate'), 'the fault was injected every time');
      assert.equal(gets.length, 6, 'the first GET and 5 resumes (the retry budget)');
      assert.ok(gets.slice(1).every((h) => h.range !== undefined), 'every resume asks for the rest only');
      t.diagnostic(`exit ${String(pull.code)} after ${seconds(pull.ms)}: ${pull.stderr.trim()}`);
      await assertNoFile(s.out);
      assertNetworkFailure(pull);
    });
  });

  void test('a manifest response cut once: fetched again whole, byte-identical', { timeout: TEST_TIMEOUT_MS }, async () => {
    const manifestGet = TAG_MANIFEST;
    await scene([{ method: 'GET', path: manifestGet, times: 1, action: { kind: 'truncate', afterBytes: 100 } }], async (s) => {
      await pushDirect(s);
      await assertRoundTrip(s, s.proxy.host);
      const gets = s.proxy.hits().filter((h) => h.method === 'GET' && manifestGet.test(h.path));
      assert.deepEqual(gets.map((h) => h.fault ?? 'whole'), ['truncate', 'whole']);
    });
  });

  void test('a truncated manifest response (every time): exit 3, one line, no file', { timeout: TEST_TIMEOUT_MS }, async (t: TestContext) => {
    const manifestGet = TAG_MANIFEST;
    await scene([{ method: 'GET', path: manifestGet, action: { kind: 'truncate', afterBytes: 100 } }], async (s) => {
      await pushDirect(s);
      const pull = await wpack(['pull', `${s.proxy.host}/${REPO}:${TAG}`, '-o', join(s.out, 'x.wpack')], s.env);
      assert.equal(s.proxy.hits().filter((h) => h.fault === 'truncate').length, 6, 'the first GET and 5 more (the retry budget)');
      t.diagnostic(`exit ${String(pull.code)} after ${seconds(pull.ms)}: ${pull.stderr.trim()}`);
      await assertNoFile(s.out);
      assertNetworkFailure(pull);
    });
  });

  void test('wrong bytes for the component blob (every time): exit 3, the digest in the message, no file', { timeout: TEST_TIMEOUT_MS }, async (t: TestContext) => {
    await scene([{ method: 'GET', path: blobGet(), action: { kind: 'corrupt' } }], async (s) => {
      await pushDirect(s);
      const pull = await wpack(['pull', `${s.proxy.host}/${REPO}:${TAG}`, '-o', join(s.out, 'x.wpack')], s.env);
      assert.ok(s.proxy.hits().some((h) => h.fault === 'corrupt'), 'the fault was injected');
      t.diagnostic(`exit ${String(pull.code)} after ${seconds(pull.ms)}: ${pull.stderr.trim()}`);
      await assertNoFile(s.out);
      assertNetworkFailure(pull);
      assert.ok(pull.stderr.includes(componentDigest), `the message names ${componentDigest}`);
    });
  });

  void test('503 on every request: push gives up after 5 attempts with backoff, within bounds; exit 3, one line', { timeout: TEST_TIMEOUT_MS }, async (t: TestContext) => {
    await scene([{ path: /./, action: { kind: 'status', status: 503 } }], async (s) => {
      const push = await wpack(['push', bundle, `${s.proxy.host}/${REPO}:${TAG}`], s.env);
      assertNetworkFailure(push);
      assert.match(push.stderr, /503/);
      const hits = s.proxy.hits();
      assert.equal(hits.length, 5, `5 attempts, then give up: ${JSON.stringify(hits.map((h) => `${h.method} ${h.path}`))}`);
      assert.equal(new Set(hits.map((h) => `${h.method} ${h.path}`)).size, 1, 'all attempts are the same request');
      const backoff = (hits.at(-1)?.at ?? 0) - (hits[0]?.at ?? 0);
      // Policy: base 200 ms doubling, capped at 5 s, jitter in [d/2, d): at least 100+200+400+800 ms, less than 1.5 s + 3 s.
      assert.ok(backoff >= 1_400, `backoff between attempts ${backoff.toFixed(0)} ms`);
      assert.ok(backoff < 4 * 5_000, `backoff between attempts ${backoff.toFixed(0)} ms, over the cap`);
      assert.ok(push.ms < 60_000, `gave up after ${seconds(push.ms)}`);
      t.diagnostic(`gave up after ${seconds(push.ms)} (${backoff.toFixed(0)} ms of backoff over ${String(hits.length)} attempts): ${push.stderr.trim()}`);
    });
  });

  void test('500 on the streamed component upload PUT: not replayed to that upload; a new upload session reads the file again', { timeout: TEST_TIMEOUT_MS }, async (t: TestContext) => {
    const componentPut = new RegExp(`^/v2/${REPO}/blobs/uploads/[^?]*\\?(.*&)?digest=${encodeURIComponent(componentDigest)}(&|$)`);
    await scene([{ method: 'PUT', path: componentPut, times: 1, action: { kind: 'status', status: 500 } }], async (s) => {
      const push = await wpack(['push', bundle, `${s.proxy.host}/${REPO}:${TAG}`], s.env);
      const hits = s.proxy.hits();
      const puts = hits.filter((h) => h.method === 'PUT' && componentPut.test(h.path));
      assert.equal(puts[0]?.status, 500, 'the fault was injected');
      // The same upload URL is never sent a second time: a new upload session reads the file again.
      assert.equal(puts.filter((h) => h.path === puts[0]?.path).length, 1, 'the streamed body was not replayed to the same upload');
      assert.equal(push.code, 0, push.stderr);
      assert.deepEqual(puts.map((h) => h.status), [500, 201], 'a new upload session completed the blob');
      await assertRoundTrip(s, s.reg.host);
      t.diagnostic(`recovered by restarting the upload (${String(puts.length)} PUTs), ${seconds(push.ms)}`);
    });
  });
  void test('an upload PUT that breaks off mid-body (bytes reached the registry): a new upload session sends the file again; pull byte-identical', { timeout: TEST_TIMEOUT_MS }, async (t: TestContext) => {
    const put = uploadPutOf(modelDigest);
    await scene([{ method: 'PUT', path: put, times: 1, action: { kind: 'cut-request', afterBytes: 100_000, forward: true } }], async (s) => {
      const push = await wpack(['push', bundle, `${s.proxy.host}/${REPO}:${TAG}`], s.env);
      assert.equal(push.code, 0, push.stderr);
      const hits = s.proxy.hits().filter((h) => h.method === 'PUT' && put.test(h.path));
      assert.deepEqual(hits.map((h) => h.fault ?? h.status), ['cut-request', 201]);
      assert.notEqual(hits[0]?.path.split('?')[0], hits[1]?.path.split('?')[0], 'the second PUT goes to a new upload session');
      await assertRoundTrip(s, s.reg.host);
      t.diagnostic(`push ${seconds(push.ms)} with one upload cut after 100000 of 300000 bytes`);
    });
  });

  void test('an upload PUT that breaks on every try: a new session each time within the budget, then exit 3, one line', { timeout: TEST_TIMEOUT_MS }, async () => {
    const put = uploadPutOf(modelDigest);
    await scene([{ method: 'PUT', path: put, action: { kind: 'cut-request', afterBytes: 1000, forward: true } }], async (s) => {
      const push = await wpack(['push', bundle, `${s.proxy.host}/${REPO}:${TAG}`], s.env);
      assertNetworkFailure(push);
      const hits = s.proxy.hits().filter((h) => h.method === 'PUT' && put.test(h.path));
      assert.equal(hits.length, 5, 'five upload sessions, the retry budget');
      assert.equal(new Set(hits.map((h) => h.path.split('?')[0])).size, 5);
    });
  });

  void test('a chunk that breaks before any byte arrives: the registry reports its offset (GET, Range 0-N) and the upload goes on from there', { timeout: TEST_TIMEOUT_MS }, async () => {
    const data = Buffer.alloc(300_000, 5);
    const chunk = 64 * 1024;
    // The third PATCH (bytes 131072-196607) breaks off, and none of it reaches the registry.
    await chunkedScene(data, [{ method: 'PATCH', path: UPLOADS, skip: 2, times: 1, action: { kind: 'cut-request', afterBytes: 1000 } }], chunk, (hits) => {
      const patches = hits.filter((h) => h.method === 'PATCH');
      assert.deepEqual(
        patches.map((h) => h.contentRange),
        ['0-65535', '65536-131071', '131072-196607', '131072-196607', '196608-262143', '262144-299999'],
        'the broken chunk is sent again from the offset the registry reported, not from 0',
      );
      const status = hits.filter((h) => h.method === 'GET' && UPLOADS.test(h.path));
      assert.deepEqual(status.map((h) => h.status), [204], 'one status query');
      assert.equal(hits.filter((h) => h.method === 'POST').length, 1, 'one upload session');
    });
  });

  void test('a chunk that breaks off mid-body: Distribution drops the upload, so a new session sends the blob again', { timeout: TEST_TIMEOUT_MS }, async () => {
    const data = Buffer.alloc(300_000, 6);
    await chunkedScene(data, [{ method: 'PATCH', path: UPLOADS, skip: 2, times: 1, action: { kind: 'cut-request', afterBytes: 1000, forward: true } }], 64 * 1024, (hits) => {
      const status = hits.filter((h) => h.method === 'GET' && UPLOADS.test(h.path));
      assert.deepEqual(status.map((h) => h.status), [404], 'the registry no longer knows the upload');
      assert.equal(hits.filter((h) => h.method === 'POST').length, 2, 'a second upload session');
      assert.equal(hits.filter((h) => h.method === 'PATCH').at(-1)?.contentRange, '262144-299999');
    });
  });

  void test("a chunk answered 503 with Retry-After: 1: the upload waits the registry's second, asks what arrived, and goes on", { timeout: TEST_TIMEOUT_MS }, async () => {
    const data = Buffer.alloc(200_000, 3);
    await chunkedScene(data, [{ method: 'PATCH', path: UPLOADS, skip: 1, times: 1, action: { kind: 'status', status: 503, headers: { 'retry-after': '1' } } }], 64 * 1024, (hits) => {
      const refused = hits.findIndex((h) => h.method === 'PATCH' && h.status === 503);
      const next = hits[refused + 1];
      assert.equal(next?.method, 'GET', 'the status query follows the refusal');
      // Its own backoff would wait 10-20 ms before this first retry; Retry-After is honoured up to maxDelayMs.
      assert.ok(next.at - (hits[refused]?.at ?? 0) >= 900, `waited ${(next.at - (hits[refused]?.at ?? 0)).toFixed(0)} ms`);
      assert.deepEqual(
        hits.filter((h) => h.method === 'PATCH').map((h) => h.contentRange),
        ['0-65535', '65536-131071', '65536-131071', '131072-196607', '196608-199999'],
      );
    }, { attempts: 3, baseDelayMs: 20, maxDelayMs: 5_000 });
  });

  void test('a chunk that breaks on every try: the library gives up after the budget with a network error', { timeout: TEST_TIMEOUT_MS }, async () => {
    const data = Buffer.alloc(200_000, 4);
    await scene([{ method: 'PATCH', path: UPLOADS, skip: 1, action: { kind: 'cut-request', afterBytes: 10 } }], async (s) => {
      const repo = RemoteRepository.open(parseReference(`${s.proxy.host}/${REPO}:chunks`), { retry: FAST_RETRY });
      try {
        await assert.rejects(repo.pushBlob(describeBlob('application/octet-stream', data), data, { chunkSize: 64 * 1024 }), (e: unknown) => e instanceof RegistryError && e.code === 'NETWORK');
      } finally {
        await repo.close();
      }
      const patches = s.proxy.hits().filter((h) => h.method === 'PATCH');
      assert.equal(patches.length, 1 + FAST_RETRY.attempts, 'the first chunk, then the second one attempt by attempt');
    });
  });
});
