// Decoding of names, externtypes and vector counts shared by the type reader.
import type { BinaryReader } from '../binary-reader.js';
import { readExternName as readNameOf } from '../interface-reader.js';
import { UnsupportedEncoding } from './scope.js';

/** Binary.md `externtype`, decoded but not yet resolved against an index space. */
export type ExternDesc =
  | { sort: 'module' }
  | { sort: 'func'; type: number }
  | { sort: 'value' }
  | { sort: 'type'; eq?: number }
  | { sort: 'component'; type: number }
  | { sort: 'instance'; type: number };

/**
 * A vector count, checked against the bytes left (every item takes at least
 * one byte), so a corrupt count cannot drive a long loop.
 */
export function vecCount(r: BinaryReader): number {
  const count = r.u32();
  if (count > r.end - r.offset) r.fail('vector count larger than its section');
  return count;
}

/**
 * An import or export name, decoded as the interface reader does; an encoding it
 * does not know makes the types unreadable (a fall-back to names), not the
 * component malformed.
 */
export function readExternName(r: BinaryReader): string {
  return readNameOf(r, (what) => {
    throw new UnsupportedEncoding(what);
  });
}

/** Binary.md `externtype` (called `externdesc` in older versions). */
export function readExternDesc(r: BinaryReader): ExternDesc {
  const tag = r.byte();
  switch (tag) {
    case 0x00: {
      if (r.byte() !== 0x11) throw new UnsupportedEncoding('core extern that is not a module');
      r.u32();
      return { sort: 'module' };
    }
    case 0x01:
      return { sort: 'func', type: r.u32() };
    case 0x02: {
      // valuebound: 0x00 eq valueidx | 0x01 valtype
      const bound = r.byte();
      if (bound === 0x00) r.u32();
      else if (bound === 0x01) r.s33();
      else throw new UnsupportedEncoding(`unknown value bound 0x${bound.toString(16)}`);
      return { sort: 'value' };
    }
    case 0x03: {
      // typebound: 0x00 eq typeidx | 0x01 sub resource
      const bound = r.byte();
      if (bound === 0x00) return { sort: 'type', eq: r.u32() };
      if (bound === 0x01) return { sort: 'type' };
      throw new UnsupportedEncoding(`unknown type bound 0x${bound.toString(16)}`);
    }
    case 0x04:
      return { sort: 'component', type: r.u32() };
    case 0x05:
      return { sort: 'instance', type: r.u32() };
    default:
      throw new UnsupportedEncoding(`unknown extern type 0x${tag.toString(16)}`);
  }
}

/** Binary.md `sort`: 0x00 is followed by a `core:sort` byte. Returns the component sort byte. */
export function readSort(r: BinaryReader): number {
  const sort = r.byte();
  if (sort === 0x00) r.byte();
  else if (sort > 0x05) throw new UnsupportedEncoding(`unknown sort 0x${sort.toString(16)}`);
  return sort;
}

export const SORT_TYPE = 0x03;
export const SORT_INSTANCE = 0x05;
