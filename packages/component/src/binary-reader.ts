import { ComponentError } from './errors.js';

/** One decoder for every reader: `decode` without `stream` keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A bounds-checked cursor over a WebAssembly binary. Every read checks the
 * end first, so truncated or hostile input ends in a MALFORMED_COMPONENT
 * error, never an out-of-range read or an endless loop.
 */
export class BinaryReader {
  offset: number;

  constructor(
    readonly bytes: Uint8Array,
    offset = 0,
    readonly end = bytes.length,
  ) {
    this.offset = offset;
  }

  get atEnd(): boolean {
    return this.offset >= this.end;
  }

  fail(what: string): never {
    throw new ComponentError('MALFORMED_COMPONENT', `malformed component at byte ${String(this.offset)}: ${what}`);
  }

  byte(): number {
    if (this.offset >= this.end) this.fail('unexpected end of data');
    return this.bytes[this.offset++] as number;
  }

  /** Unsigned LEB128, at most 5 bytes (core spec `u32`). */
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) this.fail('u32 out of range');
        return result;
      }
    }
    return this.fail('u32 longer than 5 bytes');
  }

  /** Signed LEB128 of up to 33 bits (component `valtype`, `s33` in the core spec). */
  s33(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      if (shift >= 35) this.fail('s33 longer than 5 bytes');
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while ((b & 0x80) !== 0);
    if ((b & 0x40) !== 0) result -= 2 ** shift;
    return result;
  }

  skip(n: number): void {
    if (n > this.end - this.offset) this.fail('unexpected end of data');
    this.offset += n;
  }

  /** core:name — a u32 length and that many bytes of valid UTF-8. */
  name(): string {
    const len = this.u32();
    const start = this.offset;
    this.skip(len);
    try {
      return UTF8.decode(this.bytes.subarray(start, start + len));
    } catch {
      return this.fail('name is not valid UTF-8');
    }
  }
}
