// Helpers for tests that take component binaries apart or mutate them.
import assert from 'node:assert/strict';
import { readComponentTypes } from '@wpack/component';
import { WpackError } from '@wpack/core';

/** The section ids and payload ranges of a component (after its 8-byte preamble), in order. */
export function sections(bytes: Uint8Array): { id: number; start: number; end: number }[] {
  const out: { id: number; start: number; end: number }[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++] as number;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++] as number;
      size += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
    }
    out.push({ id, start: at, end: at + size });
    at += size;
  }
  return out;
}

/** mulberry32: a small deterministic PRNG for mutation tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Calls the type reader and requires a result or a WpackError, quickly. True for a result. */
export function readBounded(bytes: Uint8Array, label: string): boolean {
  const start = performance.now();
  let ok = false;
  try {
    JSON.stringify(readComponentTypes(bytes));
    ok = true;
  } catch (err) {
    if (!(err instanceof WpackError)) assert.fail(`${label}: ${String(err)}`);
  }
  const ms = performance.now() - start;
  assert.ok(ms < 1000, `${label}: took ${ms.toFixed(0)} ms`);
  return ok;
}
