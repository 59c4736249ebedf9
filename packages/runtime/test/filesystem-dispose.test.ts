// A descriptor the guest drops is closed at once: the bindings call the
// resource's dispose, and the wrapper passes it on to preview2-shim's file.
// Counted as the process's open file descriptors (Linux /proc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { denialSink } from '../src/denials.js';
import { resolveGrants } from '../src/grants.js';
import { filesystemInterfaces } from '../src/wasi/filesystem.js';
import { loadShim } from '../src/wasi/shim.js';

interface Resource {
  openAt(flags: object, path: string, open: object, descriptor: object): unknown;
  read(length: bigint, offset: bigint): unknown;
}
const DISPOSE: symbol = (Symbol as unknown as { dispose?: symbol }).dispose ?? Symbol.for('dispose');
/** What the bindings do when the guest drops a handle. */
function drop(resource: Resource): void {
  const dispose = (resource as unknown as Record<symbol, (() => void) | undefined>)[DISPOSE];
  assert.equal(typeof dispose, 'function', 'the resource has a dispose for the bindings to call');
  dispose?.call(resource);
}
const openFds = (): number => readdirSync('/proc/self/fd').length;

void test('dropping an opened file closes it; dropping a preopen closes nothing', { skip: existsSync('/proc/self/fd') ? false : 'needs /proc' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wpack-dispose-'));
  try {
    writeFileSync(join(dir, 'f.txt'), 'x');
    const grants = resolveGrants(['filesystem:read:/data'], { dirs: [`${dir}::/data`] });
    const fs = filesystemInterfaces(await loadShim(), grants, denialSink({ write: () => undefined }));
    const [[root]] = (fs['wasi:filesystem/preopens'] as { getDirectories(): [Resource, string][] }).getDirectories() as [[Resource, string]];
    const open = (): Resource => root.openAt({ symlinkFollow: true }, 'f.txt', {}, { read: true }) as Resource;
    drop(open()); // the shim's I/O worker settles on first use
    const before = openFds();
    const files = Array.from({ length: 40 }, open);
    for (const f of files) assert.deepEqual(f.read(1n, 0n), [new Uint8Array([0x78]), false]);
    assert.ok(openFds() >= before + 40, `40 files open: ${String(openFds())} descriptors, ${String(before)} before`);
    for (const f of files) drop(f);
    assert.equal(openFds(), before, 'every dropped file closed');
    drop(root);
    assert.deepEqual(open().read(1n, 0n), [new Uint8Array([0x78]), false], 'the preopen still works after the guest dropped a handle to it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
