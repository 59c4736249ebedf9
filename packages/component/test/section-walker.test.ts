// The one section walker under both readers: ranges, bounds, and what a
// framing error does at the top level (the component is malformed) and inside
// a nested component (only the instance it makes is unknown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ComponentError, readComponentInterface, readComponentTypes } from '../src/index.js';
import { walkSections } from '../src/section-walker.js';

const PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

const malformed = (err: unknown): boolean => err instanceof ComponentError && err.code === 'MALFORMED_COMPONENT';

void test('yields each section id with its payload range, in order', () => {
  // id 0 with 2 bytes; id 1 with a 130-byte payload (a two-byte LEB128 size); id 10 empty.
  const bytes = new Uint8Array([...PREAMBLE, 0x00, 0x02, 0xaa, 0xbb, 0x01, 0x82, 0x01, ...new Array<number>(130).fill(0), 0x0a, 0x00]);
  assert.deepEqual(
    [...walkSections(bytes, 8, bytes.length)],
    [
      { id: 0, start: 10, end: 12 },
      { id: 1, start: 15, end: 145 },
      { id: 10, start: 147, end: 147 },
    ],
  );
  assert.deepEqual([...walkSections(bytes, 8, 8)], []);
});

void test('a size past the end, or a header cut short, is MALFORMED_COMPONENT when the walk reaches it', () => {
  const bytes = new Uint8Array([...PREAMBLE, 0x00, 0x01, 0xaa, 0x01, 0x05, 0x00]);
  const walk = walkSections(bytes, 8, bytes.length);
  assert.deepEqual(walk.next().value, { id: 0, start: 10, end: 11 });
  assert.throws(() => walk.next(), malformed);
  for (const cut of [12, 13]) {
    // 12: only the id byte; 13: a size whose LEB128 never ends.
    const header = new Uint8Array([...PREAMBLE, 0x00, 0x01, 0xaa, 0x01, 0x80, 0x80]).subarray(0, cut + 1);
    assert.throws(() => [...walkSections(header, 8, header.length)], malformed, String(cut));
  }
});

void test('the bounds are those of the range walked, not of the whole buffer', () => {
  // Two sections of a range ending at 12: the second one's 3 bytes run past it.
  const bytes = new Uint8Array([...PREAMBLE, 0x00, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc]);
  assert.deepEqual([...walkSections(bytes, 8, 10)], [{ id: 0, start: 10, end: 10 }]);
  assert.throws(() => [...walkSections(bytes, 8, 12)], malformed);
  assert.equal([...walkSections(bytes, 8, bytes.length)].length, 2);
});

void test('both readers share the framing check: a top-level section past the end fails both', () => {
  const bytes = new Uint8Array([...PREAMBLE, 0x07, 0x09, 0x00]);
  assert.throws(() => readComponentInterface(bytes), malformed);
  assert.throws(() => readComponentTypes(bytes), malformed);
});

void test('a nested section past its component end makes only that instance unknown, with a warning', async () => {
  const jco = await import('@bytecodealliance/jco');
  const bytes = await jco.parse(`(component
    (type $r (record (field "a" u8)))
    (export "r" (type $r))
    (component $c (type $t (tuple u8 u8)) (export "t" (type $t)))
    (instance $i (instantiate $c))
    (export "i" (instance $i)))`);
  const good = readComponentTypes(bytes);
  assert.equal(good.exports.find((e) => e.name === 'i')?.type.kind, 'instance');
  assert.deepEqual(good.warnings, []);

  const nested = [...walkSections(bytes, 8, bytes.length)].find((s) => s.id === 4);
  assert.ok(nested !== undefined);
  // The nested component's first section header follows its preamble.
  const size = nested.start + 9;
  assert.ok((bytes[size] as number) < 0x80 && nested.end - nested.start < 0x7f, 'one-byte sizes');
  const patched = bytes.slice();
  patched[size] = 0x7f; // runs past the nested component, not past the file
  assert.ok(size + 1 + 0x7f > nested.end);

  const types = readComponentTypes(patched);
  assert.deepEqual(types.interface, readComponentInterface(patched));
  assert.equal(types.exports.find((e) => e.name === 'i')?.type.kind, 'unknown');
  assert.equal(types.exports.find((e) => e.name === 'r')?.type.kind, 'type');
  assert.equal(types.warnings.length, 1, types.warnings.join('\n'));
  assert.match(types.warnings[0] ?? '', /^export i: /);
});
