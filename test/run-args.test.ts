// `wpack run-args` (RUNTIME.md mapping tables): the gate first, then the
// wasmtime command line or the spin.toml v2 component table, with one warning
// per capability the runtime can only over-grant (or cannot grant).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle } from '@wpack/manifest';
import { generateKeyPair, loadPrivateKey, signBundle } from '@wpack/signatures';
import { runtimeArgs } from '@wpack/runtime';
import { buildRunProbe } from './fixtures/run-build.js';
import { runWpack } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

/** What the run-probe fixture imports, plus capabilities mapped by other rows. */
const CAPS = [
  'env:APP_*',
  'env:LOG_LEVEL',
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
  'network:outbound:127.0.0.1:9',
  'network:outbound:10.0.0.0/8:8000-8999',
  'network:dns',
  'http:outbound:https://api.acme.com',
];

let work: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  work = await tempDir('wpack-run-args-');
  const probe = await buildRunProbe();
  const pair = generateKeyPair();
  await writeFile(join(work.dir, 'release.pub'), pair.publicPem);
  const project = join(work.dir, 'project');
  await mkdir(join(project, 'build'), { recursive: true });
  await copyFile(probe, join(project, 'build', 'app.wasm'));
  await writeFile(join(project, 'wpack.json'), JSON.stringify({ name: 'acme:probe', version: '0.1.0', component: 'build/app.wasm', capabilities: CAPS }));
  await createBundle(project, join(work.dir, 'app.wpack'));
  await signBundle(join(work.dir, 'app.wpack'), { kind: 'key', privateKey: loadPrivateKey(pair.privatePem) });
  const base = { version: 1, host: { worlds: ['wasi:cli/command@0.2.12'] }, signatures: { signers: [{ key: 'release.pub' }] } };
  await writeFile(join(work.dir, 'policy.json'), JSON.stringify({ ...base, capabilities: { allow: CAPS } }));
  await writeFile(join(work.dir, 'denied.json'), JSON.stringify({ ...base, capabilities: { allow: CAPS.filter((c) => c !== 'network:dns') } }));
});

after(() => work.cleanup());

interface Json {
  runtime: string;
  digest: string;
  command?: string[];
  spinToml?: string;
  warnings: string[];
}

const wpack = (args: string[]) => runWpack(['run-args', 'app.wpack', ...args], { cwd: work.dir, env: { GITHUB_ACTIONS: 'false' } });

void describe('wpack run-args', () => {
  void test('wasmtime: --dir, --env, -S switches, and a warning naming wpack run for each over-grant', async () => {
    const r = await wpack(['--policy', 'policy.json', '--runtime', 'wasmtime', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Json;
    // In the order of the locked manifest's capabilities (canonical, sorted).
    assert.deepEqual(out.command, [
      'wasmtime', 'run',
      '--env', 'LOG_LEVEL',
      '--dir', '/data::/data',
      '--dir', '/out::/out',
      '-S', 'http',
      '-S', 'allow-ip-name-lookup',
      '-S', 'inherit-network',
      'component.wasm',
    ]);
    const about = (cap: string) => out.warnings.filter((w) => w.startsWith(`${cap}`));
    for (const cap of ['filesystem:read:/data', 'network:outbound:127.0.0.1:9', 'network:outbound:10.0.0.0/8:8000-8999', 'http:outbound:https://api.acme.com', 'random:secure', 'env:APP_*']) {
      assert.equal(about(cap).length, 1, `one warning about ${cap}: ${out.warnings.join('\n')}`);
      assert.match(about(cap)[0] ?? '', /wpack run enforces it exactly/);
    }
    for (const exact of ['filesystem:write:/out', 'network:dns', 'env:LOG_LEVEL', 'stdio:stdout']) assert.equal(about(exact).length, 0, exact);

    const text = await wpack(['--policy', 'policy.json', '--runtime', 'wasmtime']);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout.trim(), out.command?.join(' '));
    assert.equal(text.stderr.trim().split('\n').filter((l) => l.startsWith('warning: ')).length, out.warnings.length);
  });

  void test('spin: a component table with files, environment and allowed_outbound_hosts; warnings for what spin cannot grant', async () => {
    const r = await wpack(['--policy', 'policy.json', '--runtime', 'spin', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Json;
    assert.equal(
      out.spinToml,
      [
        '[component.acme-probe]',
        'source = "component.wasm"',
        'files = [{ source = "/data", destination = "/data" }]',
        'environment = { LOG_LEVEL = "" }',
        'allowed_outbound_hosts = ["https://api.acme.com", "tcp://10.0.0.0/8:8000..9000", "tcp://127.0.0.1:9"]',
        '',
      ].join('\n'),
    );
    const about = (cap: string) => out.warnings.filter((w) => w.startsWith(cap));
    for (const cap of ['filesystem:write:/out', 'network:dns', 'env:APP_*', 'random:secure']) {
      assert.equal(about(cap).length, 1, `one warning about ${cap}: ${out.warnings.join('\n')}`);
      assert.match(about(cap)[0] ?? '', /wpack run enforces it exactly/);
    }
    for (const exact of ['filesystem:read:/data', 'http:outbound:https://api.acme.com', 'network:outbound:127.0.0.1:9']) assert.equal(about(exact).length, 0, exact);
  });

  void test('a denied bundle gets no arguments: exit 1, nothing on stdout', async () => {
    const r = await wpack(['--policy', 'denied.json', '--runtime', 'wasmtime']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^DENIED\b/m);
  });

  void test('rows not in the probe: inbound HTTP serves, names in socket entries warn for spin, wasi-nn and custom imports warn', () => {
    const caps = ['http:inbound', 'network:outbound:api.acme.com:443', 'network:inbound:8080', 'nn:onnx', 'import:acme:kv/store@1.0.0'];
    const w = runtimeArgs(caps, 'wasmtime', { component: 'c.wasm', name: 'acme:app' });
    assert.deepEqual(w.command?.slice(0, 4), ['wasmtime', 'serve', '--addr', '0.0.0.0:8080']);
    // No stdio capability: wasmtime's CLI has no switch to withhold a stream, so each is a warning, never an invented flag.
    assert.ok(!w.command?.some((a) => a.startsWith('inherit-std')), w.command?.join(' '));
    for (const s of ['stdin', 'stdout', 'stderr']) assert.equal(w.warnings.filter((x) => x.startsWith(`stdio:${s} (not granted): wasmtime always provides standard`)).length, 1, s);
    for (const cap of ['network:outbound:api.acme.com:443', 'network:inbound:8080', 'nn:onnx', 'import:acme:kv/store@1.0.0']) {
      assert.equal(w.warnings.filter((x) => x.startsWith(cap)).length, 1, cap);
    }
    const s = runtimeArgs(caps, 'spin', { component: 'c.wasm', name: 'acme:app' });
    // IPv6 as Spin's allowed_outbound_hosts parser reads it: a CIDR unbracketed, one address bracketed.
    const v6 = runtimeArgs(['network:outbound:[fd00::/8]:443', 'network:outbound:[2001:db8::1]:8443'], 'spin', { component: 'c.wasm', name: 'acme:app' });
    assert.match(v6.spinToml ?? '', /allowed_outbound_hosts = \["tcp:\/\/fd00::\/8:443", "tcp:\/\/\[2001:db8::1\]:8443"\]/);
    assert.match(s.spinToml ?? '', /\[\[trigger\.http\]\]\nroute = "\/\.\.\."\ncomponent = "acme-app"/);
    assert.match(s.spinToml ?? '', /"tcp:\/\/api\.acme\.com:443"/);
    for (const cap of ['network:outbound:api.acme.com:443', 'network:inbound:8080', 'nn:onnx', 'import:acme:kv/store@1.0.0']) {
      assert.equal(s.warnings.filter((x) => x.startsWith(cap)).length, 1, cap);
    }
  });
});
