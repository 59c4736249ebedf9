import { open, unlink } from 'node:fs/promises';
import { ManifestError } from '../errors.js';
import { checkEntryName } from './entry-names.js';
import { indexArchive, type TarIndex } from './tar-index.js';

const BLOCK = 512;

/**
 * Appends one regular-file entry to a tar archive in place, without reading
 * or copying what is already there (a signature on a 1 GiB bundle costs
 * what a signature on an empty one does).
 *
 * Crash-safe in two steps, because the archive ends at its first zero block:
 * 1. the entry's data and a new end-of-archive go after the current end
 *    marker, which stays zero — readers still stop there; fsync;
 * 2. the 512-byte header is written over that marker, a single sector-aligned
 *    write that commits the entry; fsync.
 * An interruption before step 2 leaves the archive exactly as it was.
 */
export async function appendEntry(file: string, name: string, data: Buffer, mtime: Date): Promise<TarIndex> {
  checkEntryName(name);
  return withLock(file, () => append(file, name, data, mtime));
}

async function append(file: string, name: string, data: Buffer, mtime: Date): Promise<TarIndex> {
  const index = await indexArchive(file);
  if (index.trailing > 0) {
    // The entry would be written over them, and what is left of them would still trail the new end.
    throw new ManifestError(
      'INVALID_BUNDLE',
      `${file} has ${String(index.trailing)} bytes after its end-of-archive marker that no digest covers; re-bundle it (or \`wpack extract\` and \`wpack bundle\`) before adding to it`,
    );
  }
  if (index.entries.some((e) => e.name === name)) {
    throw new ManifestError('BUNDLE_ENTRY_REJECTED', `${file} already holds ${name}`);
  }
  const bytes = await encodeEntry(name, data, mtime);
  if (bytes.length < BLOCK * 2 || bytes.subarray(0, BLOCK).every((b) => b === 0)) throw new Error('tar encoding produced no header');
  const fh = await open(file, 'r+');
  try {
    await fh.write(bytes, BLOCK, bytes.length - BLOCK, index.end + BLOCK);
    await fh.sync();
    await fh.write(bytes, 0, BLOCK, index.end);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return index;
}

/**
 * Two appends at once would both write at the same end offset and one
 * signature would silently vanish: an exclusive lock file serialises them.
 */
async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const fh = await open(lock, 'wx').catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ManifestError('BUNDLE_LOCKED', `${file} is being changed by another process (remove ${lock} if none is running)`);
    }
    throw err;
  });
  try {
    await fh.close();
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/** One entry plus the end-of-archive blocks, as tar-stream encodes them. */
async function encodeEntry(name: string, data: Buffer, mtime: Date): Promise<Buffer> {
  // Loaded here: reading a bundle must not pay for the writer.
  const { default: tar } = await import('tar-stream');
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.once('end', resolve);
    pack.once('error', reject);
  });
  pack.entry({ name, size: data.length, mode: 0o644, mtime, uid: 0, gid: 0, uname: '', gname: '', type: 'file' }, data);
  pack.finalize();
  await done;
  const out = Buffer.concat(chunks);
  // A long name would put a pax header first; signature names never need one.
  if (out.toString('latin1', 156, 157) !== '0') throw new Error(`entry name ${name} needs a pax header`);
  return out;
}
