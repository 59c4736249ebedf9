import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildFixtures } from './fixtures/build.js';
import { makeProject } from './helpers/project.js';
import { runWpack } from './helpers/cli.js';
import { escapeRegExp as escape } from './helpers/regexp.js';
import { tempDir } from './helpers/tmp.js';

const fixtures = await buildFixtures();

void describe('wpack CLI (real subprocess, no TTY)', () => {
  void test('init → bundle → inspect → extract, as a new user would', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(join(dir, 'build'));
      await copyFile(fixtures['http-proxy'], join(dir, 'build', 'service.wasm'));
      const init = await runWpack(['init', 'build/service.wasm', '--name', 'acme:service', '--version', '1.0.0'], { cwd: dir });
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, /wrote wpack\.json: acme:service@1\.0\.0/);
      assert.match(init.stdout, /narrow these before you publish/);
      const manifest = JSON.parse(await readFile(join(dir, 'wpack.json'), 'utf8')) as { capabilities: string[]; world?: string; component: string };
      assert.equal(manifest.component, 'build/service.wasm');
      assert.equal(manifest.world, 'wasi:http/proxy@0.2.12');
      for (const c of ['http:inbound', 'stdio:stdout', 'clock:wall', 'clock:monotonic', 'random:secure']) assert.ok(manifest.capabilities.includes(c), c);
      assert.ok(manifest.capabilities.some((c) => c.startsWith('http:outbound:')), 'outgoing-handler needs http:outbound');
      assert.ok(!manifest.capabilities.some((c) => c.startsWith('filesystem:')), 'nothing the component does not import');

      const again = await runWpack(['init', 'build/service.wasm'], { cwd: dir });
      assert.equal(again.code, 2);
      assert.match(again.stderr, /already exists.*--force/);

      const bundle = await runWpack(['bundle', '.', '-o', 'svc.wpack', '--json'], { cwd: dir });
      assert.equal(bundle.code, 0, bundle.stderr);
      const made = JSON.parse(bundle.stdout) as { digest: string; path: string };
      assert.match(made.digest, /^sha256:[0-9a-f]{64}$/);

      const inspect = await runWpack(['inspect', 'svc.wpack', '--json'], { cwd: dir });
      assert.equal(inspect.code, 0, inspect.stderr);
      const info = JSON.parse(inspect.stdout) as { digest: string; manifest: { name: string; capabilities: string[] }; imports: string[]; exports: string[]; signatures: unknown[] };
      assert.equal(info.digest, made.digest);
      assert.equal(info.manifest.name, 'acme:service');
      // init writes the capabilities as the locked manifest stores them: canonical and sorted.
      assert.deepEqual(manifest.capabilities, [...manifest.capabilities].sort());
      assert.deepEqual(info.manifest.capabilities, manifest.capabilities);
      assert.deepEqual(info.exports, ['wasi:http/incoming-handler@0.2.12']);
      assert.ok(info.imports.includes('wasi:http/outgoing-handler@0.2.12'));
      assert.deepEqual(info.signatures, []);

      const human = await runWpack(['inspect', 'svc.wpack'], { cwd: dir });
      assert.equal(human.code, 0);
      assert.match(human.stdout, new RegExp(`digest\\s+${made.digest}`));

      const extract = await runWpack(['extract', 'svc.wpack', 'out'], { cwd: dir });
      assert.equal(extract.code, 0, extract.stderr);
      assert.deepEqual((await readdir(join(dir, 'out'))).sort(), ['component.wasm', 'wpack.json']);
      const refused = await runWpack(['extract', 'svc.wpack', 'out'], { cwd: dir });
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /not empty.*--force/);
    } finally {
      await cleanup();
    }
  });

  void test('paths are printed as they were given: absolute from elsewhere, relative from the project', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(join(dir, 'build'));
      await copyFile(fixtures['http-proxy'], join(dir, 'build', 'service.wasm'));
      // From the repository root, every path absolute: nothing becomes ../../tmp/….
      const init = await runWpack(['init', join(dir, 'build', 'service.wasm'), '--dir', dir]);
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, new RegExp(`^wrote ${escape(join(dir, 'wpack.json'))}: `));
      const bundle = await runWpack(['bundle', dir, '-o', join(dir, 'svc.wpack')]);
      assert.equal(bundle.code, 0, bundle.stderr);
      assert.match(bundle.stdout, new RegExp(`^wrote ${escape(join(dir, 'svc.wpack'))}\n`));
      assert.equal((await runWpack(['keygen', '-o', join(dir, 'release')])).code, 0);
      const drafted = await runWpack(['policy', 'init', '--world', 'wasi:http/proxy', '--key', 'release.pub', '-o', join(dir, 'drafted.json')]);
      assert.equal(drafted.code, 0, drafted.stderr);
      assert.match(drafted.stdout, new RegExp(`^wrote ${escape(join(dir, 'drafted.json'))} for wasi:http/proxy@0\\.2\\.12`));
      const policy = join(dir, 'ok.json');
      await writeFile(policy, JSON.stringify({ version: 1, host: { worlds: ['wasi:http/proxy@0.2.12'] }, signatures: { signers: [{ key: 'release.pub' }] } }));
      const verify = await runWpack(['verify', join(dir, 'svc.wpack'), '--policy', policy]);
      assert.equal(verify.code, 1, verify.stderr);
      assert.match(verify.stdout, new RegExp(`^DENIED  ${escape(join(dir, 'svc.wpack'))}  sha256:[0-9a-f]{64}  \\(policy ${escape(policy)}\\)$`, 'm'));
      const extract = await runWpack(['extract', join(dir, 'svc.wpack'), join(dir, 'out')]);
      assert.equal(extract.code, 0, extract.stderr);
      assert.match(extract.stdout, new RegExp(`^extracted 2 files to ${escape(join(dir, 'out'))} \\(sha256:`));
      // From the project, relative paths stay relative, as typed.
      const again = await runWpack(['init', './build/service.wasm'], { cwd: dir });
      assert.equal(again.code, 2);
      assert.equal(again.stderr.trim().split('\n').length, 1);
      assert.match(again.stderr, /wpack\.json already exists/);
      assert.doesNotMatch(again.stderr, new RegExp(escape(dir)));
      const relVerify = await runWpack(['verify', './svc.wpack', '--policy', './ok.json'], { cwd: dir });
      assert.match(relVerify.stdout, /^DENIED {2}\.\/svc\.wpack {2}sha256:[0-9a-f]{64} {2}\(policy \.\/ok\.json\)$/m);
    } finally {
      await cleanup();
    }
  });

  void test('bundle defaults its output name to <namespace>-<name>-<version>.wpack', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await makeProject(dir);
      const run = await runWpack(['bundle'], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      assert.ok((await readdir(dir)).includes('acme-app-1.2.0.wpack'));
    } finally {
      await cleanup();
    }
  });

  void test('an invalid manifest: exit 2, one line per problem with its JSON pointer', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await makeProject(dir, { capabilities: ['stdio:stdout', 'network:dns', 'filesystem:read:relative', 'teleport:now'] });
      const run = await runWpack(['bundle', '-o', 'x.wpack'], { cwd: dir });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^ {2}\/capabilities\/2: "filesystem:read:relative" — .*absolute/m);
      assert.match(run.stderr, /^ {2}\/capabilities\/3: "teleport:now" — /m);
      assert.equal(run.stdout, '');
      const json = await runWpack(['bundle', '-o', 'x.wpack', '--json'], { cwd: dir });
      assert.equal(json.code, 2);
      const err = JSON.parse(json.stdout) as { error: { code: string; exitCode: number } };
      assert.equal(err.error.code, 'INVALID_MANIFEST');
      assert.equal(err.error.exitCode, 2);
      assert.ok(!(await readdir(dir)).includes('x.wpack'));
    } finally {
      await cleanup();
    }
  });

  void test('init refuses a core module and garbage with exit 2', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await copyFile(fixtures['core-module'], join(dir, 'core.wasm'));
      await writeFile(join(dir, 'junk.wasm'), 'not wasm at all');
      const core = await runWpack(['init', 'core.wasm'], { cwd: dir });
      assert.equal(core.code, 2);
      assert.match(core.stderr, /core WebAssembly module, not a component/);
      const junk = await runWpack(['init', 'junk.wasm'], { cwd: dir });
      assert.equal(junk.code, 2);
      assert.match(junk.stderr, /not a WebAssembly binary/);
      assert.deepEqual((await readdir(dir)).sort(), ['core.wasm', 'junk.wasm']);
    } finally {
      await cleanup();
    }
  });

  void test('usage errors exit 2; --version and --help work', async () => {
    const missing = await runWpack(['inspect']);
    assert.equal(missing.code, 2);
    const version = await runWpack(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /wpack\/0\.1\.0/);
    const help = await runWpack(['--help']);
    assert.equal(help.code, 0);
    for (const cmd of ['init', 'bundle', 'inspect', 'extract']) assert.match(help.stdout, new RegExp(`\\b${cmd}\\b`));
  });
});
