// The component interface reader: the names and kinds of top-level imports
// and exports, read from real components built from WIT (test/fixtures/build.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ComponentError, readComponentInterface } from '@wpack/component';
import { buildFixtures } from './fixtures/build.js';

const fixtures = await buildFixtures();
const names = (list: { name: string }[]): string[] => list.map((e) => e.name);
const v = (s: string): string => `wasi:${s}@0.2.12`;

void test('reads a wasi:cli/command component: every WASI import, the run export', async () => {
  const iface = readComponentInterface(await readFile(fixtures['cli-command']));
  assert.equal(iface.imports.length, 27);
  for (const i of ['cli/environment', 'filesystem/preopens', 'sockets/tcp', 'random/insecure-seed', 'io/streams']) {
    assert.ok(names(iface.imports).includes(v(i)), i);
  }
  assert.ok(iface.imports.every((i) => i.kind === 'instance'));
  assert.deepEqual(iface.exports, [{ name: v('cli/run'), kind: 'instance' }]);
});

void test('reads a wasi:http/proxy component', async () => {
  const iface = readComponentInterface(await readFile(fixtures['http-proxy']));
  assert.deepEqual(names(iface.exports), [v('http/incoming-handler')]);
  assert.ok(names(iface.imports).includes(v('http/outgoing-handler')));
  assert.ok(names(iface.imports).includes(v('http/types')));
  assert.equal(iface.imports.length, 11);
});

void test('reads sockets and custom-interface components', async () => {
  const sockets = readComponentInterface(await readFile(fixtures.sockets));
  assert.ok(names(sockets.imports).includes(v('sockets/ip-name-lookup')));
  assert.equal(sockets.imports.length, 12);
  const kv = readComponentInterface(await readFile(fixtures['kv-custom']));
  assert.equal(kv.imports[0]?.name, 'acme:kv/store@1.0.0');
  assert.deepEqual(names(kv.exports), [v('cli/run')]);
});

void test('reads a real JS component built by componentize-qjs (plain function exports)', async () => {
  const iface = readComponentInterface(await readFile(fixtures['js-qjs']));
  assert.deepEqual(names(iface.exports).sort(), ['hello', 'init']);
  assert.ok(iface.exports.every((e) => e.kind === 'func'));
  assert.equal(iface.imports.length, 18);
  assert.ok(names(iface.imports).includes(v('random/insecure-seed')));
});

void test('a core module is NOT_A_COMPONENT, with a hint', () => {
  assert.throws(
    () => readComponentInterface(readFileSync(fixtures['core-module'])),
    (err: unknown) => err instanceof ComponentError && err.code === 'NOT_A_COMPONENT' && /core WebAssembly module/.test(err.message),
  );
});

void test('garbage and empty input are NOT_A_COMPONENT', () => {
  for (const bytes of [new Uint8Array(), Buffer.from('hello world, not wasm'), Buffer.from([0, 0x61, 0x73])]) {
    assert.throws(() => readComponentInterface(bytes), (err: unknown) => err instanceof ComponentError && err.code === 'NOT_A_COMPONENT');
  }
});

void test('legacy 0x01 and attributed 0x02 names decode to the same full name', () => {
  // (component (import "a:b/c@1.0.0" (instance (type 0)))) by hand: a deliberate bad-input style test of name tags.
  const name = Buffer.from('a:b/c@1.0.0');
  const typeSection = Buffer.from([7, 3, 1, 0x42, 0]); // one empty instance type
  for (const [tag, suffix] of [
    [0x00, []],
    [0x01, []],
    [0x02, [0]],
  ] as const) {
    const body = Buffer.concat([Buffer.from([1, tag, name.length]), name, Buffer.from(suffix), Buffer.from([0x05, 0])]);
    const importSection = Buffer.concat([Buffer.from([10, body.length]), body]);
    const bin = Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]), typeSection, importSection]);
    assert.deepEqual(readComponentInterface(bin).imports, [{ name: 'a:b/c@1.0.0', kind: 'instance' }]);
  }
});

void test('every truncation of a real component fails cleanly or parses a prefix, never crashes', async () => {
  const bytes = await readFile(fixtures['kv-custom']);
  let errors = 0;
  for (let len = 0; len < bytes.length; len += 7) {
    try {
      readComponentInterface(bytes.subarray(0, len));
    } catch (err) {
      assert.ok(err instanceof ComponentError, `length ${String(len)}: ${String(err)}`);
      assert.match(err.code, /^(NOT_A_COMPONENT|MALFORMED_COMPONENT)$/);
      errors++;
    }
  }
  assert.ok(errors > bytes.length / 14, 'most truncations must be detected');
});

void test('random byte mutations give only ComponentErrors (bounded, seeded)', async () => {
  const original = await readFile(fixtures['http-proxy']);
  let seed = 0x2545f491;
  const rand = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  for (let i = 0; i < 500; i++) {
    const copy = Buffer.from(original);
    for (let k = 0; k < 4; k++) copy[8 + rand(copy.length - 8)] = rand(256);
    try {
      readComponentInterface(copy);
    } catch (err) {
      assert.ok(err instanceof ComponentError, String(err));
    }
  }
});
