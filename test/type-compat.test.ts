// The type-level world step (DESIGN §7 step 3) on real host/component pairs:
// every component is a jco dummy component built from a WIT variant of one
// base package, acme:shop@1.0.0; every host is a host WIT file loaded through
// a real policy file (host.provides + host.wit), so both sides are read by the
// same code the gate runs. One test per kind of mismatch, one for types shared
// between interfaces (acme:shelf), then every real fixture against its
// matching host profile.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readComponentInterface, readComponentTypes } from '@wpack/component';
import { checkWorld, loadPolicy, nestWitPackage, wasiPackages, type GateFinding, type HostSpec } from '@wpack/verifier';
import { generateKeyPair } from '@wpack/signatures';
import { buildFixtures, type FixtureName } from './fixtures/build.js';
import { tempDir } from './helpers/tmp.js';

const IFACE = 'acme:shop/cart@1.0.0';

/** The base package: every kind of type the comparison distinguishes, each used by a function. */
const BASE_WIT = `package acme:shop@1.0.0;

interface cart {
  record item {
    sku: string,
    qty: u32,
  }

  enum color {
    red,
    green,
    blue,
  }

  flags perms {
    read,
    write,
    admin,
  }

  variant outcome {
    added(u32),
    failed(string),
    empty,
  }

  resource receipt {
    total: func() -> u64;
  }

  resource basket {
    constructor(owner: string);
    add: func(it: item) -> bool;
    size: func() -> u32;
    open: static func(id: u64) -> basket;
  }

  items: func(b: borrow<basket>) -> list<item>;
  checkout: func(b: borrow<basket>) -> receipt;
  split: func(b: borrow<basket>) -> basket;
  paint: func(c: color) -> bool;
  grant: func(p: perms) -> bool;
  apply: func(b: borrow<basket>) -> outcome;
  count: func(sku: string) -> u32;
  ping: func() -> string;
}
`;

/** BASE_WIT with each `from` replaced by `to`; fails when a `from` is not there (the variant would silently be the base). */
function mutate(wit: string, ...edits: [from: string | RegExp, to: string][]): string {
  let out = wit;
  for (const [from, to] of edits) {
    const next = out.replace(from, to);
    assert.notEqual(next, out, `edit ${String(from)} changes the WIT`);
    out = next;
  }
  return out;
}

/** Component-side variants (the component imports acme:shop/cart@1.0.0 as written here). */
const COMPONENT_WIT = {
  base: BASE_WIT,
  resultU64: mutate(BASE_WIT, ['count: func(sku: string) -> u32;', 'count: func(sku: string) -> u64;']),
  fieldRenamed: mutate(BASE_WIT, ['    qty: u32,', '    quantity: u32,']),
  fieldType: mutate(BASE_WIT, ['    qty: u32,', '    qty: u64,']),
  methodChanged: mutate(BASE_WIT, ['size: func() -> u32;', 'size: func() -> u64;']),
  borrowReceipt: mutate(BASE_WIT, ['checkout: func(b: borrow<basket>) -> receipt;', 'checkout: func(b: borrow<receipt>) -> receipt;']),
  ownInsteadOfBorrow: mutate(BASE_WIT, ['split: func(b: borrow<basket>) -> basket;', 'split: func(b: basket) -> basket;']),
  flagsReordered: mutate(BASE_WIT, ['    read,\n    write,\n    admin,', '    write,\n    read,\n    admin,']),
  payloadChanged: mutate(BASE_WIT, ['    added(u32),', '    added(u64),']),
  paramRenamed: mutate(BASE_WIT, ['count: func(sku: string)', 'count: func(code: string)']),
} as const;
type ComponentVariant = keyof typeof COMPONENT_WIT;

/** Host-side variants, each a host.wit file of its own policy. */
const HOST_WIT = {
  base: BASE_WIT,
  noPing: mutate(BASE_WIT, [/\n\s*ping: func\(\) -> string;/, '']),
  noSize: mutate(BASE_WIT, [/\n\s*size: func\(\) -> u32;/, '']),
  extraEnumCase: mutate(BASE_WIT, ['    blue,\n  }', '    blue,\n    black,\n  }']),
  extraFunction: mutate(BASE_WIT, ['  ping: func() -> string;', '  ping: func() -> string;\n  clear: func(b: borrow<basket>);']),
  patch105: mutate(BASE_WIT, ['package acme:shop@1.0.0;', 'package acme:shop@1.0.5;']),
  major2: mutate(BASE_WIT, ['package acme:shop@1.0.0;', 'package acme:shop@2.0.0;']),
} as const;
type HostVariant = keyof typeof HOST_WIT;

/** What each host variant's policy names in host.provides. */
const HOST_PROVIDES: Partial<Record<HostVariant, string>> = {
  patch105: 'acme:shop/cart@1.0.5',
  major2: 'acme:shop/cart@2.0.0',
};

/**
 * A component exporting wasi:cli/run@0.2.12 with `run: func() -> result<_, string>`
 * (the real one is `run: func() -> result`). jco accepts a locally defined
 * wasi:cli@0.2.12 package as long as the real one is not in the same source,
 * so this source carries no other WASI package.
 */
const FAKE_RUN_WIT = `package acme:runner@0.1.0;

world runner {
  export wasi:cli/run@0.2.12;
}

package wasi:cli@0.2.12 {
  interface run {
    run: func() -> result<_, string>;
  }
}
`;

/**
 * A second package whose interface `use`s a record and a resource of another
 * interface: the component then imports both interfaces, and the host
 * provides both from one WIT file. The same text on both sides.
 */
const SHELF_WIT = `package acme:shelf@1.0.0;

interface types {
  record item {
    sku: string,
    qty: u32,
  }

  resource basket {
    size: func() -> u32;
  }
}

interface stock {
  use types.{item, basket};

  take: func(b: borrow<basket>) -> item;
}
`;

const components = new Map<string, Uint8Array>();
const hosts = new Map<HostVariant, HostSpec>();
let shelfHost: HostSpec | undefined;
let work: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  work = await tempDir('wpack-type-compat-');
  const pair = generateKeyPair();
  await writeFile(join(work.dir, 'signer.pub'), pair.publicPem);

  // jco calls stay sequential: a panic inside jco poisons its instance.
  const jco = await import('@bytecodealliance/jco');
  const wasi = (await wasiPackages()).map((p) => p.nested).join('\n');
  for (const [variant, wit] of Object.entries(COMPONENT_WIT)) {
    const witSource = `package acme:app@0.1.0;\n\nworld app {\n  import ${IFACE};\n}\n\n${nestWitPackage(wit, `${variant}.wit`)}\n${wasi}`;
    components.set(variant, await jco.componentNew(await jco.componentEmbed({ dummy: true, witSource, world: 'app' })));
  }
  const shelfSource = `package acme:app@0.1.0;\n\nworld app {\n  import acme:shelf/stock@1.0.0;\n}\n\n${nestWitPackage(SHELF_WIT, 'shelf.wit')}`;
  components.set('shelf', await jco.componentNew(await jco.componentEmbed({ dummy: true, witSource: shelfSource, world: 'app' })));
  components.set('fakeRun', await jco.componentNew(await jco.componentEmbed({ dummy: true, witSource: FAKE_RUN_WIT, world: 'runner' })));

  for (const [variant, wit] of Object.entries(HOST_WIT) as [HostVariant, string][]) {
    const dir = join(work.dir, variant);
    await mkdir(dir);
    await writeFile(join(dir, 'host.wit'), wit);
    const doc = {
      version: 1,
      host: { worlds: [], provides: [HOST_PROVIDES[variant] ?? IFACE], wit: ['host.wit'] },
      signatures: { signers: [{ key: '../signer.pub' }] },
    };
    await writeFile(join(dir, 'policy.json'), JSON.stringify(doc, null, 2));
    const policy = await loadPolicy(join(dir, 'policy.json'));
    hosts.set(variant, policy.host);
  }
  const shelfDir = join(work.dir, 'shelf');
  await mkdir(shelfDir);
  await writeFile(join(shelfDir, 'host.wit'), SHELF_WIT);
  const shelfDoc = {
    version: 1,
    host: { worlds: [], provides: ['acme:shelf/types@1.0.0', 'acme:shelf/stock@1.0.0'], wit: ['host.wit'] },
    signatures: { signers: [{ key: '../signer.pub' }] },
  };
  await writeFile(join(shelfDir, 'policy.json'), JSON.stringify(shelfDoc, null, 2));
  shelfHost = (await loadPolicy(join(shelfDir, 'policy.json'))).host;
});

after(() => work.cleanup());

function component(variant: ComponentVariant | 'fakeRun' | 'shelf'): Uint8Array {
  const bytes = components.get(variant);
  assert.ok(bytes !== undefined, `component ${variant} was built`);
  return bytes;
}

function host(variant: HostVariant): HostSpec {
  const spec = hosts.get(variant);
  assert.ok(spec !== undefined, `host ${variant} was loaded`);
  return spec;
}

/** The world step for one pair, exactly as the gate runs it. */
function check(c: ComponentVariant | 'fakeRun' | 'shelf', h: HostSpec): Promise<GateFinding[]> {
  const bytes = component(c);
  return checkWorld(readComponentInterface(bytes), h, readComponentTypes(bytes));
}

/** The (code, subject) pairs, sorted, as `CODE subject`. */
function pairs(findings: GateFinding[]): string[] {
  return findings.map((f) => `${f.code} ${f.subject ?? '-'}`).sort();
}

/** The one finding with this code and subject. */
function only(findings: GateFinding[], code: string, subject: string): GateFinding {
  const hits = findings.filter((f) => f.code === code && f.subject === subject);
  assert.equal(hits.length, 1, `one ${code} for ${subject} in ${JSON.stringify(findings, null, 2)}`);
  return hits[0] as GateFinding;
}

function assertDifference(f: GateFinding, path: string, need: string, have: string): void {
  assert.ok(f.message.includes(`first difference at ${path}: ${need} vs ${have}`), `expected "first difference at ${path}: ${need} vs ${have}" in: ${f.message}`);
}

const TYPE_CODES = new Set(['MISSING_FUNCTION', 'MISSING_TYPE', 'TYPE_MISMATCH', 'PARAM_NAMES_DIFFER']);

void describe('type compatibility: host WIT vs component, one mismatch at a time', () => {
  void test('the host policy reads the structure of acme:shop/cart from host.wit', () => {
    const base = host('base');
    assert.deepEqual(base.worlds, []);
    assert.deepEqual(base.provides, [IFACE]);
    const types = base.providedTypes?.[IFACE];
    assert.ok(types !== undefined, 'providedTypes has the cart interface');
    for (const t of ['item', 'color', 'perms', 'outcome', 'receipt', 'basket']) assert.ok(t in types.types, `type ${t} is read`);
    for (const f of ['[constructor]basket', '[method]basket.add', '[method]basket.size', '[static]basket.open', '[method]receipt.total', 'checkout', 'ping']) {
      assert.ok(f in types.functions, `function ${f} is read`);
    }
  });

  void test('baseline: the base component against the base host is compatible, no findings', async () => {
    assert.deepEqual(pairs(await check('base', host('base'))), ['WORLD_COMPATIBLE -']);
  });

  void test('changed result type: TYPE_MISMATCH on the function, at result', async () => {
    const findings = await check('resultU64', host('base'));
    assert.deepEqual(pairs(findings), [`TYPE_MISMATCH ${IFACE}#count`]);
    assertDifference(only(findings, 'TYPE_MISMATCH', `${IFACE}#count`), 'result', 'u64', 'u32');
  });

  void test('missing function: the host lacks ping', async () => {
    const findings = await check('base', host('noPing'));
    assert.deepEqual(pairs(findings), [`MISSING_FUNCTION ${IFACE}#ping`]);
    assert.equal(only(findings, 'MISSING_FUNCTION', `${IFACE}#ping`).severity, 'error');
  });

  void test('renamed record field: one TYPE_MISMATCH on the type, grouping the functions that use it', async () => {
    const findings = await check('fieldRenamed', host('base'));
    assert.deepEqual(pairs(findings), [`TYPE_MISMATCH ${IFACE}#item`]);
    const f = only(findings, 'TYPE_MISMATCH', `${IFACE}#item`);
    assertDifference(f, 'item.1', 'field quantity', 'field qty');
    assert.match(f.message, /affects 2 functions: \[method\]basket\.add, items$/);
  });

  void test('changed field type: TYPE_MISMATCH on the type, at the field', async () => {
    const findings = await check('fieldType', host('base'));
    assert.deepEqual(pairs(findings), [`TYPE_MISMATCH ${IFACE}#item`]);
    const f = only(findings, 'TYPE_MISMATCH', `${IFACE}#item`);
    assertDifference(f, 'item.qty', 'u64', 'u32');
    assert.match(f.message, /affects 2 functions: \[method\]basket\.add, items$/);
  });

  void test('changed resource method signature: TYPE_MISMATCH on [method]basket.size', async () => {
    const findings = await check('methodChanged', host('base'));
    assert.deepEqual(pairs(findings), [`TYPE_MISMATCH ${IFACE}#[method]basket.size`]);
    assertDifference(only(findings, 'TYPE_MISMATCH', `${IFACE}#[method]basket.size`), 'result', 'u64', 'u32');
  });

  void test('removed resource method: the host lacks [method]basket.size', async () => {
    const findings = await check('base', host('noSize'));
    assert.deepEqual(pairs(findings), [`MISSING_FUNCTION ${IFACE}#[method]basket.size`]);
  });

  void test('borrow<receipt> where the host takes borrow<basket>: resources are nominal', async () => {
    const findings = await check('borrowReceipt', host('base'));
    assert.deepEqual(pairs(findings), [`TYPE_MISMATCH ${IFACE}#checkout`]);
    // Same-kind handles name their resources by full origin key: two resources may share a name.
    const f = only(findings, 'TYPE_MISMATCH', `${IFACE}#checkout`);
    assertDifference(f, 'param b', 'borrow<acme:shop/cart@1#receipt>', 'borrow<acme:shop/cart@1#basket>');
    assert.ok(f.message.includes('the component imports func(b: borrow<receipt>) -> own<receipt>'), f.message);
  });

  void test('own<basket> where the host takes borrow<basket>', async () => {
    const findings = await check('ownInsteadOfBorrow', host('base'));
    assert.deepEqual(pairs(findings), [`TYPE_MISMATCH ${IFACE}#split`]);
    assertDifference(only(findings, 'TYPE_MISMATCH', `${IFACE}#split`), 'param b', 'own<basket>', 'borrow<basket>');
  });

  void test('an extra enum case on the host is incompatible (exact equality, not width)', async () => {
    const findings = await check('base', host('extraEnumCase'));
    assert.deepEqual(pairs(findings), [`TYPE_MISMATCH ${IFACE}#color`]);
    const f = only(findings, 'TYPE_MISMATCH', `${IFACE}#color`);
    assertDifference(f, 'color.3', '(end)', 'black');
    assert.match(f.message, /affects 1 function: paint$/);
  });

  void test('reordered flags are incompatible', async () => {
    const findings = await check('flagsReordered', host('base'));
    assert.deepEqual(pairs(findings), [`TYPE_MISMATCH ${IFACE}#perms`]);
    const f = only(findings, 'TYPE_MISMATCH', `${IFACE}#perms`);
    assertDifference(f, 'perms.0', 'write', 'read');
    assert.match(f.message, /affects 1 function: grant$/);
  });

  void test('changed variant payload: TYPE_MISMATCH at the case', async () => {
    const findings = await check('payloadChanged', host('base'));
    assert.deepEqual(pairs(findings), [`TYPE_MISMATCH ${IFACE}#outcome`]);
    const f = only(findings, 'TYPE_MISMATCH', `${IFACE}#outcome`);
    assertDifference(f, 'outcome.added', 'u64', 'u32');
    assert.match(f.message, /affects 1 function: apply$/);
  });

  void test('renamed parameter: PARAM_NAMES_DIFFER warning only, still compatible', async () => {
    const findings = await check('paramRenamed', host('base'));
    assert.deepEqual(pairs(findings), [`PARAM_NAMES_DIFFER ${IFACE}#count`, 'WORLD_COMPATIBLE -']);
    const f = only(findings, 'PARAM_NAMES_DIFFER', `${IFACE}#count`);
    assert.equal(f.severity, 'warning');
    assert.ok(!findings.some((x) => x.severity === 'error'));
  });

  void test('a newer host with one more function is compatible (width subtyping)', async () => {
    assert.ok('clear' in (host('extraFunction').providedTypes?.[IFACE]?.functions ?? {}), 'the host has clear');
    const findings = await check('base', host('extraFunction'));
    assert.deepEqual(pairs(findings), ['WORLD_COMPATIBLE -']);
  });

  void test('the same types at another patch version (component @1.0.0, host @1.0.5) are compatible', async () => {
    assert.ok(host('patch105').providedTypes?.['acme:shop/cart@1.0.5'] !== undefined, 'the host types are read at 1.0.5');
    const findings = await check('base', host('patch105'));
    assert.deepEqual(pairs(findings), ['WORLD_COMPATIBLE -']);
  });

  void test('a host on another major track: IMPORT_NOT_PROVIDED, no type findings', async () => {
    const findings = await check('base', host('major2'));
    assert.deepEqual(pairs(findings), [`IMPORT_NOT_PROVIDED ${IFACE}`]);
  });

  void test('a changed export signature: wasi:cli/run#run returning result<_, string>', async () => {
    const bytes = component('fakeRun');
    assert.deepEqual(
      readComponentInterface(bytes).exports.map((e) => e.name),
      ['wasi:cli/run@0.2.12'],
    );
    const findings = await check('fakeRun', { worlds: [{ name: 'wasi:cli/command', version: '0.2.12' }], provides: [] });
    assert.deepEqual(pairs(findings), ['TYPE_MISMATCH wasi:cli/run@0.2.12#run']);
    const f = only(findings, 'TYPE_MISMATCH', 'wasi:cli/run@0.2.12#run');
    assertDifference(f, 'result<err>', 'none', 'string');
    assert.ok(f.message.startsWith('export wasi:cli/run@0.2.12'), f.message);
  });
});

void describe('type compatibility: types shared between interfaces', () => {
  // Product bug (see the report): the host probe is built per provides entry,
  // and a probe importing only acme:shelf/types lacks `item`, which only
  // stock's functions use, so an identical host reports MISSING_TYPE.
  void test('an interface that uses types of another compares clean against the same WIT', async () => {
    assert.ok(shelfHost !== undefined, 'the shelf host was loaded');
    const bytes = component('shelf');
    assert.deepEqual(
      readComponentInterface(bytes).imports.map((i) => i.name),
      ['acme:shelf/types@1.0.0', 'acme:shelf/stock@1.0.0'],
    );
    assert.deepEqual(pairs(await check('shelf', shelfHost)), ['WORLD_COMPATIBLE -']);
  });
});

void describe('type compatibility: every real fixture against its host profile', () => {
  const cases: { fixture: FixtureName; world: string; version: string }[] = [
    { fixture: 'cli-command', world: 'wasi:cli/command', version: '0.2.12' },
    { fixture: 'http-proxy', world: 'wasi:http/proxy', version: '0.2.12' },
    { fixture: 'http-proxy', world: 'wasi:http/proxy', version: '0.2.3' },
    { fixture: 'sockets', world: 'wasi:cli/command', version: '0.2.12' },
    { fixture: 'js-qjs', world: 'wasi:cli/imports', version: '0.2.12' },
  ];
  for (const c of cases) {
    void test(`${c.fixture} compares clean against ${c.world}@${c.version}`, async () => {
      const paths = await buildFixtures();
      const bytes = new Uint8Array(await readFile(paths[c.fixture]));
      const types = readComponentTypes(bytes);
      const findings = await checkWorld(readComponentInterface(bytes), { worlds: [{ name: c.world, version: c.version }], provides: [] }, types);
      const typeFindings = findings.filter((f) => TYPE_CODES.has(f.code));
      assert.deepEqual(typeFindings, [], JSON.stringify(typeFindings, null, 2));
      // The comparison really ran: the component's imports are typed.
      assert.ok(types.imports.some((i) => i.type.kind === 'instance'), 'the fixture has typed instance imports');
    });
  }
});
