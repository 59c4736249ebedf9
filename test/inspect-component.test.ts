// `wpack inspect` on a component binary not yet bundled, run for real on the
// fixture components: what it lists must be what the component has (jco's
// own reader of the producers sections is the second opinion), what `wpack
// init` writes for the same file, and what `inspect` shows once it is
// bundled. Core modules, other bytes and truncated components are one-line
// errors, exit 2. The kind is read from the bytes, never from the name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readComponentInterface, type Producer } from '@wpack/component';
import { sha256Digest } from '@wpack/core';
import { buildFixtures, type FixtureName, type FixtureSet } from './fixtures/build.js';
import { runWpack, type RunResult } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';
import type { ComponentSummary } from 'wpack';

interface InitOutput {
  manifest: { world?: string; capabilities: string[] };
  notes: string[];
}

let fixtures: FixtureSet;
let work: { dir: string; cleanup: () => Promise<void> };
const at = (...parts: string[]): string => join(work.dir, ...parts);
const wpack = (...args: string[]): Promise<RunResult> => runWpack(args, { cwd: work.dir });

function json<T>(run: RunResult): T {
  assert.equal(run.code, 0, `exit ${String(run.code)}\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** A failure in both modes: exit 2, one line on stderr naming the file; with --json, the code. */
async function refused(file: string, code: string): Promise<void> {
  const human = await wpack('inspect', file);
  assert.equal(human.code, 2, human.stdout + human.stderr);
  assert.equal(human.stdout, '');
  const lines = human.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, human.stderr);
  assert.ok(lines[0]?.startsWith('wpack: ') && lines[0].includes(file), human.stderr);
  const machine = await wpack('inspect', file, '--json');
  assert.equal(machine.code, 2, machine.stdout);
  assert.equal((JSON.parse(machine.stdout) as { error: { code: string } }).error.code, code);
}

/** Producers by field name, whatever the field: what jco reports. */
type Fields = Partial<Record<string, Producer[]>>;

/**
 * The producers as jco (wasm-tools) reads them: the top-level entry is the
 * component's own; every other entry, module or component, is nested.
 */
async function jcoProducers(bytes: Uint8Array): Promise<{ component?: Fields; nested?: Fields }> {
  const { metadataShow } = await import('@bytecodealliance/jco');
  const own: Fields = {};
  const nested: Fields = {};
  for (const entry of await metadataShow(bytes)) {
    const into = entry.parentIndex === undefined ? own : nested;
    for (const [field, values] of entry.producers) {
      const list = (into[field] ??= []);
      for (const [name, version] of values) if (!list.some((p) => p.name === name && p.version === version)) list.push({ name, version });
    }
  }
  const result: { component?: Fields; nested?: Fields } = {};
  if (Object.keys(own).length > 0) result.component = own;
  if (Object.keys(nested).length > 0) result.nested = nested;
  return result;
}

/** Fields in a fixed order and each field's values sorted, to compare two readers that list them in their own order. */
function canonical(p: { component?: Fields; nested?: Fields }): unknown {
  const sort = (ps: Fields | undefined): unknown =>
    ps === undefined ? undefined : Object.fromEntries(Object.keys(ps).sort().map((f) => [f, [...(ps[f] ?? [])].sort((a, b) => `${a.name} ${a.version}`.localeCompare(`${b.name} ${b.version}`))]));
  return { component: sort(p.component), nested: sort(p.nested) };
}

before(async () => {
  fixtures = await buildFixtures();
  work = await tempDir('wpack-inspect-component-');
});
after(() => work.cleanup());

void describe('wpack inspect <component.wasm>', () => {
  const cases: [FixtureName, string | undefined][] = [
    ['http-proxy', 'wasi:http/proxy@0.2.12'],
    ['kv-custom', 'wasi:cli/command@0.2.12'],
    ['js-qjs', undefined],
  ];
  for (const [fixture, world] of cases) {
    void test(`${fixture}: imports, exports, size and digest of the file; the world and capabilities init writes; init → bundle → inspect agrees`, async () => {
      const dir = at(fixture);
      await mkdir(dir);
      await copyFile(fixtures[fixture], join(dir, 'app.wasm'));
      const bytes = await readFile(join(dir, 'app.wasm'));

      const out = json<ComponentSummary>(await wpack('inspect', join(dir, 'app.wasm'), '--json'));
      const iface = readComponentInterface(bytes);
      assert.equal(out.kind, 'component');
      assert.equal(out.file, join(dir, 'app.wasm'));
      assert.deepEqual([out.size, out.digest], [bytes.length, sha256Digest(bytes)]);
      assert.deepEqual(out.imports, iface.imports.map((i) => i.name));
      assert.deepEqual(out.exports, iface.exports.map((e) => e.name));
      assert.ok(out.imports.length > 0 && out.exports.length > 0);
      assert.equal(out.world, world);

      const init = json<InitOutput>(await runWpack(['init', 'app.wasm', '--name', 'acme:app', '--json'], { cwd: dir }));
      assert.equal(out.world, init.manifest.world);
      assert.deepEqual(out.capabilities, init.manifest.capabilities);
      assert.deepEqual(out.notes, init.notes);

      json(await runWpack(['bundle', '.', '-o', 'app.wpack', '--json'], { cwd: dir }));
      const bundled = json<{ kind: string; imports: string[]; exports: string[]; capabilities: string[]; manifest: { world?: string } }>(
        await runWpack(['inspect', 'app.wpack', '--json'], { cwd: dir }),
      );
      assert.equal(bundled.kind, 'bundle');
      // The locked manifest keeps its capabilities sorted.
      assert.deepEqual(
        [bundled.imports, bundled.exports, bundled.capabilities, bundled.manifest.world],
        [out.imports, out.exports, [...out.capabilities].sort(), out.world],
      );
    });
  }

  void test('producers: the same as jco reads, with the real tool names and versions', async () => {
    for (const fixture of ['http-proxy', 'kv-custom', 'js-qjs'] as const) {
      const out = json<ComponentSummary>(await wpack('inspect', fixtures[fixture], '--json'));
      assert.deepEqual(canonical(out.producers), canonical(await jcoProducers(await readFile(fixtures[fixture]))), fixture);
    }
    // wit-component made the jco components and says so at the top; componentize-qjs's runtime is Rust.
    const proxy = json<ComponentSummary>(await wpack('inspect', fixtures['http-proxy'], '--json')).producers;
    assert.ok(proxy.component?.['processed-by']?.some((p) => p.name === 'wit-component' && /^\d+\.\d+\.\d+/.test(p.version)), JSON.stringify(proxy));
    const qjs = json<ComponentSummary>(await wpack('inspect', fixtures['js-qjs'], '--json')).producers;
    assert.equal(qjs.component, undefined, 'componentize-qjs writes no top-level section');
    assert.deepEqual(qjs.nested?.language?.map((p) => p.name), ['Rust']);
    assert.ok(qjs.nested['processed-by']?.some((p) => p.name === 'rustc'), JSON.stringify(qjs));
  });

  void test('the human report: digest, world, producers, imports, exports, capabilities and what to narrow', async () => {
    const file = fixtures['http-proxy'];
    const out = json<ComponentSummary>(await wpack('inspect', file, '--json'));
    const human = await wpack('inspect', file);
    assert.equal(human.code, 0, human.stderr);
    const lines = human.stdout.split('\n');
    assert.ok(lines.includes(`digest     ${out.digest}`), human.stdout);
    assert.ok(lines.includes(`world      ${out.world ?? '?'}`), human.stdout);
    assert.ok(lines.some((l) => /^ {2}component +processed-by +wit-component \d/.test(l)), human.stdout);
    for (const name of [...out.imports, ...out.exports, ...out.capabilities]) assert.ok(lines.includes(`  ${name}`), name);
    assert.ok(out.notes.length > 0 && out.notes.every((n) => lines.includes(`  - ${n}`)), human.stdout);
  });

  void test('a malformed producers section is said, not a refusal: custom sections are no part of validation', async () => {
    // The fixture with one more top-level custom section, "producers", whose content is not a producers vector.
    const name = Buffer.from('producers');
    const content = Buffer.concat([Buffer.from([name.length]), name, Buffer.from([0xff, 0xff])]);
    const file = at('bad-producers.wasm');
    await writeFile(file, Buffer.concat([await readFile(fixtures['http-proxy']), Buffer.from([0x00, content.length]), content]));
    const out = json<ComponentSummary>(await wpack('inspect', file, '--json'));
    assert.match(out.producersUnreadable ?? '', /^malformed component at byte \d+/);
    assert.deepEqual(out.producers, {});
    assert.deepEqual(out.exports, ['wasi:http/incoming-handler@0.2.12']);
    const human = await wpack('inspect', file);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^producers {2}unreadable: /m);
  });

  void test('--wit prints what inspect --wit prints for the bundle of the same component; --json carries the types', async () => {
    const dir = at('wit');
    await mkdir(dir);
    await copyFile(fixtures['kv-custom'], join(dir, 'app.wasm'));
    json(await runWpack(['init', 'app.wasm', '--name', 'acme:kv-app', '--json'], { cwd: dir }));
    json(await runWpack(['bundle', '.', '-o', 'app.wpack', '--json'], { cwd: dir }));
    const component = await runWpack(['inspect', 'app.wasm', '--wit'], { cwd: dir });
    const bundle = await runWpack(['inspect', 'app.wpack', '--wit'], { cwd: dir });
    assert.equal(component.code, 0, component.stderr);
    assert.equal(component.stdout, bundle.stdout);
    assert.match(component.stdout, /^import acme:kv\/store@1\.0\.0 \{$/m);
    assert.match(component.stdout, /^export wasi:cli\/run@0\.2\.12 \{$/m);
    const out = json<ComponentSummary>(await runWpack(['inspect', 'app.wasm', '--wit', '--json'], { cwd: dir }));
    assert.equal(out.wit?.imports.length, out.imports.length);
    assert.equal(out.wit.exports.length, out.exports.length);
  });

  void test('the kind comes from the first bytes, not the name', async () => {
    const dir = at('names');
    await mkdir(dir);
    await copyFile(fixtures['http-proxy'], join(dir, 'looks-like.wpack'));
    assert.equal(json<ComponentSummary>(await wpack('inspect', join(dir, 'looks-like.wpack'), '--json')).kind, 'component');
    await copyFile(fixtures['http-proxy'], join(dir, 'app.wasm'));
    json(await runWpack(['init', 'app.wasm', '--json'], { cwd: dir }));
    json(await runWpack(['bundle', '.', '-o', 'bundle.wasm', '--json'], { cwd: dir }));
    assert.equal(json<ComponentSummary>(await wpack('inspect', join(dir, 'bundle.wasm'), '--json')).kind, 'bundle');
  });

  void test('a core module, other bytes, an empty file, a truncated component and a missing .wasm: one line, exit 2', async () => {
    await refused(fixtures['core-module'], 'NOT_A_COMPONENT');
    await writeFile(at('random.wasm'), randomBytes(4096));
    await refused(at('random.wasm'), 'INVALID_BUNDLE');
    await writeFile(at('empty.wasm'), Buffer.alloc(0));
    await refused(at('empty.wasm'), 'INVALID_BUNDLE');
    const whole = await readFile(fixtures['http-proxy']);
    for (const keep of [8 + 1, Math.floor(whole.length / 2), whole.length - 1]) {
      const file = at(`truncated-${String(keep)}.wasm`);
      await writeFile(file, whole.subarray(0, keep));
      await refused(file, 'MALFORMED_COMPONENT');
    }
    // A .wasm name is a path, never a registry reference to try.
    await refused('missing.wasm', 'FILE_NOT_FOUND');
  });
});
