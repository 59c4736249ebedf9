// The component type reader: full structural types of top-level imports,
// read back from real components built from WIT (test/fixtures/build.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ComponentError, formatFuncType, formatValType, originKey, readComponentInterface, readComponentTypes } from '@wpack/component';
import type { ComponentTypes, FuncType, ImportedType, InstanceType, ValType } from '@wpack/component';
import { buildFixtures, FIXTURE_NAMES } from './fixtures/build.js';
import { prng, readBounded, sections } from './helpers/wasm-bytes.js';

const fixtures = await buildFixtures();
const read = async (name: keyof typeof fixtures): Promise<Uint8Array> => new Uint8Array(await readFile(fixtures[name]));

function instance(types: ComponentTypes, name: string): InstanceType {
  const found = types.imports.find((i) => i.name === name)?.type;
  assert.ok(found?.kind === 'instance', `${name} is an instance import`);
  return found;
}

function func(inst: InstanceType, name: string): FuncType {
  const f = inst.functions[name];
  assert.ok(f !== undefined, `function ${name}`);
  return f;
}

/** Strips `named` wrappers: the structure of a type. */
const structure = (t: ValType): ValType => (t.kind === 'named' ? structure(t.type) : t);

const PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
/** Binary.md `valtype` index: s33 LEB128 (indices from 64 on take two bytes). */
const idx = (i: number): number[] => (i < 64 ? [i] : [(i & 0x7f) | 0x80, i >> 7]);

/** A component of one type section holding `entries` (each already encoded). */
function typeSectionComponent(entries: number[][]): Uint8Array {
  const payload = [entries.length, ...entries.flat()];
  assert.ok(entries.length < 128 && payload.length < 128 * 128);
  const size = payload.length < 128 ? [payload.length] : [(payload.length & 0x7f) | 0x80, payload.length >> 7];
  return new Uint8Array([...PREAMBLE, 7, ...size, ...payload]);
}

void test('kv-custom: acme:kv/store@1.0.0 reads back exactly the WIT signatures', async () => {
  const types = readComponentTypes(await read('kv-custom'));
  assert.deepEqual(types.warnings, []);
  assert.equal(types.imports[0]?.name, 'acme:kv/store@1.0.0');
  const store = instance(types, 'acme:kv/store@1.0.0');
  const text = Object.fromEntries(Object.entries(store.functions).map(([n, f]) => [n, formatFuncType(f)]));
  assert.deepEqual(text, {
    get: 'func(key: string) -> result<list<u8>, error>',
    set: 'func(key: string, value: list<u8>) -> result<_, error>',
    delete: 'func(key: string) -> result<_, error>',
  });
  const error = store.types.error;
  assert.ok(error !== undefined && error.kind !== 'resource');
  assert.deepEqual(error, {
    kind: 'named',
    name: 'error',
    type: { kind: 'variant', cases: [{ name: 'not-found' }, { name: 'io', type: { kind: 'string' } }] },
  });
  assert.equal(formatValType(structure(error)), 'variant { not-found, io(string) }');
  // The named type is kept where it is referenced, for grouping mismatches.
  const get = func(store, 'get').result;
  assert.ok(get?.kind === 'result' && get.err?.kind === 'named' && get.err.name === 'error');
});

void test('http-proxy: resources carry origin keys across interfaces', async () => {
  const types = readComponentTypes(await read('http-proxy'));
  assert.deepEqual(types.warnings, []);
  const http = instance(types, 'wasi:http/types@0.2.12');
  assert.deepEqual(http.types.fields, { kind: 'resource', origin: 'wasi:http/types@0.2#fields' });
  // `type headers = fields` is the same resource, not a new one.
  assert.deepEqual(http.types.headers, { kind: 'resource', origin: 'wasi:http/types@0.2#fields' });
  assert.deepEqual(http.types['output-stream'], { kind: 'resource', origin: 'wasi:io/streams@0.2#output-stream' });
  const write = func(http, '[method]outgoing-body.write');
  assert.deepEqual(write.params[0]?.type, { kind: 'borrow', resource: 'wasi:http/types@0.2#outgoing-body' });
  assert.deepEqual(write.result, { kind: 'result', ok: { kind: 'own', resource: 'wasi:io/streams@0.2#output-stream' } });
  assert.equal(formatFuncType(write), 'func(self: borrow<outgoing-body>) -> result<own<output-stream>>');
  assert.equal(
    formatFuncType(write, { origins: true }),
    'func(self: borrow<wasi:http/types@0.2#outgoing-body>) -> result<own<wasi:io/streams@0.2#output-stream>>',
  );
  // The outgoing handler uses wasi:http/types' resources.
  const handler = func(instance(types, 'wasi:http/outgoing-handler@0.2.12'), 'handle');
  assert.deepEqual(handler.params[0]?.type, { kind: 'own', resource: 'wasi:http/types@0.2#outgoing-request' });
});

void test('wasi:io/streams: output-stream.write errors with stream-error, whose variant owns wasi:io/error', async () => {
  const types = readComponentTypes(await read('http-proxy'));
  const streams = instance(types, 'wasi:io/streams@0.2.12');
  const write = func(streams, '[method]output-stream.write');
  assert.equal(formatFuncType(write), 'func(self: borrow<output-stream>, contents: list<u8>) -> result<_, stream-error>');
  assert.ok(write.result?.kind === 'result' && write.result.err !== undefined);
  const err = write.result.err;
  assert.ok(err.kind === 'named' && err.name === 'stream-error');
  assert.deepEqual(err.type, {
    kind: 'variant',
    cases: [
      { name: 'last-operation-failed', type: { kind: 'own', resource: 'wasi:io/error@0.2#error' } },
      { name: 'closed' },
    ],
  });
  assert.deepEqual(streams.types.error, { kind: 'resource', origin: 'wasi:io/error@0.2#error' });
  assert.deepEqual(instance(types, 'wasi:io/error@0.2.12').types.error, streams.types.error);
});

void test('every fixture component reads without warnings, every import typed', async () => {
  for (const name of FIXTURE_NAMES) {
    if (name === 'core-module') continue;
    const bytes = await read(name);
    const types = readComponentTypes(bytes);
    assert.deepEqual(types.warnings, [], name);
    const byName = readComponentInterface(bytes);
    assert.deepEqual(
      types.imports.map((i) => i.name),
      byName.imports.map((i) => i.name),
      name,
    );
    assert.deepEqual(
      types.exports.map((e) => [e.name, e.type.kind]),
      byName.exports.map((e) => [e.name, e.kind]),
      name,
    );
    for (const i of types.imports) assert.equal(i.type.kind, 'instance', `${name}: ${i.name}`);
    const functions = types.imports.flatMap((i) => Object.keys((i.type as InstanceType).functions));
    assert.ok(functions.length > types.imports.length, `${name}: functions read`);
    // Plain data: survives JSON unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(types)), types);
  }
});

void test('js-qjs (componentize-qjs, composed): its top-level imports are typed', async () => {
  const bytes = await read('js-qjs');
  readComponentTypes(bytes); // warm up
  const start = performance.now();
  const types = readComponentTypes(bytes);
  const ms = performance.now() - start;
  assert.deepEqual(types.warnings, []);
  assert.equal(types.imports.length, 18);
  const stdout = instance(types, 'wasi:cli/stdout@0.2.12');
  assert.equal(formatFuncType(func(stdout, 'get-stdout'), { origins: true }), 'func() -> own<wasi:io/streams@0.2#output-stream>');
  assert.ok(ms < 200, `read in ${ms.toFixed(2)} ms`);
});

void test('all value type kinds, resources, async and plain function imports (jco, from WIT)', async () => {
  const jco = await import('@bytecodealliance/jco');
  const witSource = `package test:shapes@0.1.0;
interface all {
  record point { x: s32, y: f64 }
  flags perms { read, write, exec }
  enum color { red, green }
  variant shape { circle(f32), none }
  type alias-point = point;
  resource thing { constructor(name: string); name: func() -> string; make: static func() -> thing; }
  f: func(a: bool, b: s8, c: u16, d: s64, e: char, p: point, q: perms, r: color, s: shape, t: tuple<u8, string>, o: option<list<alias-point>>) -> result;
  g: func(t: borrow<thing>) -> result<thing>;
  h: async func(s: stream<u8>, f: future) -> future<string>;
}
world w { import all; import run: func(x: u32, y: u64, z: s16, w: f32, v: u8) -> string; }
`;
  const bytes = await jco.componentNew(await jco.componentEmbed({ dummy: true, witSource, world: 'w' }));
  const types = readComponentTypes(bytes);
  assert.deepEqual(types.warnings, []);
  const all = instance(types, 'test:shapes/all@0.1.0');
  const text = (n: string): string => formatFuncType(func(all, n));
  assert.equal(
    text('f'),
    'func(a: bool, b: s8, c: u16, d: s64, e: char, p: point, q: perms, r: color, s: shape, t: tuple<u8, string>, o: option<list<alias-point>>) -> result',
  );
  assert.equal(text('g'), 'func(t: borrow<thing>) -> result<own<thing>>');
  assert.equal(text('h'), 'async func(s: stream<u8>, f: future) -> future<string>');
  assert.equal(text('[constructor]thing'), 'func(name: string) -> own<thing>');
  assert.equal(text('[static]thing.make'), 'func() -> own<thing>');
  assert.deepEqual(all.types.thing, { kind: 'resource', origin: 'test:shapes/all@0.1#thing' });
  const shown = Object.fromEntries(
    Object.entries(all.types).flatMap(([n, t]) => (t.kind === 'named' ? [[n, formatValType(t.type)]] : [])),
  );
  assert.deepEqual(shown, {
    point: 'record { x: s32, y: f64 }',
    perms: 'flags { read, write, exec }',
    color: 'enum { red, green }',
    shape: 'variant { circle(f32), none }',
    'alias-point': 'record { x: s32, y: f64 }',
  });
  const run: ImportedType | undefined = types.imports.find((i) => i.name === 'run')?.type;
  assert.ok(run?.kind === 'func');
  assert.equal(formatFuncType(run.type), 'func(x: u32, y: u64, z: s16, w: f32, v: u8) -> string');
});

void test('origin keys cut versions to their track', () => {
  assert.equal(originKey('wasi:io/error@0.2.12', 'error'), 'wasi:io/error@0.2#error');
  assert.equal(originKey('acme:kv/store@1.4.2', 'db'), 'acme:kv/store@1#db');
  assert.equal(originKey('acme:kv/store@0.0.3', 'db'), 'acme:kv/store@0.0.3#db');
  assert.equal(originKey('acme:kv/store@1.0.0-rc.1', 'db'), 'acme:kv/store@1.0.0-rc.1#db');
  assert.equal(originKey('acme:kv/store', 'db'), 'acme:kv/store#db');
});

void test('a core module is NOT_A_COMPONENT; garbage and empty input too', async () => {
  const inputs = [await read('core-module'), new Uint8Array(), new TextEncoder().encode('hello, not wasm')];
  for (const bytes of inputs) {
    assert.throws(
      () => readComponentTypes(bytes),
      (err: unknown) => err instanceof ComponentError && err.code === 'NOT_A_COMPONENT',
    );
  }
});

void test('an unknown type opcode makes only the imports that depend on it unknown, with a warning', async () => {
  const bytes = await read('kv-custom');
  const first = sections(bytes)[0];
  // kv-custom opens with a type section holding acme:kv/store's instance type:
  // count, 0x42, declarator count, 0x01 (type), 0x71 (variant error).
  assert.ok(first?.id === 7);
  const at = first.start + 4;
  assert.deepEqual([...bytes.subarray(first.start, at + 1)], [0x01, 0x42, bytes[first.start + 2], 0x01, 0x71]);
  const patched = bytes.slice();
  patched[at] = 0x5a;
  const types = readComponentTypes(patched);
  assert.equal(types.imports[0]?.type.kind, 'unknown');
  assert.equal(types.warnings.length, 2, types.warnings.join('\n'));
  assert.ok(types.warnings.some((w) => w.includes('0x5a')));
  assert.deepEqual(
    types.imports.slice(1).map((i) => i.type.kind),
    ['instance', 'instance', 'instance', 'instance'],
  );
});

void test('an unknown canon opcode is a warning; imports stay typed', async () => {
  const bytes = await read('kv-custom');
  const canon = sections(bytes).find((s) => s.id === 8);
  assert.ok(canon !== undefined);
  const patched = bytes.slice();
  let at = canon.start;
  while (((patched[at] as number) & 0x80) !== 0) at++;
  patched[at + 1] = 0x7e; // the first canon definition's opcode
  const types = readComponentTypes(patched);
  assert.equal(types.warnings.length, 1);
  assert.match(types.warnings[0] ?? '', /canon opcode 0x7e/);
  assert.ok(types.imports.every((i) => i.type.kind === 'instance'));
});

void test('hostile shapes stay bounded: exponential sharing and deep nesting', () => {
  // t0 = u8; t(i) = tuple<t(i-1), t(i-1)>: 2^60 nodes if expanded.
  const doubling = typeSectionComponent([[0x7d], ...Array.from({ length: 60 }, (_, i) => [0x6f, 2, ...idx(i), ...idx(i)])]);
  // t0 = u8; t(i) = list<t(i-1)>, 120 levels.
  const deep = typeSectionComponent([[0x7d], ...Array.from({ length: 120 }, (_, i) => [0x70, ...idx(i)])]);
  for (const bytes of [doubling, deep]) {
    const start = performance.now();
    const types = readComponentTypes(bytes);
    assert.ok(performance.now() - start < 500);
    assert.equal(types.warnings.length, 1);
    assert.match(types.warnings[0] ?? '', /larger than|deeper than/);
  }
});

void test('fuzz: every truncation of kv-custom, 500 seeded mutations of http-proxy', async () => {
  const kv = await read('kv-custom');
  // A cut at a section boundary is a valid (smaller) component; anywhere else it is an error.
  const boundaries = new Set([8, ...sections(kv).map((s) => s.end)]);
  for (let n = 0; n < kv.length; n++) {
    assert.equal(readBounded(kv.subarray(0, n), `truncated at ${String(n)}`), boundaries.has(n), `truncated at ${String(n)}`);
  }
  const proxy = await read('http-proxy');
  const random = prng(20261123);
  let results = 0;
  for (let i = 0; i < 500; i++) {
    const mutated = proxy.slice();
    const flips = 1 + Math.floor(random() * 4);
    for (let f = 0; f < flips; f++) {
      mutated[8 + Math.floor(random() * (mutated.length - 8))] = Math.floor(random() * 256);
    }
    if (readBounded(mutated, `mutation ${String(i)}`)) results++;
  }
  assert.ok(results > 0, 'some mutations still read');
});

void test('WAT shapes: top-level type imports, component types, alias outer, fixed-length lists', async () => {
  const jco = await import('@bytecodealliance/jco');
  const bytes = await jco.parse(`(component
    (import "r" (type $r (sub resource)))
    (type $ct (component (import "x" (func)) (export "y" (func))))
    (import "c" (component (type $ct)))
    (type $it (instance
      (alias outer 1 $r (type $r2))
      (export "res" (type $re (eq $r2)))
      (type $o (own $re))
      (type $f (func (param "n" (list u8 4)) (result $o)))
      (export "make" (func (type $f)))))
    (import "i" (instance (type $it)))
    (type $u u32)
    (import "n" (type (eq $u))))`);
  const types = readComponentTypes(bytes);
  assert.deepEqual(types.warnings, []);
  assert.deepEqual(types.imports, [
    { name: 'r', type: { kind: 'type', type: { kind: 'resource', origin: '#r' } } },
    { name: 'c', type: { kind: 'opaque', extern: 'component' } },
    {
      name: 'i',
      type: {
        kind: 'instance',
        functions: {
          make: {
            params: [{ name: 'n', type: { kind: 'list', element: { kind: 'u8' }, length: 4 } }],
            result: { kind: 'own', resource: '#r' },
          },
        },
        types: { res: { kind: 'resource', origin: '#r' } },
      },
    },
    { name: 'n', type: { kind: 'type', type: { kind: 'named', name: 'n', type: { kind: 'u32' } } } },
  ]);
  assert.equal(formatFuncType((types.imports[2]?.type as InstanceType).functions.make as FuncType), 'func(n: list<u8, 4>) -> own<r>');
});
