// The component type reader on EXPORTS: wit-component wraps each exported
// interface in a nested shim component instantiated `with` the lifted
// functions and the re-exported types, so the reader evaluates the nested
// components to learn what is exported. Read back from real components built
// from WIT (test/fixtures/build.ts, jco) and componentize-qjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { formatFuncType, readComponentInterface, readComponentTypes } from '@wpack/component';
import type { ComponentTypes, ExportedType, FuncType, InstanceType } from '@wpack/component';
import { wasiPackages } from '@wpack/verifier';
import { buildFixtures } from './fixtures/build.js';
import { prng, readBounded, sections } from './helpers/wasm-bytes.js';

const fixtures = await buildFixtures();
const read = async (name: keyof typeof fixtures): Promise<Uint8Array> => new Uint8Array(await readFile(fixtures[name]));

function exported(types: ComponentTypes, name: string): ExportedType {
  const found = types.exports.find((e) => e.name === name)?.type;
  assert.ok(found !== undefined, `export ${name}`);
  return found;
}

function instance(types: ComponentTypes, name: string): InstanceType {
  const found = exported(types, name);
  assert.ok(found.kind === 'instance', `${name} is an instance export: ${JSON.stringify(found)}`);
  return found;
}

function func(inst: InstanceType, name: string): FuncType {
  const f = inst.functions[name];
  assert.ok(f !== undefined, `function ${name}`);
  return f;
}

/** Every function of an instance, as WIT-like text with resources by origin key. */
const signatures = (inst: InstanceType): Record<string, string> =>
  Object.fromEntries(Object.entries(inst.functions).map(([n, f]) => [n, formatFuncType(f, { origins: true })]));

void test('cli-command: wasi:cli/run is exported as run: func() -> result', async () => {
  const types = readComponentTypes(await read('cli-command'));
  assert.deepEqual(types.warnings, []);
  assert.deepEqual(
    types.exports.map((e) => e.name),
    ['wasi:cli/run@0.2.12'],
  );
  const run = instance(types, 'wasi:cli/run@0.2.12');
  assert.deepEqual(run, { kind: 'instance', functions: { run: { params: [], result: { kind: 'result' } } }, types: {} });
  assert.equal(formatFuncType(func(run, 'run')), 'func() -> result');
});

void test('http-proxy: the incoming handler re-exports wasi:http/types resources with their import origins', async () => {
  const types = readComponentTypes(await read('http-proxy'));
  assert.deepEqual(types.warnings, []);
  const handler = instance(types, 'wasi:http/incoming-handler@0.2.12');
  assert.equal(
    formatFuncType(func(handler, 'handle')),
    'func(request: own<incoming-request>, response-out: own<response-outparam>)',
  );
  assert.deepEqual(func(handler, 'handle').params, [
    { name: 'request', type: { kind: 'own', resource: 'wasi:http/types@0.2#incoming-request' } },
    { name: 'response-out', type: { kind: 'own', resource: 'wasi:http/types@0.2#response-outparam' } },
  ]);
  assert.deepEqual(handler.types, {
    'incoming-request': { kind: 'resource', origin: 'wasi:http/types@0.2#incoming-request' },
    'response-outparam': { kind: 'resource', origin: 'wasi:http/types@0.2#response-outparam' },
  });
  // The same identity as the imported wasi:http/types resources.
  const imported = types.imports.find((i) => i.name === 'wasi:http/types@0.2.12')?.type;
  assert.ok(imported?.kind === 'instance');
  assert.deepEqual(imported.types['incoming-request'], handler.types['incoming-request']);
});

void test('js-qjs (componentize-qjs, composed of nested components): exports init and hello typed', async () => {
  const bytes = await read('js-qjs');
  const types = readComponentTypes(bytes);
  assert.deepEqual(types.warnings, []);
  assert.deepEqual(
    types.exports.map((e) => e.name),
    readComponentInterface(bytes).exports.map((e) => e.name),
  );
  assert.deepEqual(
    types.exports.map((e) => e.name),
    ['init', 'hello'],
  );
  const hello = exported(types, 'hello');
  assert.ok(hello.kind === 'func');
  assert.equal(formatFuncType(hello.type), 'func(name: string) -> string');
  assert.deepEqual(hello.type, { params: [{ name: 'name', type: { kind: 'string' } }], result: { kind: 'string' } });
  // componentize-qjs' own entry point, exported next to the world's functions.
  const init = exported(types, 'init');
  assert.ok(init.kind === 'func');
  assert.equal(
    formatFuncType(init.type),
    'func(shim: string, script: string, entry-path: option<string>, disable-gc: bool) -> result<_, string>',
  );
  assert.deepEqual(JSON.parse(JSON.stringify(types)), types);

  const runs = 200;
  for (let i = 0; i < 20; i++) readComponentTypes(bytes); // warm up
  const start = performance.now();
  for (let i = 0; i < runs; i++) readComponentTypes(bytes);
  const ms = (performance.now() - start) / runs;
  console.log(`# js-qjs (${String(bytes.length)} bytes): readComponentTypes ${ms.toFixed(2)} ms (warm average of ${String(runs)})`);
  assert.ok(ms < 100, `read in ${ms.toFixed(2)} ms`);
});

void test('an exported interface that DEFINES a resource: its origin is the exported interface (jco, from WIT)', async () => {
  const jco = await import('@bytecodealliance/jco');
  const wasi = (await wasiPackages()).map((p) => p.nested).join('\n');
  const witSource = `package test:res@1.2.3;
interface counter {
  use wasi:io/poll@0.2.12.{pollable};
  resource thing {
    constructor(start: u32);
    get: func() -> u32;
    subscribe: func() -> pollable;
  }
  record pair { a: thing, b: u32 }
  make: func(n: u32) -> thing;
}
interface user {
  use counter.{thing};
  take: func(t: borrow<thing>) -> u32;
}
world w {
  export counter;
  export user;
}

${wasi}`;
  const bytes = await jco.componentNew(await jco.componentEmbed({ dummy: true, witSource, world: 'w' }));
  const types = readComponentTypes(bytes);
  assert.deepEqual(types.warnings, []);
  assert.deepEqual(
    types.exports.map((e) => e.name),
    ['test:res/counter@1.2.3', 'test:res/user@1.2.3'],
  );
  const counter = instance(types, 'test:res/counter@1.2.3');
  assert.deepEqual(counter.types.thing, { kind: 'resource', origin: 'test:res/counter@1#thing' });
  // A resource re-exported from an import keeps the import's origin.
  assert.deepEqual(counter.types.pollable, { kind: 'resource', origin: 'wasi:io/poll@0.2#pollable' });
  assert.deepEqual(signatures(counter), {
    '[constructor]thing': 'func(start: u32) -> own<test:res/counter@1#thing>',
    '[method]thing.get': 'func(self: borrow<test:res/counter@1#thing>) -> u32',
    '[method]thing.subscribe': 'func(self: borrow<test:res/counter@1#thing>) -> own<wasi:io/poll@0.2#pollable>',
    make: 'func(n: u32) -> own<test:res/counter@1#thing>',
  });
  const pair = counter.types.pair;
  assert.ok(pair?.kind === 'named' && pair.type.kind === 'record');
  assert.deepEqual(pair.type.fields[0], { name: 'a', type: { kind: 'own', resource: 'test:res/counter@1#thing' } });
  // The other exported interface uses the same resource: the first export's origin.
  const user = instance(types, 'test:res/user@1.2.3');
  assert.deepEqual(user.types.thing, { kind: 'resource', origin: 'test:res/counter@1#thing' });
  assert.deepEqual(signatures(user), { take: 'func(t: borrow<test:res/counter@1#thing>) -> u32' });
});

const WAT_SHAPES = `(component
  (import "host" (instance $h
    (export "r" (type (sub resource)))
    (export "f" (func (result u32)))))
  (import "comp" (component $c (export "x" (func))))
  (alias export $h "r" (type $r))
  (alias export $h "f" (func $f))
  (type $rec (record (field "a" u32)))
  (component $leaf
    (import "g" (func $g (result u32)))
    (export "g3" (func $g)))
  (component $inner
    (import "g" (func $g (result u32)))
    (import "t" (type $t (sub resource)))
    (alias outer 1 $leaf (component $leaf2))
    (instance $l (instantiate $leaf2 (with "g" (func $g))))
    (alias export $l "g3" (func $g3))
    (export "t2" (type $t))
    (export "g2" (func $g3)))
  (instance $i (instantiate $inner (with "g" (func $f)) (with "t" (type $r))))
  (instance $inl (export "rec" (type $rec)) (export "fn" (func $f)) (export "nested" (instance $i)))
  (alias export $inl "nested" (instance $again))
  (instance $ci (instantiate $c))
  (export "a" (instance $i))
  (export "b" (instance $inl))
  (export "c" (func $f))
  (export "rec" (type $rec))
  (export "again" (instance $again))
  (export "d" (instance $ci)))`;

void test('WAT shapes: inline-export instances, alias outer component, nested instantiation, unknown exports', async () => {
  const jco = await import('@bytecodealliance/jco');
  const types = readComponentTypes(await jco.parse(WAT_SHAPES));
  const g = { params: [], result: { kind: 'u32' } };
  assert.deepEqual(exported(types, 'a'), {
    kind: 'instance',
    functions: { g2: g },
    types: { t2: { kind: 'resource', origin: 'host#r' } },
  });
  assert.deepEqual(exported(types, 'again'), exported(types, 'a'));
  const rec = { kind: 'named', name: 'rec', type: { kind: 'record', fields: [{ name: 'a', type: { kind: 'u32' } }] } };
  assert.deepEqual(exported(types, 'b'), { kind: 'instance', functions: { fn: g }, types: { rec } });
  assert.deepEqual(exported(types, 'c'), { kind: 'func', type: g });
  assert.deepEqual(exported(types, 'rec'), { kind: 'type', type: rec });
  // An instance of an imported component: not modelled, unknown with a warning.
  assert.equal(exported(types, 'd').kind, 'unknown');
  assert.equal(types.warnings.length, 1, types.warnings.join('\n'));
  assert.match(types.warnings[0] ?? '', /^export d: .*imported component comp/);
  assert.ok(types.imports.every((i) => i.type.kind !== 'unknown'));
});

void test('a broken nested shim makes only its export unknown, with a warning; imports stay typed', async () => {
  const bytes = await read('http-proxy');
  const nested = sections(bytes).find((s) => s.id === 4);
  assert.ok(nested !== undefined);
  const patched = bytes.slice();
  patched[nested.start + 4] = 0x0e; // the nested component's version: not a component preamble
  const types = readComponentTypes(patched);
  assert.equal(exported(types, 'wasi:http/incoming-handler@0.2.12').kind, 'unknown');
  assert.equal(types.warnings.length, 1, types.warnings.join('\n'));
  assert.match(types.warnings[0] ?? '', /^export wasi:http\/incoming-handler@0\.2\.12: .*preamble/);
  assert.ok(types.imports.every((i) => i.type.kind === 'instance'));
});

/** `levels` nested components, each instantiating the one inside it twice: 2^levels instantiations. */
function doublingWat(levels: number): string {
  let inner = '(component (type $t (tuple u8 u8 u8 u8 u8 u8 u8 u8)) (export "t" (type $t)))';
  for (let i = 0; i < levels; i++) {
    inner = `(component ${inner.replace(/^\(component/, '(component $c')} (instance $a (instantiate $c)) (instance $b (instantiate $c))
      (alias export $a "t" (type $t)) (export "t" (type $t)) (export "a" (instance $a)) (export "b" (instance $b)))`;
  }
  return inner.replace(/^\(component/, '(component $top').replace(/\)$/, ' (export "top" (instance $a)))');
}

void test('hostile shapes stay bounded: exponential instantiation of nested components', async () => {
  const jco = await import('@bytecodealliance/jco');
  // Valid component text, with nesting depth either side of the limit.
  for (const levels of [20, 40]) {
    const bytes = await jco.parse(doublingWat(levels));
    const start = performance.now();
    const types = readComponentTypes(bytes);
    const ms = performance.now() - start;
    assert.ok(ms < 1000, `${String(levels)} levels: ${ms.toFixed(0)} ms`);
    assert.deepEqual(
      types.exports.map((e) => e.name),
      ['t', 'a', 'b', 'top'],
    );
    assert.ok(types.warnings.every((w) => /too many|too large|deeper than/.test(w)), types.warnings.join('\n'));
    if (levels > 32) {
      assert.equal(exported(types, 't').kind, 'unknown');
      assert.match(types.warnings.join('\n'), /deeper than 32/);
    }
  }
});

void test('hostile shapes stay bounded: a large nested component instantiated many times', async () => {
  const jco = await import('@bytecodealliance/jco');
  const leaf = `(component $leaf ${'(type (tuple u8 u16 u32 u64 s8 s16 s32 s64))'.repeat(2000)}
    (type $t (tuple u8 u8)) (export "t" (type $t)))`;
  const instances = Array.from({ length: 100 }, (_, i) => `(instance $i${String(i)} (instantiate $leaf))`).join(' ');
  const exports = Array.from({ length: 100 }, (_, i) => `(export "e${String(i)}" (instance $i${String(i)}))`).join(' ');
  const bytes = await jco.parse(`(component ${leaf} ${instances} ${exports})`);
  assert.ok(bytes.length > 20_000);
  const start = performance.now();
  const types = readComponentTypes(bytes);
  const ms = performance.now() - start;
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
  assert.equal(exported(types, 'e0').kind, 'instance');
  assert.equal(exported(types, 'e99').kind, 'unknown');
  assert.match(types.warnings.at(-1) ?? '', /^export e99: .*too large to evaluate/);
});

void test('fuzz: every truncation of the WAT shapes component, 500 seeded mutations of the http-proxy shim and exports', async () => {
  const jco = await import('@bytecodealliance/jco');
  const small = await jco.parse(WAT_SHAPES);
  const boundaries = new Set([8, ...sections(small).map((s) => s.end)]);
  for (let n = 0; n < small.length; n++) {
    assert.equal(readBounded(small.subarray(0, n), `truncated at ${String(n)}`), boundaries.has(n), `truncated at ${String(n)}`);
  }
  // Mutations aimed at what the export reader decodes: from the last canon section to the end.
  const proxy = await read('http-proxy');
  const from = sections(proxy).filter((s) => s.id === 8).at(-1)?.start ?? 8;
  const random = prng(20261124);
  let results = 0;
  let typed = 0;
  for (let i = 0; i < 500; i++) {
    const mutated = proxy.slice();
    const flips = 1 + Math.floor(random() * 4);
    for (let f = 0; f < flips; f++) mutated[from + Math.floor(random() * (mutated.length - from))] = Math.floor(random() * 256);
    if (readBounded(mutated, `mutation ${String(i)}`)) {
      results++;
      if (readComponentTypes(mutated).exports[0]?.type.kind === 'instance') typed++;
    }
  }
  assert.ok(results > 0 && typed > 0, `${String(results)} read, ${String(typed)} with a typed export`);
});
