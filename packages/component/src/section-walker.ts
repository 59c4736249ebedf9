import { BinaryReader } from './binary-reader.js';

/** One section of a component body: its id and the byte range of its payload. */
export interface Section {
  id: number;
  start: number;
  end: number;
}

/**
 * The sections of a component body (the bytes after its 8-byte preamble), in
 * order. Binary.md: a section is an id byte, a u32 size and that many bytes.
 * The framing is checked here, once, for both readers: a header cut short or
 * a size running past `end` is MALFORMED_COMPONENT, raised when the walk
 * reaches it. Section ids are the caller's to judge.
 */
export function* walkSections(bytes: Uint8Array, start: number, end: number): Generator<Section, void, undefined> {
  const r = new BinaryReader(bytes, start, end);
  while (!r.atEnd) {
    const id = r.byte();
    const size = r.u32();
    const payload = r.offset;
    if (size > end - payload) {
      r.fail(`section ${String(id)} runs past the end of ${end === bytes.length ? 'the file' : 'its component'}`);
    }
    r.offset = payload + size;
    yield { id, start: payload, end: payload + size };
  }
}
