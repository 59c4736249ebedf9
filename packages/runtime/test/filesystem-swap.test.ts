// A directory the component opened, swapped for a symlink that points out of
// the preopen after it was opened (here by the host, past the component's own
// rename checks): every later call through the descriptor is walked from the
// preopen again, so it does not lead out. In-process, on preview2-shim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { denialSink } from '../src/denials.js';
import { resolveGrants } from '../src/grants.js';
import { filesystemInterfaces } from '../src/wasi/filesystem.js';
import { loadShim } from '../src/wasi/shim.js';

interface Descriptor {
  openAt(flags: object, path: string, open: object, descriptor: object): Descriptor;
  read(length: bigint, offset: bigint): [Uint8Array, boolean];
  write(bytes: Uint8Array, offset: bigint): bigint;
  readDirectory(): { readDirectoryEntry(): { name: string } | undefined };
}

const FOLLOW = { symlinkFollow: true };
const code = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return typeof e === 'object' && e !== null && 'payload' in e ? String(e.payload) : String(e);
  }
};

void test('a directory swapped for a symlink after it was opened: reads, writes and listings stay in the preopen', async () => {
  const top = mkdtempSync(join(tmpdir(), 'wpack-swap-'));
  try {
    const out = join(top, 'out');
    mkdirSync(join(out, 'd'), { recursive: true });
    mkdirSync(join(top, 'outside'));
    writeFileSync(join(top, 'outside', 'secret.txt'), 'top secret');
    const grants = resolveGrants(['filesystem:write:/out'], { dirs: [`${out}::/out`], cacheRoot: join(top, 'cache') });
    const fs = filesystemInterfaces(await loadShim(), grants, denialSink({ write: () => undefined }));
    const [[root]] = (fs['wasi:filesystem/preopens'] as { getDirectories(): [Descriptor, string][] }).getDirectories() as [[Descriptor, string]];
    const d = root.openAt(FOLLOW, 'd', { directory: true }, { read: true });
    // The swap: d moved away, a link to the preopen's parent in its place.
    renameSync(join(out, 'd'), join(out, 'd-old'));
    symlinkSync('..', join(out, 'd'));
    assert.equal(readFileSync(join(out, 'd', 'outside', 'secret.txt'), 'utf8'), 'top secret', 'the host path through the link does lead out');
    assert.equal(code(() => d.openAt(FOLLOW, 'outside/secret.txt', {}, { read: true })), 'not-permitted');
    assert.equal(code(() => d.openAt(FOLLOW, 'outside/pwned.txt', { create: true }, { write: true })), 'not-permitted');
    assert.equal(code(() => d.readDirectory()), 'not-permitted');
    assert.equal(existsSync(join(top, 'outside', 'pwned.txt')), false);
    // Nothing else broke: the preopen itself still works.
    const made = root.openAt(FOLLOW, 'd-old/new.txt', { create: true }, { write: true });
    assert.equal(made.write(new TextEncoder().encode('fine'), 0n), 4n);
    assert.equal(readFileSync(join(out, 'd-old', 'new.txt'), 'utf8'), 'fine');
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
});
