/**
 * The tar writer of DESIGN §3: every header the same fixed fields (mode
 * 0644, uid/gid 0, no user or group names, one mtime), the manifest first,
 * then each file streamed from its source with its size checked and its
 * bytes hashed. createBundle writes through it. OCI pull, which fills an
 * archive blob by blob in whatever order they arrive, takes its layout from
 * it (archiveLayout: the same pack, the same headers) and writes the data at
 * the offsets it gives.
 */
import type tar from 'tar-stream';
import { once } from 'node:events';
import { open, rename, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { sha256Hasher } from '@wpack/core';
import { ManifestError } from '../errors.js';
import { MANIFEST_FILE } from '../manifest/types.js';
import { tempSibling } from './fs-util.js';
import { PositionalWriter } from './positional-writer.js';

/** Size of the reads and writes a file is streamed in. */
export const READ_CHUNK = 1024 * 1024;
/** Bytes the archive may have in flight to disk at once: bounds memory, keeps the disk busy. */
const WRITE_WINDOW = 8 * READ_CHUNK;
/** Every tar header is 512 bytes: the first entry's data starts right after it. */
const BLOCK = 512;

type TarHeader = Parameters<tar.Pack['entry']>[0];
type TarSink = ReturnType<tar.Pack['entry']>;

/** One file entry of an archive: its name, its exact size, and where its bytes come from. */
export interface ArchiveFile {
  path: string;
  size: number;
  /** Yields the bytes; may yield more than `size` to show that a source grew. */
  open(): AsyncIterable<Uint8Array>;
  /** What to name in an error: a file path, a registry blob. */
  label: string;
  /** Set when the source already checks its bytes against this digest (a verified registry stream): not hashed again. */
  verifiedDigest?: string;
}

/**
 * Writes a whole archive to `out` (temp file, fsync, rename): the manifest
 * bytes first, then every file streamed from its source with its size
 * checked. For rebuilding a bundle from elsewhere, e.g. a registry.
 */
export async function writeArchiveFile(out: string, epoch: number, manifest: Buffer, files: ArchiveFile[], onProgress?: (done: number, total: number) => void): Promise<{ size: number; digests: string[] }> {
  const tmp = tempSibling(resolve(out), 'tmp');
  try {
    const digests = await writeArchive(tmp, epoch, manifest, files, files.reduce((n, f) => n + f.size, 0), onProgress);
    const fh = await open(tmp, 'r+');
    let size: number;
    try {
      await fh.sync();
      size = (await fh.stat()).size;
    } finally {
      await fh.close();
    }
    await rename(tmp, out);
    return { size, digests };
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Streams every entry into the new file `tmp`; returns each file's digest, in order. */
export async function writeArchive(
  tmp: string,
  epoch: number,
  manifest: Buffer,
  files: ArchiveFile[],
  total: number,
  onProgress?: (done: number, total: number) => void,
): Promise<string[]> {
  // tar-stream encodes headers and padding; its own 16 KiB buffer would make
  // every 1 MiB chunk wait for the disk, so it gets a window of its own.
  // Loaded here, not at module load: commands that only read bundles never need it.
  const { default: tar } = await import('tar-stream');
  const pack = tar.pack({ highWaterMark: WRITE_WINDOW });
  const fh = await open(tmp, 'wx', 0o644);
  const writer = new PositionalWriter(fh, WRITE_WINDOW);
  pack.on('data', (chunk) => {
    writer.write(chunk as Buffer);
    if (writer.full) {
      pack.pause();
      void writer.drained().then(() => pack.resume());
    }
  });
  const ended = new Promise<void>((resolve) => pack.once('end', resolve));
  // Rejects only: raced against each step so a pack error cannot leave one waiting forever.
  const failed = new Promise<never>((_, reject) => pack.once('error', reject));
  failed.catch(() => undefined);
  try {
    await addBuffer(pack, entryHeader(MANIFEST_FILE, manifest.length, epoch), manifest);
    let done = 0;
    const digests: string[] = [];
    for (const f of files) {
      digests.push(await Promise.race([addFile(pack, entryHeader(f.path, f.size, epoch), f, (n) => onProgress?.((done += n), total)), failed]));
    }
    pack.finalize();
    await Promise.race([ended, failed]);
    await writer.flush();
    return digests;
  } catch (err) {
    pack.destroy();
    await writer.flush().catch(() => undefined);
    throw err;
  } finally {
    await fh.close();
  }
}

/** The one header every entry gets (DESIGN §3): only the name and the size vary. */
function entryHeader(name: string, size: number, epoch: number): TarHeader {
  return { name, size, mode: 0o644, mtime: new Date(epoch * 1000), uid: 0, gid: 0, uname: '', gname: '', type: 'file' };
}

/** Where writeArchive puts everything, for an archive whose files' data is written elsewhere, in any order. */
export interface ArchiveLayout {
  /**
   * Every byte that is not a file's data, at its offset: the headers (PAX
   * ones included), the manifest entry with its bytes, the padding and the
   * end-of-archive marker. Adjacent runs are joined.
   */
  fixed: { offset: number; bytes: Buffer }[];
  /** Where each file's data starts, in the order given; -1 for an empty file, which has none. */
  dataOffsets: number[];
  /** The archive's size in bytes. */
  size: number;
}

/** Zeros standing in for file data while a layout is computed: never written anywhere. */
const FILLER = Buffer.alloc(READ_CHUNK);

/**
 * The layout of the archive writeArchive would write for this manifest and
 * these files, computed by the same tar-stream pack with the same headers,
 * so the bytes are the same by construction. The files' data is stood in
 * for by views of one zero buffer, each recognised by identity as it comes
 * out and only counted (no copy, nothing allocated per byte); every other
 * chunk the pack emits is kept with its offset.
 */
export async function archiveLayout(epoch: number, manifest: Buffer, files: { path: string; size: number }[]): Promise<ArchiveLayout> {
  const { default: tar } = await import('tar-stream');
  const pack = tar.pack();
  const owner = new WeakMap<object, number>();
  const fixed: { offset: number; bytes: Buffer }[] = [];
  const dataOffsets = files.map(() => -1);
  let offset = 0;
  pack.on('data', (data) => {
    const chunk = data as Buffer;
    const file = owner.get(chunk);
    if (file === undefined) {
      const last = fixed[fixed.length - 1];
      if (last !== undefined && last.offset + last.bytes.length === offset) last.bytes = Buffer.concat([last.bytes, chunk]);
      else fixed.push({ offset, bytes: chunk });
    } else if (dataOffsets[file] === -1) {
      dataOffsets[file] = offset;
    }
    offset += chunk.length;
  });
  const ended = new Promise<void>((resolve) => pack.once('end', resolve));
  const failed = new Promise<never>((_, reject) => pack.once('error', reject));
  failed.catch(() => undefined);
  await Promise.race([addBuffer(pack, entryHeader(MANIFEST_FILE, manifest.length, epoch), manifest), failed]);
  for (const [i, f] of files.entries()) {
    let entry!: TarSink;
    const entryDone = new Promise<void>((ok, fail) => {
      entry = pack.entry(entryHeader(f.path, f.size, epoch), (err) => (err ? fail(err) : ok()));
    });
    entryDone.catch(() => undefined);
    for (let left = f.size; left > 0; left -= READ_CHUNK) {
      const piece = FILLER.subarray(0, Math.min(left, READ_CHUNK));
      owner.set(piece, i);
      if (!entry.write(piece)) await Promise.race([once(entry, 'drain'), failed]);
    }
    entry.end(undefined); // streamx types make the argument mandatory
    await Promise.race([entryDone, failed]);
  }
  pack.finalize();
  await Promise.race([ended, failed]);
  // The runs and the data must tile the archive exactly, or a chunk was misread.
  const covered = fixed.reduce((n, r) => n + r.bytes.length, 0) + files.reduce((n, f) => n + f.size, 0);
  if (covered !== offset || files.some((f, i) => f.size > 0 && dataOffsets[i] === -1)) throw new Error('archive layout: the pack did not emit the chunks it was given');
  return { fixed, dataOffsets, size: offset };
}

/**
 * Overwrites the first entry's data (the manifest, right after its header)
 * with bytes of the same length, fsyncs, and returns the file size.
 */
export async function overwriteFirstEntry(tmp: string, data: Buffer): Promise<number> {
  const fh = await open(tmp, 'r+');
  try {
    await fh.write(data, 0, data.length, BLOCK);
    await fh.sync();
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}

function addBuffer(pack: tar.Pack, header: TarHeader, data: Buffer): Promise<void> {
  return new Promise((res, rej) => pack.entry(header, data, (err) => (err ? rej(err) : res())));
}

async function addFile(pack: tar.Pack, header: TarHeader, file: ArchiveFile, progress: (n: number) => void): Promise<string> {
  const hash = file.verifiedDigest === undefined ? sha256Hasher() : undefined;
  let entry!: TarSink;
  const entryDone = new Promise<void>((ok, fail) => {
    entry = pack.entry(header, (err) => (err ? fail(err) : ok()));
  });
  // If the source fails, the pack is destroyed and this entry rejects too; the source's error is the one to report.
  entryDone.catch(() => undefined);
  let seen = 0;
  for await (const buf of coalesce(file.open(), READ_CHUNK)) {
    seen += buf.length;
    if (seen > file.size) break;
    hash?.update(buf);
    if (!entry.write(buf)) await once(entry, 'drain');
    progress(buf.length);
  }
  if (seen !== file.size) {
    throw new ManifestError('FILE_CHANGED', `${file.label} changed while it was being written (expected ${String(file.size)} bytes, read ${String(seen)})`);
  }
  entry.end(undefined); // streamx types make the argument mandatory
  await entryDone;
  return hash === undefined ? (file.verifiedDigest as string) : hash.digest();
}

/**
 * Gathers small chunks (a socket yields 16-64 KiB) into writes of about
 * `size` bytes: one positional write per 64 KiB made a pull 4x slower.
 */
export async function* coalesce(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let held = 0;
  for await (const chunk of source) {
    if (held === 0 && chunk.length >= size) {
      yield chunk;
      continue;
    }
    parts.push(chunk);
    held += chunk.length;
    if (held >= size) {
      yield Buffer.concat(parts, held);
      parts = [];
      held = 0;
    }
  }
  if (held > 0) yield Buffer.concat(parts, held);
}

/**
 * Groups a stream's chunks, as they are, into runs of at least `size` bytes
 * (the last may be shorter): for a gathered write, with no copy.
 */
export async function* gather(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<{ parts: Uint8Array[]; length: number }> {
  let parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of source) {
    parts.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield { parts, length };
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield { parts, length };
}

/** A buffer as a byte source. */
export async function* bytesOf(data: Uint8Array): AsyncGenerator<Uint8Array> {
  await Promise.resolve();
  yield data;
}
