// `wpack run` (RUNTIME.md, "jco as a runtime"): the gate first, then a real
// componentize-qjs command (fixtures/js/run-probe.js) on WASI implementations
// that enforce its capabilities. Real subprocesses; after every refused
// operation the host directories are compared with a snapshot taken before.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, copyFile, lstat, mkdir, readdir, readFile, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createBundle } from '@wpack/manifest';
import { generateKeyPair, loadPrivateKey, signBundle } from '@wpack/signatures';
import { checkRunnable, entryDir, resolveGrants } from '@wpack/runtime';
import { sha256Digest } from '@wpack/core';
import { buildFixtures } from './fixtures/build.js';
import { buildRunProbe } from './fixtures/run-build.js';
import { runWpack, type RunResult } from './helpers/cli.js';
import { entryData, flipByteAt } from './helpers/gate.js';
import { tempDir } from './helpers/tmp.js';

const CAPS = [
  'env:APP_*',
  'exit',
  'stdio:stdout',
  'stdio:stderr',
  'stdio:stdin',
  'terminal',
  'clock:wall',
  'clock:monotonic',
  'random:insecure',
  'filesystem:read:/data',
  'filesystem:write:/out',
  'network:outbound:127.0.0.1:*',
  'network:inbound:20000-29999',
  'network:dns',
];
const ALLOW = [
  'env:APP_*',
  'exit',
  'stdio:*',
  'terminal',
  'clock:*',
  'random:*',
  'filesystem:read:/data/**',
  'filesystem:write:/out/**',
  'network:outbound:127.0.0.1:*',
  'network:inbound:20000-29999',
  'network:dns',
];

let work: { dir: string; cleanup: () => Promise<void> };
let probe: Buffer;
let host: { data: string; out: string; outside: string };
const cache = () => join(work.dir, 'cache');

/** `wpack run` in the work directory with its own cache, never the user's. */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runWpack(['run', ...args], { cwd: work.dir, env: { XDG_CACHE_HOME: cache(), GITHUB_ACTIONS: 'false', ...env }, timeoutMs: 120_000 });
}

const DIRS = () => ['--dir', `${host.data}::/data`, '--dir', `${host.out}::/out`];
const probeRun = (op: string[], extra: string[] = [], env: NodeJS.ProcessEnv = {}) => run(['app.wpack', '--policy', 'policy.json', ...DIRS(), ...extra, '--', ...op], env);

/** Every entry under a directory: type, size, mode, mtime, content or link target. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const path = join(d, name);
      const st = await lstat(path);
      const key = `${rel}${name}`;
      if (st.isSymbolicLink()) out[key] = `link ${await readlink(path)} ${String(st.mtimeMs)}`;
      else if (st.isDirectory()) {
        out[key] = `dir ${String(st.mode)} ${String(st.mtimeMs)}`;
        await walk(path, `${key}/`);
      } else out[key] = `file ${String(st.mode)} ${String(st.mtimeMs)} ${(await readFile(path)).toString('base64')}`;
    }
  };
  await walk(dir, '');
  return out;
}

before(async () => {
  work = await tempDir('wpack-run-');
  const probePath = await buildRunProbe();
  probe = await readFile(probePath);
  const pair = generateKeyPair();
  await writeFile(join(work.dir, 'release.pub'), pair.publicPem);
  const project = join(work.dir, 'project');
  await mkdir(join(project, 'build'), { recursive: true });
  await copyFile(probePath, join(project, 'build', 'app.wasm'));
  await writeFile(join(project, 'wpack.json'), JSON.stringify({ name: 'acme:probe', version: '0.1.0', component: 'build/app.wasm', capabilities: CAPS }));
  await createBundle(project, join(work.dir, 'app.wpack'));
  await signBundle(join(work.dir, 'app.wpack'), { kind: 'key', privateKey: loadPrivateKey(pair.privatePem) });
  const policy = { version: 1, host: { worlds: ['wasi:cli/command@0.2.12'] }, signatures: { signers: [{ key: 'release.pub' }] } };
  await writeFile(join(work.dir, 'policy.json'), JSON.stringify({ ...policy, capabilities: { allow: ALLOW } }));
  await writeFile(join(work.dir, 'strict-policy.json'), JSON.stringify({ ...policy, capabilities: { allow: ALLOW.filter((c) => !c.startsWith('filesystem:')) } }));

  host = { data: join(work.dir, 'host', 'data'), out: join(work.dir, 'host', 'out'), outside: join(work.dir, 'host', 'outside') };
  for (const d of Object.values(host)) await mkdir(d, { recursive: true });
  await writeFile(join(host.data, 'hello.txt'), 'hello from the host');
  await mkdir(join(host.data, 'sub'));
  await writeFile(join(host.data, 'sub', 'inner.txt'), 'inner');
  await writeFile(join(host.outside, 'secret.txt'), 'top secret');
  await symlink(join(host.outside, 'secret.txt'), join(host.data, 'abs-link'));
  await symlink('../outside/secret.txt', join(host.data, 'rel-link'));
  await symlink('../outside', join(host.data, 'dir-link'));
  await writeFile(join(host.out, 'existing.txt'), 'keep');
});

after(() => work.cleanup());

void describe('wpack run: the gate decides what is loaded', () => {
  void test('a verified bundle runs: the report on stderr, the component alone on stdout, its exit code', async () => {
    const r = await probeRun(['read', '/data', 'hello.txt']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ok hello from the host\n');
    assert.match(r.stderr, /^VERIFIED\b/m);
    const quiet = await probeRun(['args', 'x', 'y'], ['--quiet']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout, 'ok ["acme:probe","args","x","y"]\n');
    assert.doesNotMatch(quiet.stderr, /VERIFIED/);
  });

  void test('exit(n) exits n, run returning err exits 1', async () => {
    const exited = await probeRun(['exit', '7'], ['--quiet']);
    assert.equal(exited.code, 7, exited.stderr);
    assert.equal(exited.stdout, 'exiting\n');
    const failed = await probeRun(['fail'], ['--quiet']);
    assert.equal(failed.code, 1, failed.stderr);
    assert.equal(failed.stdout, '');
  });

  void test('a denied or tampered bundle exits 1 and is never loaded (nothing transpiled, nothing printed on stdout)', async () => {
    const isolated = join(work.dir, 'cache-denied');
    const denied = await runWpack(['run', 'app.wpack', '--policy', 'strict-policy.json', '--quiet', '--', 'read', '/data', 'hello.txt'], {
      cwd: work.dir,
      env: { XDG_CACHE_HOME: isolated, GITHUB_ACTIONS: 'false' },
    });
    assert.equal(denied.code, 1, denied.stderr);
    assert.equal(denied.stdout, '');
    assert.match(denied.stderr, /^DENIED\b/m, 'under --quiet the report is printed when denied');
    const tampered = join(work.dir, 'tampered.wpack');
    await copyFile(join(work.dir, 'app.wpack'), tampered);
    const { dataOffset } = await entryData(tampered, 'component.wasm');
    await flipByteAt(tampered, dataOffset + 5000);
    const t = await runWpack(['run', 'tampered.wpack', '--policy', 'policy.json', '--', 'read', '/data', 'hello.txt'], { cwd: work.dir, env: { XDG_CACHE_HOME: isolated } });
    assert.equal(t.code, 1, t.stderr);
    assert.equal(t.stdout, '');
    const entries = await readdir(join(isolated, 'wpack', 'transpiled')).catch(() => []);
    assert.deepEqual(entries, [], 'no component was transpiled');
    await rm(isolated, { recursive: true, force: true });
  });

  void test('bad input exits 2 before anything runs: ungranted --dir guest path, ungranted --env, no wasi:cli/run', async () => {
    for (const extra of [['--dir', `${host.data}::/etc`], ['--dir', `${host.data}::/dat`], ['--env', 'HOME'], ['--env', 'SECRET=1'], ['--dir', 'relative']]) {
      const r = await run(['app.wpack', '--policy', 'policy.json', '--quiet', ...extra, '--', 'read', '/data', 'hello.txt']);
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    const hello = await readFile((await buildFixtures())['js-qjs']);
    assert.throws(() => checkRunnable(hello), { code: 'NO_RUN_EXPORT' });
    assert.throws(() => resolveGrants(CAPS, { dirs: [`${host.data}::/etc`] }), { code: 'DIR_NOT_GRANTED' });
    assert.throws(() => resolveGrants(CAPS, { env: ['PATH'] }), { code: 'ENV_NOT_GRANTED' });
  });
});

void describe('wpack run: environment', () => {
  void test('only granted names, with the given or the host value; never the rest of the host environment', async () => {
    const r = await probeRun(['env'], ['--quiet', '--env', 'APP_MODE=fast', '--env', 'APP_FROM_HOST'], { APP_FROM_HOST: 'host value', APP_NOT_PASSED: 'x', SECRET_TOKEN: 'leak' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ok [["APP_MODE","fast"],["APP_FROM_HOST","host value"]]\n');
  });
});

void describe('wpack run: filesystem', () => {
  void test('a read grant reads, a write grant writes', async () => {
    const sub = await probeRun(['read', '/data', 'sub/inner.txt'], ['--quiet']);
    assert.equal(sub.stdout, 'ok inner\n', sub.stderr);
    const w = await probeRun(['write', '/out', 'new.txt', 'fresh'], ['--quiet']);
    assert.equal(w.stdout, 'ok wrote 5\n', w.stderr);
    assert.equal(await readFile(join(host.out, 'new.txt'), 'utf8'), 'fresh');
    const md = await probeRun(['mkdir', '/out', 'made'], ['--quiet']);
    assert.equal(md.stdout, 'ok created\n', md.stderr);
  });

  /** What to try; `shim`: refused by preview2-shim's own symlink resolution, which wpack relies on (no denial line). */
  const REFUSED: [string, string[], 'shim'?][] = [
    ['open for write', ['open-write', '/data', 'hello.txt']],
    ['open with create', ['open-create', '/data', 'new.txt']],
    ['open with truncate', ['open-truncate', '/data', 'hello.txt']],
    ['open exclusive', ['open-exclusive', '/data', 'new.txt']],
    ['create and write', ['write', '/data', 'hello.txt', 'overwritten']],
    ['write', ['write-existing', '/data', 'hello.txt']],
    ['write via stream', ['write-stream', '/data', 'hello.txt']],
    ['append via stream', ['append-stream', '/data', 'hello.txt']],
    ['set size', ['set-size', '/data', 'hello.txt']],
    ['set times', ['set-times', '/data', 'hello.txt']],
    ['set times at', ['set-times-at', '/data', 'hello.txt']],
    ['unlink', ['unlink', '/data', 'hello.txt']],
    ['remove directory', ['rmdir', '/data', 'sub']],
    ['rename', ['rename', '/data', 'hello.txt', 'moved.txt']],
    ['create directory', ['mkdir', '/data', 'newdir']],
    ['symlink', ['symlink', '/data', 'hello.txt', 'new-link']],
    ['hard link', ['link', '/data', 'hello.txt', 'new-hard']],
    ['.. out of the preopen', ['read', '/data', '../outside/secret.txt']],
    ['.. inside a path', ['read', '/data', 'sub/../../outside/secret.txt']],
    ['absolute path', ['read', '/data', '/etc/passwd']],
    ['absolute symlink out', ['read', '/data', 'abs-link'], 'shim'],
    ['relative symlink out', ['read', '/data', 'rel-link'], 'shim'],
    ['through a directory symlink out', ['read', '/data', 'dir-link/secret.txt'], 'shim'],
    ['write with .. into the read-only preopen', ['write', '/out', '../data/hello.txt', 'x']],
    ['write with .. out of everything', ['write', '/out', '../outside/secret.txt', 'x']],
    ['write through a symlink out', ['write', '/out', 'escape/secret.txt', 'x'], 'shim'],
    ['creating a symlink that leads out', ['symlink', '/out', '../outside/secret.txt', 'escape-link']],
    ['creating an absolute symlink', ['symlink', '/out', '/etc/passwd', 'abs-escape']],
    // `..` in a link: lexically inside, but `l/..` is where the kernel puts it, and a rename can move any link.
    ['creating a symlink with .. that stays inside', ['symlink', '/out', 'made/../existing.txt', 'dotdot-link']],
    ['creating a symlink through a link and ..', ['symlink', '/out', 'a/l/../outside', 'through-link']],
    ['backslashes as separators, out', ['read', '/data', 'sub\\..\\..\\outside\\secret.txt']],
    ['a backslash symlink target out', ['symlink', '/out', '..\\outside', 'backslash-link']],
    // Host-made links that point out may not be copied or moved: elsewhere they could lead out.
    ['a hard link of a symlink', ['link', '/out', 'escape', 'escape-copy']],
    ['moving a symlink that points out', ['rename', '/out', 'escape', 'escape-moved']],
    // The preopen's own directory is not the component's to remove, move or replace.
    ['removing the preopen itself', ['rmdir', '/out', '.']],
    ['moving the preopen itself', ['rename', '/out', '.', 'moved']],
    ['replacing the preopen', ['rename', '/out', 'existing.txt', '.']],
    ['moving the preopen through a link to it', ['rename', '/out', 'dot/', 'moved']],
    ['removing the preopen through a link to it', ['rmdir', '/out', 'dot/']],
  ];

  void test('every mutation under a read grant, and every escape, is refused with not-permitted and leaves the host unchanged', async () => {
    // A symlink a host process left in the writable directory, pointing out of it.
    await symlink('../outside', join(host.out, 'escape')).catch(() => undefined);
    await symlink('.', join(host.out, 'dot')).catch(() => undefined);
    const before = { data: await snapshot(host.data), out: await snapshot(host.out), outside: await snapshot(host.outside) };
    const audit = join(work.dir, 'audit.jsonl');
    // Two at a time: the machine has two cores.
    const results: RunResult[] = [];
    for (let i = 0; i < REFUSED.length; i += 2) {
      results.push(...(await Promise.all(REFUSED.slice(i, i + 2).map(([, op]) => probeRun(op, ['--quiet', '--audit-log', audit])))));
    }
    REFUSED.forEach(([what], i) => {
      const r = results[i] as RunResult;
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      assert.match(r.stdout, /^err (Error: )?not-permitted\n$/, `${what}: ${r.stdout}`);
      assert.doesNotMatch(r.stdout, /secret/);
    });
    assert.deepEqual({ data: await snapshot(host.data), out: await snapshot(host.out), outside: await snapshot(host.outside) }, before);
    // Refusals made by wpack (not the shim's own symlink checks) are reported and audited.
    REFUSED.forEach(([what, , by], i) => {
      if (by === undefined) assert.match((results[i] as RunResult).stderr, /^wpack: denied filesystem \S+.*: .+$/m, what);
    });
    const reported = REFUSED.filter(([, , by]) => by === undefined).length;
    const lines = (await readFile(audit, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, reported);
    for (const l of lines) {
      assert.deepEqual(Object.keys(l).sort(), ['kind', 'operation', 'target', 'time', 'verdict']);
      assert.equal(l.kind, 'filesystem');
      assert.equal(l.verdict, 'denied');
    }
  });
});

void describe('wpack run: a directory the component opened stays inside the preopen', () => {
  /**
   * A symlink pointing up (made on the host: the component may not make one)
   * and a directory to open, for one swap: the component opens the directory,
   * renames it away and the link into its place, then uses what it opened.
   */
  async function swapSetup(name: string): Promise<{ sub: string; link: string }> {
    await mkdir(join(host.out, `${name}-dir`));
    await writeFile(join(host.out, `${name}-dir`, 'inside.txt'), 'inside');
    await mkdir(join(host.out, `${name}-up`));
    await symlink('..', join(host.out, `${name}-up`, 'l'));
    return { sub: `${name}-dir`, link: `${name}-up/l` };
  }

  void test('the swap needs a symlink that points out moved into place: refused, and nothing outside is reached', async () => {
    const outside = await snapshot(host.outside);
    const r1 = await swapSetup('swap1');
    const read = await probeRun(['swap-read', '/out', r1.sub, r1.link, 'outside/secret.txt'], ['--quiet']);
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout, 'err not-permitted\n');
    assert.match(read.stderr, /^wpack: denied filesystem rename-at .*it is a symlink to "\.\."; moved, it could point out of the preopen$/m);
    const r2 = await swapSetup('swap2');
    const write = await probeRun(['swap-write', '/out', r2.sub, r2.link, 'outside/pwned.txt', 'pwned'], ['--quiet']);
    assert.equal(write.stdout, 'err not-permitted\n', write.stderr);
    assert.deepEqual(await snapshot(host.outside), outside);
    assert.equal(await readFile(join(host.data, 'hello.txt'), 'utf8'), 'hello from the host');
    // (packages/runtime/test/filesystem-swap.test.ts swaps from the host side, past this check.)
  });

  void test('a preopen inside a writable one is refused before anything runs', async () => {
    await mkdir(join(host.out, 'nested'), { recursive: true });
    const r = await run(['app.wpack', '--policy', 'policy.json', '--quiet', '--dir', `${host.out}::/out`, '--dir', `${join(host.out, 'nested')}::/data`, '--', 'list', '/data']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /lies inside that of --dir .*which is writable \(\/out\)/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    // Through a symlink inside the writable one, or the same directory read-only beside it: the same.
    await symlink(host.data, join(host.out, 'to-data'));
    for (const dirs of [
      ['--dir', `${host.out}::/out`, '--dir', `${join(host.out, 'to-data')}::/data`],
      ['--dir', `${host.out}::/out`, '--dir', `${host.out}::/data`],
    ]) {
      const refused = await run(['app.wpack', '--policy', 'policy.json', '--quiet', ...dirs, '--', 'list', '/data']);
      assert.equal(refused.code, 2, `${dirs.join(' ')}: ${refused.stderr}`);
      assert.match(refused.stderr, /lies inside that of --dir/);
    }
    // Nested the other way, a writable directory inside a read-only one, is fine.
    const fine = await run(['app.wpack', '--policy', 'policy.json', '--quiet', '--dir', `${host.data}::/data`, '--dir', `${join(host.data, 'sub')}::/out`, '--', 'list', '/out']);
    assert.equal(fine.code, 0, fine.stderr);
    assert.equal(fine.stdout, 'ok inner.txt\n');
  });
});

void describe('wpack run: what the gate trusts is out of reach', () => {
  void test('a writable --dir holding wpack\'s cache, the policy or a key it names is refused before anything runs', async () => {
    const cacheInside = await probeRun(['list', '/out'], ['--quiet'], { XDG_CACHE_HOME: join(host.out, 'cache') });
    assert.equal(cacheInside.code, 2, cacheInside.stderr);
    assert.match(cacheInside.stderr, /could write to .*wpack's cache of transpiled components/);
    // Reached through a symlink inside the writable directory: the component could point it elsewhere for the next run.
    await symlink(cache(), join(host.out, 'cache-link'));
    const cacheThroughLink = await probeRun(['list', '/out'], ['--quiet'], { XDG_CACHE_HOME: join(host.out, 'cache-link') });
    assert.equal(cacheThroughLink.code, 2, cacheThroughLink.stderr);
    assert.match(cacheThroughLink.stderr, /wpack's cache/);
    await rm(join(host.out, 'cache-link'));
    const pol = join(host.out, 'pol');
    await mkdir(pol);
    await copyFile(join(work.dir, 'policy.json'), join(pol, 'policy.json'));
    await copyFile(join(work.dir, 'release.pub'), join(pol, 'release.pub'));
    const policyInside = await run(['app.wpack', '--policy', join(pol, 'policy.json'), '--quiet', ...DIRS(), '--', 'list', '/out']);
    assert.equal(policyInside.code, 2, policyInside.stderr);
    assert.match(policyInside.stderr, /could write to .*policy\.json" \(the policy\)/);
    assert.equal(policyInside.stdout, '');
    // The key alone inside: the policy names it.
    const keyOnly = JSON.parse(await readFile(join(work.dir, 'policy.json'), 'utf8')) as { signatures: { signers: { key: string }[] } };
    keyOnly.signatures.signers = [{ key: join(pol, 'release.pub') }];
    await writeFile(join(work.dir, 'key-outside-policy.json'), JSON.stringify(keyOnly));
    const keyInside = await run(['app.wpack', '--policy', 'key-outside-policy.json', '--quiet', ...DIRS(), '--', 'list', '/out']);
    assert.equal(keyInside.code, 2, keyInside.stderr);
    assert.match(keyInside.stderr, /release\.pub" \(a file the policy names\)/);
    await rm(pol, { recursive: true });
    // A chain of symlinks with one link inside the writable directory: the component could repoint it.
    const chain = join(work.dir, 'chain');
    await mkdir(join(chain, 'a'), { recursive: true });
    await mkdir(join(chain, 'real'));
    await copyFile(join(work.dir, 'policy.json'), join(chain, 'real', 'policy.json'));
    await copyFile(join(work.dir, 'release.pub'), join(chain, 'real', 'release.pub'));
    await symlink(join(chain, 'real'), join(host.out, 'l2'));
    await symlink(join(host.out, 'l2'), join(chain, 'a', 'link'));
    const chained = await run(['app.wpack', '--policy', join(chain, 'a', 'link', 'policy.json'), '--quiet', ...DIRS(), '--', 'list', '/out']);
    assert.equal(chained.code, 2, chained.stderr);
    assert.match(chained.stderr, /\(the policy\)/);
    await rm(join(host.out, 'l2'));
    // The audit log, and the temporary directory the bindings are loaded from.
    const audit = await probeRun(['list', '/out'], ['--quiet', '--audit-log', join(host.out, 'audit.jsonl')]);
    assert.equal(audit.code, 2, audit.stderr);
    assert.match(audit.stderr, /\(the audit log\)/);
    await mkdir(join(host.out, 'tmp'));
    const tmp = await probeRun(['list', '/out'], ['--quiet'], { TMPDIR: join(host.out, 'tmp') });
    assert.equal(tmp.code, 2, tmp.stderr);
    assert.match(tmp.stderr, /the temporary directory runs load their bindings from/);
    await rm(join(host.out, 'tmp'), { recursive: true });
  });
});

void describe('wpack run: directories, descriptors and odd paths', () => {
  void test('set-times: now is now, no-change keeps, a time no date holds is overflow', async () => {
    const file = join(host.out, 'existing.txt');
    const old = new Date('2001-02-03T04:05:06Z');
    await utimes(file, old, old);
    const start = Date.now();
    const now = await probeRun(['set-times-keep', '/out', 'existing.txt'], ['--quiet']);
    assert.equal(now.stdout, 'ok touched\n', now.stderr);
    const st = await stat(file);
    assert.ok(Math.abs(st.mtimeMs - start) < 60_000, `mtime ${st.mtime.toISOString()} is now`);
    assert.equal(st.atimeMs, old.getTime(), 'no-change kept the access time');
    const huge = await probeRun(['set-times-huge', '/out', 'existing.txt'], ['--quiet']);
    assert.equal(huge.code, 0, huge.stderr);
    assert.equal(huge.stdout, 'err overflow\n');
  });

  void test('a preopen itself can be listed and stat-ed; so can a directory opened below it', async () => {
    const root = await probeRun(['list', '/data'], ['--quiet']);
    assert.equal(root.stdout, 'ok abs-link,dir-link,hello.txt,rel-link,sub\n', root.stderr);
    const sub = await probeRun(['list', '/data', 'sub'], ['--quiet']);
    assert.equal(sub.stdout, 'ok inner.txt\n', sub.stderr);
    const st = await probeRun(['stat-dir', '/data'], ['--quiet']);
    assert.equal(st.stdout, 'ok directory\n', st.stderr);
  });

  void test('a NUL byte in a path or a link target is an invalid argument, not a trap', async () => {
    const r = await probeRun(['nul', '/out'], ['--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ok invalid,invalid\n');
  });
});

/** Loopback servers that count what reaches them: TCP and UDP, on one address. */
interface Counting {
  tcp: { port: number; received: string[] };
  udp: { port: number; received: string[] };
  close(): Promise<void>;
}

async function countingServers(address: string): Promise<Counting> {
  const received: string[] = [];
  const tcp = createNetServer((socket) => {
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('end', () => received.push(data));
    socket.on('close', () => void (data !== '' && !received.includes(data) && received.push(data)));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => tcp.listen(0, address, resolve));
  const datagrams: string[] = [];
  const udp = createSocket('udp4');
  udp.on('message', (msg) => datagrams.push(msg.toString()));
  await new Promise<void>((resolve) => udp.bind(0, address, resolve));
  const portOf = (a: ReturnType<typeof tcp.address>) => (a as AddressInfo).port;
  return {
    tcp: { port: portOf(tcp.address()), received },
    udp: { port: udp.address().port, received: datagrams },
    async close() {
      await Promise.all([new Promise((r) => tcp.close(r)), new Promise((r) => udp.close(() => r(undefined)))]);
    },
  };
}

/** Waits, a bounded while, for `ready()`; the component may have exited before the server read everything. */
async function eventually(ready: () => boolean): Promise<boolean> {
  for (let i = 0; i < 50 && !ready(); i += 1) await new Promise((r) => setTimeout(r, 20));
  return ready();
}

/** A port no one listens on, from the kernel. */
async function freePort(address: string): Promise<number> {
  const probeServer = createNetServer();
  await new Promise<void>((resolve) => probeServer.listen(0, address, resolve));
  const { port } = probeServer.address() as AddressInfo;
  await new Promise((r) => probeServer.close(r));
  return port;
}

void describe('wpack run: network', () => {
  let granted: Counting;
  let other: Counting;
  before(async () => {
    granted = await countingServers('127.0.0.1');
    // 127.0.0.2 is loopback too, and no capability of the manifest holds it.
    other = await countingServers('127.0.0.2');
  });
  after(async () => {
    await granted.close();
    await other.close();
  });

  void test('a granted TCP connect and UDP send reach their loopback server; network:dns looks names up', async () => {
    const lookup = await probeRun(['lookup', 'localhost'], ['--quiet']);
    assert.match(lookup.stdout, /^ok ipv[46](,ipv[46])*\n$/, lookup.stderr);
    const tcp = await probeRun(['connect', '127.0.0.1', String(granted.tcp.port), 'hello over tcp'], ['--quiet']);
    assert.equal(tcp.stdout, 'ok connected\n', tcp.stderr);
    assert.ok(await eventually(() => granted.tcp.received.includes('hello over tcp')), `received: ${JSON.stringify(granted.tcp.received)}`);
    const udp = await probeRun(['udp', '127.0.0.1', String(granted.udp.port), 'hello over udp'], ['--quiet']);
    // A stream open to every sender would hear anyone: that is inbound, and port 0 needs network:inbound:*.
    const open = await probeRun(['udp-open', '127.0.0.1', String(granted.udp.port), 'open stream'], ['--quiet']);
    assert.equal(open.stdout, 'err access-denied\n', open.stderr);
    assert.match(open.stderr, /^wpack: denied network udp-stream "an ephemeral port": a UDP stream without a remote receives from anyone: it needs network:inbound:\*$/m);
    assert.equal(udp.stdout, 'ok sent\n', udp.stderr);
    assert.ok(await eventually(() => granted.udp.received.includes('hello over udp')));
    assert.doesNotMatch(tcp.stderr + udp.stderr, /denied/);
  });

  // Outgoing HTTP is refused the same way under `wpack serve` (serve-cli.test.ts).
  void test('connect and send outside the grant are refused, reported and audited, and reach nothing', async () => {
    const audit = join(work.dir, 'network-audit.jsonl');
    const o = other;
    const refused: [string[], RegExp, RegExp][] = [
      [['connect', '127.0.0.2', String(o.tcp.port), 'leak'], /^err access-denied\n$/, /^wpack: denied network tcp-connect "127\.0\.0\.2:\d+": no network:outbound capability holds 127\.0\.0\.2:\d+$/m],
      [['connect', '::1', String(o.tcp.port), 'leak'], /^err access-denied\n$/, /^wpack: denied network tcp-connect "\[0:0:0:0:0:0:0:1\]:\d+"/m],
      [['udp', '127.0.0.2', String(o.udp.port), 'leak'], /^err access-denied\n$/, /^wpack: denied network udp-connect "127\.0\.0\.2:\d+"/m],
    ];
    for (const [op, out, line] of refused) {
      const r = await probeRun(op, ['--quiet', '--audit-log', audit]);
      assert.equal(r.code, 0, `${op.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, out, op.join(' '));
      assert.match(r.stderr, line, op.join(' '));
    }
    // Give a leak the time it would need to arrive.
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual([o.tcp.received, o.udp.received], [[], []]);
    const lines = (await readFile(audit, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.kind, l.operation, l.verdict]),
      [['network', 'tcp-connect', 'denied'], ['network', 'tcp-connect', 'denied'], ['network', 'udp-connect', 'denied']],
    );
  });

  void test('listen only on a port a network:inbound capability holds', async () => {
    const inside = 20000 + (process.pid % 10000);
    const ok = await probeRun(['listen', '127.0.0.1', String(inside)], ['--quiet']);
    assert.match(ok.stdout, /^ok listening\n$|^err address-in-use\n$/, ok.stderr);
    const outside = await freePort('127.0.0.1');
    const refusedPort = outside >= 20000 && outside <= 29999 ? 30001 : outside;
    const r = await probeRun(['listen', '127.0.0.1', String(refusedPort)], ['--quiet']);
    assert.equal(r.stdout, 'err access-denied\n', r.stderr);
    assert.match(r.stderr, new RegExp(`^wpack: denied network tcp-bind "127\\.0\\.0\\.1:${String(refusedPort)}": no network:inbound capability holds port ${String(refusedPort)}$`, 'm'));
    const ephemeral = await probeRun(['listen', '127.0.0.1', '0'], ['--quiet']);
    assert.equal(ephemeral.stdout, 'err access-denied\n', ephemeral.stderr);
    assert.match(ephemeral.stderr, /^wpack: denied network tcp-listen "an ephemeral port": listening on an ephemeral port needs network:inbound:\*$/m);
  });
});

void describe('wpack run: the cache', () => {
  void test('a tampered cache entry is rebuilt, never used', async () => {
    const first = await probeRun(['read', '/data', 'hello.txt'], ['--quiet']);
    assert.equal(first.code, 0, first.stderr);
    const dir = entryDir(join(cache(), 'wpack'), sha256Digest(probe));
    const js = join(dir, 'component.js');
    const original = await readFile(js);
    await appendFile(js, '\nprocess.stdout.write("tampered cache ran\\n");\n');
    const again = await probeRun(['read', '/data', 'hello.txt'], ['--quiet']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'ok hello from the host\n');
    assert.deepEqual(await readFile(js), original, 'the entry was rebuilt');
    const record = join(dir, 'entry.json');
    const parsed = JSON.parse(await readFile(record, 'utf8')) as { component: string };
    await writeFile(record, JSON.stringify({ ...parsed, component: sha256Digest('another component') }));
    const third = await probeRun(['read', '/data', 'hello.txt'], ['--quiet']);
    assert.equal(third.stdout, 'ok hello from the host\n', third.stderr);
    assert.equal((JSON.parse(await readFile(record, 'utf8')) as { component: string }).component, sha256Digest(probe));
  });
});
