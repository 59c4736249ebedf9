// The producers reader on hand-built binaries: where each section counts
// (the component's own, or nested), what is merged, and what is malformed.
// The real fixtures' sections are checked by test/inspect-component.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ComponentError, readProducers } from '../src/index.js';

const COMPONENT = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
const CORE = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    const low = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? low : low | 0x80);
  } while (n !== 0);
  return out;
}
const name = (s: string): number[] => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];
const section = (id: number, payload: number[]): number[] => [id, ...leb(payload.length), ...payload];
type Fields = [string, [string, string][]][];
/** A `producers` custom section's payload (its name included). */
const producers = (fields: Fields): number[] => [
  ...name('producers'),
  ...leb(fields.length),
  ...fields.flatMap(([field, values]) => [...name(field), ...leb(values.length), ...values.flatMap(([n, v]) => [...name(n), ...name(v)])]),
];
const component = (...sections: number[][]): Uint8Array => new Uint8Array([...COMPONENT, ...sections.flat()]);

const malformed = (err: unknown): boolean => err instanceof ComponentError && err.code === 'MALFORMED_COMPONENT';

void test("the component's own section, and the nested modules' and components' merged, each value once", () => {
  const own = section(0, producers([['processed-by', [['wit-component', '0.259.0']]], ['language', [['Rust', '']]]]));
  const rustc = section(0, producers([['processed-by', [['rustc', '1.90.0'], ['wit-component', '0.259.0']]], ['sdk', [['cargo-component', '0.21']]]]));
  const module = section(1, [...CORE, ...section(0, [...name('name'), 0x00]), ...rustc]);
  const adapter = section(1, [...CORE, ...section(0, producers([['processed-by', [['wit-component', '0.259.0']]], ['other', [['x', '1']]]]))]);
  const inner = section(4, [...COMPONENT, ...section(0, producers([['language', [['JavaScript', 'ES2024']]]]))]);
  assert.deepEqual(readProducers(component(own, module, adapter, inner, section(10, [0x00]))), {
    component: { language: [{ name: 'Rust', version: '' }], 'processed-by': [{ name: 'wit-component', version: '0.259.0' }] },
    nested: {
      language: [{ name: 'JavaScript', version: 'ES2024' }],
      'processed-by': [
        { name: 'rustc', version: '1.90.0' },
        { name: 'wit-component', version: '0.259.0' },
      ],
      sdk: [{ name: 'cargo-component', version: '0.21' }],
    },
  });
});

void test('no producers section anywhere: neither part; other custom sections are skipped', () => {
  assert.deepEqual(readProducers(component()), {});
  assert.deepEqual(readProducers(component(section(0, [...name('component-type:x'), 1, 2, 3]), section(1, [...CORE]))), {});
  assert.deepEqual(readProducers(component(section(0, producers([])))), {});
});

void test('a producers section cut short, with trailing bytes or a name that is not UTF-8 is MALFORMED_COMPONENT', () => {
  const good = producers([['processed-by', [['wit-component', '0.259.0']]]]);
  const cases: [string, number[]][] = [
    ['cut inside a version', good.slice(0, -2)],
    ['a field count beyond the section', [...name('producers'), ...leb(1000)]],
    ['a value count beyond the section', [...name('producers'), 1, ...name('sdk'), ...leb(1000)]],
    ['trailing bytes', [...good, 0x00]],
    ['a tool name that is not UTF-8', [...name('producers'), 1, ...name('sdk'), 1, 0x02, 0xe2, 0x82, ...name('1')]],
  ];
  for (const [what, payload] of cases) {
    assert.throws(() => readProducers(component(section(0, payload))), malformed, `own section: ${what}`);
    assert.throws(() => readProducers(component(section(1, [...CORE, ...section(0, payload)]))), malformed, `nested module: ${what}`);
  }
});

void test('a nested module or component without its preamble, or with broken framing, is MALFORMED_COMPONENT', () => {
  assert.throws(() => readProducers(component(section(1, [...CORE.slice(0, 4), 0x02, 0, 0, 0]))), malformed);
  assert.throws(() => readProducers(component(section(1, CORE.slice(0, 6)))), malformed);
  assert.throws(() => readProducers(component(section(4, [...CORE]))), malformed);
  assert.throws(() => readProducers(component(section(1, [...CORE, 0x00, 0x05, 0x01]))), malformed);
});

void test('a core module or other bytes are NOT_A_COMPONENT, as for the interface reader', () => {
  for (const bytes of [new Uint8Array([...CORE, ...section(0, producers([['language', [['C', '']]]]))]), new Uint8Array([1, 2, 3])]) {
    assert.throws(
      () => readProducers(bytes),
      (err: unknown) => err instanceof ComponentError && err.code === 'NOT_A_COMPONENT',
    );
  }
});
