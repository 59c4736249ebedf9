// `wpack serve`: the gate first, then a real componentize-js wasi:http/proxy
// service (fixtures/js/serve-probe.js) answering requests through the front
// server, on the same enforcing WASI implementations as `wpack run`. Real
// subprocesses, loopback only; each server started here is stopped here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createBundle } from '@wpack/manifest';
import { generateKeyPair, loadPrivateKey, signBundle } from '@wpack/signatures';
import { buildRunProbe } from './fixtures/run-build.js';
import { buildServeProbe } from './fixtures/serve-build.js';
import { runWpack, WPACK_BIN } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const CAPS = ['http:inbound', 'http:outbound:http://127.0.0.1:*', 'stdio:stdin', 'stdio:stdout', 'stdio:stderr', 'terminal', 'clock:wall', 'clock:monotonic', 'random:secure', 'filesystem:read:/data'];
const ALLOW = ['http:*', 'stdio:*', 'terminal', 'clock:*', 'random:*', 'filesystem:read:/data/**', 'exit', 'env:APP_*', 'network:*'];

let work: { dir: string; cleanup: () => Promise<void> };
const cache = () => join(work.dir, 'cache');

async function bundle(name: string, wasm: string, capabilities: string[], key: ReturnType<typeof generateKeyPair>): Promise<void> {
  const project = join(work.dir, `project-${name}`);
  await mkdir(project, { recursive: true });
  await copyFile(wasm, join(project, 'app.wasm'));
  await writeFile(join(project, 'wpack.json'), JSON.stringify({ name: `acme:${name}`, version: '0.1.0', component: 'app.wasm', capabilities }));
  const out = join(work.dir, `${name}.wpack`);
  await createBundle(project, out);
  await signBundle(out, { kind: 'key', privateKey: loadPrivateKey(key.privatePem) });
}

before(async () => {
  work = await tempDir('wpack-serve-');
  const [service, command] = await Promise.all([buildServeProbe(), buildRunProbe()]);
  const key = generateKeyPair();
  await writeFile(join(work.dir, 'release.pub'), key.publicPem);
  await bundle('service', service, CAPS, key);
  const commandCaps = ['env:APP_*', 'exit', 'stdio:stdout', 'stdio:stderr', 'stdio:stdin', 'terminal', 'clock:wall', 'clock:monotonic', 'random:insecure'];
  await bundle('command', command, [...commandCaps, 'filesystem:read:/data', 'network:outbound:127.0.0.1:*', 'network:dns'], key);
  const policy = { version: 1, host: { worlds: ['wasi:http/proxy@0.2.12', 'wasi:cli/command@0.2.12'] }, signatures: { signers: [{ key: 'release.pub' }] } };
  await writeFile(join(work.dir, 'policy.json'), JSON.stringify({ ...policy, capabilities: { allow: ALLOW } }));
  await writeFile(join(work.dir, 'no-http-policy.json'), JSON.stringify({ ...policy, capabilities: { allow: ALLOW.filter((c) => c !== 'http:*') } }));
});

after(() => work.cleanup());

interface Served {
  child: ChildProcess;
  base: string;
  stderr: () => string;
  /** Sends the signal and waits (bounded) for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `wpack serve` on a free loopback port and waits (bounded) until it listens. */
async function serve(bundleName: string, extra: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [WPACK_BIN, 'serve', `${bundleName}.wpack`, '--policy', 'policy.json', '--addr', '127.0.0.1:0', ...extra], {
    cwd: work.dir,
    env: { ...process.env, XDG_CACHE_HOME: cache(), GITHUB_ACTIONS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wpack serve did not listen within 120 s:\n${stderr}`)), 120_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`wpack serve exited ${String(code)}:\n${stderr}`));
    });
  });
  return {
    child,
    base: `http://127.0.0.1:${String(port)}`,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A loopback HTTP server that counts the paths it is asked for. */
async function countingServer(address: string): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end('counted');
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

async function until(ready: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !ready(); i += 1) await new Promise((r) => setTimeout(r, 50));
  return ready();
}

void describe('wpack serve', () => {
  void test('serves through the component, one access-log line per request, and stops gracefully on SIGTERM', async () => {
    const s = await serve('service');
    try {
      assert.match(s.stderr(), /^VERIFIED\b/m, 'the gate ran first');
      const r = await fetch(`${s.base}/hello/world`);
      assert.equal(r.status, 200);
      assert.equal(await r.text(), 'hello from /hello/world\n');
      const many = await Promise.all(Array.from({ length: 8 }, (_, i) => fetch(`${s.base}/n/${String(i)}`).then(async (x) => [x.status, await x.text()])));
      assert.deepEqual(many, Array.from({ length: 8 }, (_, i) => [200, `hello from /n/${String(i)}\n`]));
      assert.ok(await until(() => (s.stderr().match(/^127\.0\.0\.1 "GET \/n\/\d" 200 \d+ [\d.]+ms$/gm) ?? []).length === 8), s.stderr());
      assert.match(s.stderr(), /^127\.0\.0\.1 "GET \/hello\/world" 200 24 [\d.]+ms$/m);
    } finally {
      const code = await s.stop('SIGTERM');
      assert.equal(code, 0, s.stderr());
    }
    assert.match(s.stderr(), /^wpack serve: SIGTERM: finishing the requests in flight, then stopping$/m);
    assert.match(s.stderr(), /^wpack serve: stopped after 9 requests$/m);
  });

  void test('beyond --max-in-flight a request gets 503 with Retry-After; the rest are answered', async () => {
    const s = await serve('service', ['--max-in-flight', '2']);
    try {
      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, i) => fetch(`${s.base}/burst/${String(i)}`).then(async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), body: await r.text() }))),
      );
      const ok = answers.filter((a) => a.status === 200);
      const busy = answers.filter((a) => a.status === 503);
      assert.equal(ok.length + busy.length, answers.length, JSON.stringify(answers));
      assert.ok(ok.length >= 2, `answered: ${String(ok.length)}`);
      assert.ok(busy.length >= 1, 'a burst of 24 against 2 in flight turns some away');
      for (const b of busy) assert.equal(b.retry, '1');
      for (const a of ok) assert.match(a.body, /^hello from \/burst\/\d+\n$/);
    } finally {
      await s.stop();
    }
  });

  void test('a client that stalls mid-body holds nobody up: others are answered, it gets 408', async () => {
    const s = await serve('service', ['--request-timeout', '2']);
    try {
      const port = Number(new URL(s.base).port);
      const stalled = connect(port, '127.0.0.1');
      const reply = new Promise<string>((resolve) => {
        let text = '';
        stalled.setEncoding('utf8').on('data', (d: string) => (text += d));
        stalled.on('close', () => resolve(text));
      });
      stalled.write('POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nx');
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      const other = await fetch(`${s.base}/meanwhile`);
      assert.equal(other.status, 200);
      assert.equal(await other.text(), 'hello from /meanwhile\n');
      assert.ok(Date.now() - started < 1500, `answered in ${String(Date.now() - started)} ms while another client stalls`);
      assert.match(await reply, /^HTTP\/1\.1 408 /);
    } finally {
      await s.stop();
    }
  });

  void test('outgoing HTTP reaches a granted origin and never an ungranted one', async () => {
    const granted = await countingServer('127.0.0.1');
    const other = await countingServer('127.0.0.2');
    const s = await serve('service', ['--request-timeout', '3']);
    try {
      await fetch(`${s.base}/call?url=${encodeURIComponent(`http://127.0.0.1:${String(granted.port)}/allowed`)}`).then((r) => r.arrayBuffer());
      assert.ok(await until(() => granted.hits.includes('/allowed')), s.stderr());
      await fetch(`${s.base}/call?url=${encodeURIComponent(`http://127.0.0.2:${String(other.port)}/leak`)}`).then((r) => r.arrayBuffer());
      assert.ok(await until(() => /^wpack: denied http request "http:\/\/127\.0\.0\.2:\d+\/leak": no http:outbound capability holds http:\/\/127\.0\.0\.2:\d+$/m.test(s.stderr())), s.stderr());
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(other.hits, []);
    } finally {
      await s.stop();
      await new Promise((r) => granted.server.close(r));
      await new Promise((r) => other.server.close(r));
    }
  });

  void test('bad input exits 2 with one line and nothing served; a denied bundle exits 1 and is never loaded', async () => {
    const env = { XDG_CACHE_HOME: join(work.dir, 'cache-bad'), GITHUB_ACTIONS: 'false' };
    const cases: [string[], number, RegExp][] = [
      [['command.wpack', '--policy', 'policy.json', '--quiet', '--addr', '127.0.0.1:0'], 2, /exports no wasi:http\/incoming-handler@0\.2/],
      [['service.wpack', '--policy', 'policy.json', '--quiet', '--addr', 'localhost'], 2, /--addr "localhost": expected HOST:PORT/],
      [['service.wpack', '--policy', 'policy.json', '--quiet', '--addr', '127.0.0.1:0', '--env', 'HOME'], 2, /HOME matches no env capability/],
      [['service.wpack', '--policy', 'no-http-policy.json', '--quiet', '--addr', '127.0.0.1:0'], 1, /did not pass no-http-policy\.json: nothing was run/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runWpack(['serve', ...args], { cwd: work.dir, env, timeoutMs: 120_000 });
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /listening on/);
      if (code === 2) assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.deepEqual(await readdir(join(work.dir, 'cache-bad', 'wpack', 'transpiled')).catch(() => []), [], 'nothing was transpiled');
  });
});
