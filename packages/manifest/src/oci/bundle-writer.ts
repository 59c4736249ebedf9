import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { sha256Digest } from '@wpack/core';
import { isManifest, verifying, type Body, type Descriptor, type Target } from '@wpack/registry-client';
import { ManifestError } from '../errors.js';
import { tempSibling } from '../bundle/fs-util.js';
import { PositionalWriter } from '../bundle/positional-writer.js';
import { gather, READ_CHUNK, type ArchiveLayout } from '../bundle/tar-writer.js';

/** Bytes in flight to disk at once, over every blob being written: bounds memory, keeps the disk busy. */
const WRITE_WINDOW = 8 * READ_CHUNK;

/** What a pull will write: the archive's layout and which graph nodes fill it. */
export interface BundlePlan {
  /** From archiveLayout(): headers, wpack.json, padding and end marker are written from it at open. */
  layout: ArchiveLayout;
  /** The bundle's files after wpack.json, in archive order, each with the digest of the blob that fills it. */
  files: { path: string; size: number; digest: string }[];
  /**
   * Nodes copy() brings that the layout already holds: the wpack.json blob
   * (written with the headers, from the same bytes the layout was made of).
   * They are checked and kept nowhere.
   */
  expected: Descriptor[];
  /** The manifests of the chosen sub-graph: checked, not written (the bundle holds none). */
  manifests: Descriptor[];
}

export interface BundleWriterOptions {
  /** True for content the source already checked against its descriptor: counted, not hashed again. */
  checked?: (content: Body | AsyncIterable<Uint8Array>) => boolean;
  /** Bytes of the bundle's files written so far, of the total. */
  onProgress?: (done: number, total: number) => void;
}

interface Slot {
  size: number;
  /** Where its bytes go: one offset per bundle file with this digest (none for an expected node). */
  offsets: number[];
  done: boolean;
}

/**
 * The write side of a pull: a Target that accepts exactly the nodes of one
 * planned bundle and writes each blob straight to its place in a temp file
 * beside the output (positional writes, several blobs at once, each byte
 * written once), checked by size and digest as it streams. Anything not in
 * the plan is refused. commit() checks that every planned node came, fsyncs
 * and renames into place; abort() waits for the writes in flight and leaves
 * nothing behind.
 */
export class BundleWriter implements Target {
  readonly name: string;
  private readonly slots = new Map<string, Slot>();
  private readonly writes = new Set<Promise<void>>();
  private stopped: Error | undefined;
  private closed = false;
  private done = 0;
  private readonly total: number;

  private constructor(
    private readonly out: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly writer: PositionalWriter,
    plan: BundlePlan,
    private readonly options: BundleWriterOptions,
  ) {
    this.name = out;
    this.total = plan.files.reduce((n, f) => n + f.size, 0);
    const slot = (desc: { digest: string; size: number }): Slot => {
      const found = this.slots.get(desc.digest) ?? { size: desc.size, offsets: [], done: false };
      if (found.size !== desc.size) throw new ManifestError('INVALID_BUNDLE', `${desc.digest} is named with ${String(found.size)} and ${String(desc.size)} bytes`);
      this.slots.set(desc.digest, found);
      return found;
    };
    plan.files.forEach((f, i) => {
      const at = plan.layout.dataOffsets[i];
      if (at === undefined) throw new Error(`bundle plan: no offset for ${f.path}`);
      const s = slot(f);
      if (f.size > 0) s.offsets.push(at);
    });
    for (const d of [...plan.expected, ...plan.manifests]) slot(d);
  }

  /** Creates the temp file beside `out` and writes everything but the files' data. */
  static async open(out: string, plan: BundlePlan, options: BundleWriterOptions = {}): Promise<BundleWriter> {
    const tmp = tempSibling(resolve(out), 'tmp');
    const fh = await open(tmp, 'wx', 0o644);
    const writer = new PositionalWriter(fh, WRITE_WINDOW);
    let target: BundleWriter;
    try {
      target = new BundleWriter(out, tmp, fh, writer, plan, options);
      for (const run of plan.layout.fixed) writer.writeAt(run.bytes, run.offset);
      await writer.flush();
    } catch (err) {
      await writer.flush().catch(() => undefined);
      await fh.close();
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    return target;
  }

  /** The plan has this node: copy() should bring it. */
  wants(desc: Descriptor): boolean {
    return this.slots.has(desc.digest);
  }

  exists(desc: Descriptor): Promise<boolean> {
    return Promise.resolve(this.slots.get(desc.digest)?.done === true);
  }

  fetch(desc: Descriptor): AsyncIterable<Uint8Array> {
    throw new ManifestError('INVALID_BUNDLE', `${this.name} is being written; ${desc.digest} cannot be read from it`);
  }

  push(desc: Descriptor, content: Body): Promise<void> {
    if (this.stopped !== undefined) return Promise.reject(this.stopped);
    const p = this.store(desc, content);
    this.writes.add(p);
    const forget = (): void => {
      this.writes.delete(p);
    };
    p.then(forget, forget);
    return p;
  }

  tag(): Promise<void> {
    return Promise.reject(new ManifestError('INVALID_BUNDLE', `${this.name} is a bundle file: it has no tags`));
  }

  resolve(reference: string): Promise<Descriptor> {
    return Promise.reject(new ManifestError('INVALID_BUNDLE', `${this.name} is a bundle file: it has no ${reference}`));
  }

  referrers(): Promise<Descriptor[]> {
    return Promise.resolve([]);
  }

  /** Checks every planned node arrived, then fsync and rename into place; returns the file's size. */
  async commit(): Promise<number> {
    const missing = [...this.slots].filter(([, s]) => !s.done).map(([digest]) => digest);
    if (missing.length > 0) throw new ManifestError('INVALID_BUNDLE', `${this.name}: the registry graph did not bring ${missing.join(', ')}`);
    await this.writer.flush();
    await this.fh.sync();
    const size = (await this.fh.stat()).size;
    this.closed = true;
    await this.fh.close();
    await rename(this.tmp, this.out);
    return size;
  }

  /** Stops every write in flight, waits for them, and removes the temp file. */
  async abort(): Promise<void> {
    this.stopped ??= new ManifestError('IO_ERROR', `${this.name}: the pull was abandoned`);
    await Promise.allSettled([...this.writes]);
    await this.writer.flush().catch(() => undefined);
    if (!this.closed) {
      this.closed = true;
      await this.fh.close().catch(() => undefined);
    }
    await unlink(this.tmp).catch(() => undefined);
  }

  private async store(desc: Descriptor, content: Body): Promise<void> {
    const slot = this.slots.get(desc.digest);
    if (slot?.size !== desc.size) {
      throw new ManifestError('INVALID_BUNDLE', `${this.name}: ${desc.digest} (${String(desc.size)} bytes) is not part of the bundle being pulled`);
    }
    if (slot.done) return;
    if (isManifest(desc) || slot.offsets.length === 0) {
      // Small documents: checked whole, and kept nowhere (the bundle holds no manifest; wpack.json is already written).
      const bytes = Buffer.isBuffer(content) ? content : await collectCapped(content(), desc.size, desc.digest);
      if (bytes.length !== desc.size || (!this.isChecked(content) && sha256Digest(bytes) !== desc.digest)) {
        throw new ManifestError('INVALID_BUNDLE', `${this.name}: the bytes pushed as ${desc.digest} are not that content`);
      }
      slot.done = true;
      return;
    }
    const source = Buffer.isBuffer(content) ? once(content) : content();
    const stream = this.isChecked(content) || this.isChecked(source) ? source : verifying(source, desc, `${this.name}: ${desc.digest}`);
    let at = 0;
    // Network chunks are written as they came, gathered into ~1 MiB writes (writev): copying them
    // into one buffer first cost a tenth of a 512 MiB pull.
    for await (const { parts, length } of gather(stream, READ_CHUNK)) {
      if (this.stopped !== undefined) throw this.stopped;
      if (at + length > desc.size) throw new ManifestError('INVALID_BUNDLE', `${this.name}: more than the ${String(desc.size)} bytes of ${desc.digest}`);
      for (const offset of slot.offsets) this.writer.writevAt(parts, offset + at);
      at += length;
      this.done += length * slot.offsets.length;
      this.options.onProgress?.(this.done, this.total);
      if (this.writer.full) await this.writer.drained();
    }
    if (at !== desc.size) throw new ManifestError('INVALID_BUNDLE', `${this.name}: ${String(at)} bytes of ${desc.digest}, expected ${String(desc.size)}`);
    slot.done = true;
  }

  private isChecked(content: Body | AsyncIterable<Uint8Array>): boolean {
    return this.options.checked?.(content) ?? false;
  }
}

async function collectCapped(source: AsyncIterable<Uint8Array>, size: number, digest: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let seen = 0;
  for await (const c of source) {
    seen += c.length;
    if (seen > size) throw new ManifestError('INVALID_BUNDLE', `more than the ${String(size)} bytes of ${digest}`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

// eslint-disable-next-line @typescript-eslint/require-await -- an async iterable of one chunk
async function* once(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}
