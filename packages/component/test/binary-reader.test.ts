// The bounds-checked cursor: names share one UTF-8 decoder across readers,
// so a name that fails to decode must leave nothing behind for the next one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ComponentError } from '../src/index.js';
import { BinaryReader } from '../src/binary-reader.js';

const malformed = (err: unknown): boolean => err instanceof ComponentError && err.code === 'MALFORMED_COMPONENT';

void test('an invalid UTF-8 name is MALFORMED_COMPONENT; the next name, in another reader, decodes whole', () => {
  // A cut-short 3-byte sequence (the start of U+20AC), then the full sequence.
  const bad = new BinaryReader(new Uint8Array([0x02, 0xe2, 0x82]));
  assert.throws(() => bad.name(), malformed);
  const good = new BinaryReader(new Uint8Array([0x03, 0xe2, 0x82, 0xac]));
  assert.equal(good.name(), '\u20ac');
  assert.ok(good.atEnd);
});

void test('reads stop at the end given, not at the end of the buffer', () => {
  const r = new BinaryReader(new Uint8Array([0x01, 0x61, 0x62, 0x63]), 0, 2);
  assert.equal(r.name(), 'a');
  assert.throws(() => r.byte(), malformed);
  assert.throws(() => new BinaryReader(new Uint8Array([0x02, 0x61, 0x62]), 0, 2).name(), malformed);
});
