// Reads Binary.md "Canonical Definitions" (section 8). Only `canon lift`
// defines a component function (the export reader needs its type); the rest
// define core functions. Every opcode is decoded so that an unknown, future
// one is noticed and reported.
import type { BinaryReader } from '../binary-reader.js';
import { vecCount } from './extern.js';
import { UnsupportedEncoding } from './scope.js';

/** Immediates after a canon opcode, in order. */
type Imm = 'u32' | 'byte' | 'opts' | 'resultlist';

const LAYOUT: ReadonlyMap<number, readonly Imm[]> = new Map<number, readonly Imm[]>([
  [0x00, ['byte', 'u32', 'opts', 'u32']], // lift: 0x00 core:funcidx opts typeidx
  [0x01, ['byte', 'u32', 'opts']], // lower: 0x00 funcidx opts
  [0x02, ['u32']], // resource.new
  [0x03, ['u32']], // resource.drop
  [0x07, ['u32']], // resource.drop async (older encoders)
  [0x04, ['u32']], // resource.rep
  [0x08, []], // backpressure.set (older encoders)
  [0x24, []], // backpressure.inc
  [0x25, []], // backpressure.dec
  [0x09, ['resultlist', 'opts']], // task.return
  [0x05, []], // task.cancel
  [0x0a, ['byte', 'u32']], // context.get
  [0x0b, ['byte', 'u32']], // context.set
  [0x06, ['byte']], // subtask.cancel async?
  [0x0d, []], // subtask.drop
  [0x0e, ['u32']], // stream.new
  [0x0f, ['u32', 'opts']], // stream.read
  [0x10, ['u32', 'opts']], // stream.write
  [0x11, ['u32', 'byte']], // stream.cancel-read
  [0x12, ['u32', 'byte']], // stream.cancel-write
  [0x13, ['u32']], // stream.drop-readable
  [0x14, ['u32']], // stream.drop-writable
  [0x15, ['u32']], // future.new
  [0x16, ['u32', 'opts']], // future.read
  [0x17, ['u32', 'opts']], // future.write
  [0x18, ['u32', 'byte']], // future.cancel-read
  [0x19, ['u32', 'byte']], // future.cancel-write
  [0x1a, ['u32']], // future.drop-readable
  [0x1b, ['u32']], // future.drop-writable
  [0x1c, ['opts']], // error-context.new
  [0x1d, ['opts']], // error-context.debug-message
  [0x1e, []], // error-context.drop
  [0x1f, []], // waitable-set.new
  [0x20, ['byte', 'u32']], // waitable-set.wait cancel? memory
  [0x21, ['byte', 'u32']], // waitable-set.poll cancel? memory
  [0x22, []], // waitable-set.drop
  [0x23, []], // waitable.join
  [0x26, []], // thread.index
  [0x27, ['u32', 'u32']], // thread.new-indirect
  [0x28, []], // thread.resume-later
  [0x29, ['byte']], // thread.suspend
  [0x0c, ['byte']], // thread.yield
  [0x2a, ['byte']], // thread.suspend-then-resume
  [0x2b, ['byte']], // thread.yield-then-resume
  [0x2c, ['byte']], // thread.suspend-then-promote
  [0x2d, ['byte']], // thread.yield-then-promote
  [0x40, ['byte', 'u32']], // thread.spawn-ref
  [0x41, ['byte', 'u32', 'u32']], // thread.spawn-indirect
  [0x42, ['byte']], // thread.available-parallelism
]);

/** Binary.md `canonopt`: 0x00-0x02 string encodings, 0x06 async; 0x03-0x05, 0x07 take an index. */
function skipOpts(r: BinaryReader): void {
  const count = vecCount(r);
  for (let i = 0; i < count; i++) {
    const opt = r.byte();
    if (opt === 0x03 || opt === 0x04 || opt === 0x05 || opt === 0x07) r.u32();
    else if (opt > 0x07) throw new UnsupportedEncoding(`unknown canon option 0x${opt.toString(16)}`);
  }
}

/**
 * Decodes a whole canon section, calling `onLift` with the type index of
 * every `canon lift` in order (each adds one component function).
 * @throws UnsupportedEncoding on an unknown opcode.
 */
export function readCanonSection(r: BinaryReader, onLift: (typeIndex: number) => void): void {
  const count = vecCount(r);
  for (let i = 0; i < count; i++) {
    const op = r.byte();
    const layout = LAYOUT.get(op);
    if (layout === undefined) throw new UnsupportedEncoding(`unknown canon opcode 0x${op.toString(16)}`);
    for (const [n, imm] of layout.entries()) {
      if (imm === 'u32') {
        const value = r.u32();
        if (op === 0x00 && n === 3) onLift(value);
      } else if (imm === 'byte') r.byte();
      else if (imm === 'opts') skipOpts(r);
      else if (r.byte() === 0x00) r.s33(); // resultlist: 0x00 valtype | 0x01 0x00
      else r.byte();
    }
  }
  if (!r.atEnd) r.fail('trailing bytes in canon section');
}
