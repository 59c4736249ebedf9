import { sha256Digest, sha256Hasher } from '@wpack/core';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ManifestError } from '../errors.js';
import { MANIFEST_FILE, type LockedFile, type LockedManifest } from '../manifest/types.js';
import { checkEntryName, describeType, isSignatureEntry } from './entry-names.js';
import { ioError } from './fs-util.js';
import { checkRecordedInterface, parseLockedManifest } from './locked-manifest.js';
import { indexArchive, type TarEntryRef } from './tar-index.js';
import { readRange } from './read-ahead.js';
import { DEFAULT_LIMITS, type BundleLimits } from './limits.js';

export type EntryKind = 'manifest' | 'component' | 'resource' | 'signature';

export interface BundleEntryInfo {
  path: string;
  size: number;
  kind: EntryKind;
}

export interface ReadBundleOptions {
  limits?: Partial<BundleLimits>;
  /**
   * Receives each entry's bytes after its name, type and size were checked.
   * Its digest is checked when the entry ends: a caller must treat what it
   * received as unverified until readBundle resolves. Resolve to undefined
   * to skip an entry (its digest is still checked).
   */
  sink?: (entry: BundleEntryInfo) => Promise<Writable | undefined>;
  onProgress?: (done: number, total: number) => void;
  /**
   * What is done with component.wasm once its digest checked out.
   * `check` (default): it is parsed, and a wpack.json that records other
   * imports or exports than it has is refused with INTERFACE_MISMATCH.
   * `return`: its bytes are returned as `componentBytes`, unparsed, and the
   * caller compares them with `manifest.interface` (interfaceDifference):
   * the gate does, to report a mismatch as a finding and to parse the
   * component once, for its types.
   */
  component?: 'check' | 'return';
}

export interface BundleSignatureEntry {
  path: string;
  bytes: Buffer;
}

export interface BundleContents {
  /** `sha256:…` of the locked wpack.json entry. */
  digest: string;
  manifest: LockedManifest;
  manifestBytes: Buffer;
  signatures: BundleSignatureEntry[];
  archiveSize: number;
  /**
   * Bytes after the archive's end-of-archive marker (zero record padding
   * aside). wpack's readers stop at the marker, so they are never read,
   * extracted or pushed; but no digest covers them and other tar readers
   * may read on, so the gate denies such a file (TRAILING_DATA).
   */
  trailingBytes: number;
  /** component.wasm's bytes, digest-checked: only with `component: 'return'`. */
  componentBytes?: Buffer;
}

/**
 * Reads a bundle as untrusted input (DESIGN §3): regular files only, names
 * from the manifest's allow-list in the fixed order, sizes capped and
 * checked against the header before a byte is read, every digest checked,
 * wpack.json canonical and free of duplicate keys, and the interface it
 * records that of component.wasm.
 */
export async function readBundle(file: string, options: ReadBundleOptions = {}): Promise<BundleContents> {
  const state = new BundleState(file, { ...DEFAULT_LIMITS, ...options.limits }, options, true);
  const { archiveSize, trailingBytes } = await walk(file, state);
  const contents: BundleContents = { ...state.finish(), archiveSize, trailingBytes };
  if (options.component === 'return') contents.componentBytes = state.componentBytes();
  return contents;
}

/** What readBundleUnverified gives: the archive as it claims to be. */
export interface UnverifiedBundle {
  /** `sha256:…` of the wpack.json entry's bytes, as for readBundle. */
  digest: string;
  manifest: LockedManifest;
  manifestBytes: Buffer;
  signatures: BundleSignatureEntry[];
  /** component.wasm's bytes as the archive holds them: NOT checked against any digest or declared size. */
  componentBytes: Buffer;
  archiveSize: number;
  /** Bytes after the end-of-archive marker, as for readBundle. */
  trailingBytes: number;
}

/**
 * Reads a bundle WITHOUT checking its digests: for a caller that must look
 * at a bundle whose bytes failed readBundle (the gate, to report every step
 * on what the archive claims) or that only needs the manifest and the
 * signatures (signing, through readBundleHead).
 *
 * It checks what readBundle checks about the archive's structure: tar
 * headers and checksums, every entry lying inside the file, regular files
 * only, names from the allow-list in the fixed order (wpack.json, the files
 * it lists, then signatures), no duplicates, the size caps, no entry larger
 * than wpack.json declares; and wpack.json itself (schema, canonical bytes,
 * no duplicate keys).
 *
 * It does NOT check: any file's digest, that an entry is as long as
 * wpack.json declares (a shorter one is read as it is), or that the
 * interface wpack.json records is component.wasm's (compare with
 * interfaceDifference). Resources are not read at all. Nothing it returns
 * beyond the manifest's own bytes may be trusted.
 */
export async function readBundleUnverified(file: string, options: Pick<ReadBundleOptions, 'limits'> = {}): Promise<UnverifiedBundle> {
  const state = new BundleState(file, { ...DEFAULT_LIMITS, ...options.limits }, {}, false);
  const { archiveSize, trailingBytes } = await walk(file, state);
  return { ...state.finish(), componentBytes: state.componentBytes(), archiveSize, trailingBytes };
}

/** Walks every entry of the archive through `state`; returns the archive's size and what lies past its end marker. */
async function walk(file: string, state: BundleState): Promise<{ archiveSize: number; trailingBytes: number }> {
  const archiveSize = await stat(file).then(
    (s) => s.size,
    (err: unknown) => {
      throw new ManifestError('FILE_NOT_FOUND', `bundle ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    },
  );
  if (archiveSize === 0) throw new ManifestError('INVALID_BUNDLE', `${file} is empty, not a wpack bundle`);

  // One parser for everything that decides what a bundle holds: the strict
  // header index, also used by signing. Two parsers that disagree about an
  // entry are how a signed wpack.json once slid in front of other files.
  const index = await indexArchive(file, state.limits.maxEntries);
  try {
    for (const entry of index.entries) await state.take(entry);
  } catch (err) {
    throw ioError(`cannot read bundle ${file}`, err);
  }
  return { archiveSize, trailingBytes: index.trailing };
}

class BundleState {
  private manifest?: LockedManifest;
  private manifestBytes?: Buffer;
  private component?: Buffer;
  private readonly signatures: BundleSignatureEntry[] = [];
  private readonly seen = new Set<string>();
  private nextFile = 0;
  private signatureBytes = 0;
  private done = 0;
  private total = 0;

  /** `verify`: check every digest and declared size (readBundle); otherwise read as readBundleUnverified says. */
  constructor(
    private readonly file: string,
    readonly limits: BundleLimits,
    private readonly options: ReadBundleOptions,
    private readonly verify: boolean,
  ) {}

  async take(entry: TarEntryRef): Promise<void> {
    const { name, size, typeflag } = entry;
    checkEntryName(name);
    if (typeflag !== '0') this.reject(name, `is ${describeTypeflag(typeflag)}; bundles hold regular files only`);
    if (this.seen.has(name)) this.reject(name, 'appears twice in the archive');
    this.seen.add(name);
    if (this.seen.size > this.limits.maxEntries) {
      throw new ManifestError('BUNDLE_TOO_LARGE', `more than ${String(this.limits.maxEntries)} entries`);
    }

    if (this.manifest === undefined) {
      if (name !== MANIFEST_FILE) this.reject(name, `comes first, but a wpack bundle starts with ${MANIFEST_FILE}`);
      await this.takeManifest(entry, size);
      return;
    }
    const expected = this.manifest.files[this.nextFile];
    if (expected !== undefined) {
      if (name !== expected.path) this.unexpected(name, expected.path);
      this.nextFile++;
      await this.takeFile(entry, expected, this.nextFile === 1 ? 'component' : 'resource');
      return;
    }
    if (!isSignatureEntry(name)) this.unexpected(name, undefined);
    if (size > this.limits.maxSignatureBytes) this.tooLarge(name, size, this.limits.maxSignatureBytes);
    this.signatureBytes += size;
    if (this.signatures.length >= this.limits.maxSignatures || this.signatureBytes > this.limits.maxSignatureTotalBytes) {
      throw new ManifestError('BUNDLE_TOO_LARGE', `more than ${String(this.limits.maxSignatures)} signatures or ${String(this.limits.maxSignatureTotalBytes)} bytes of them`);
    }
    const bytes = await this.collect(entry, { path: name, size, kind: 'signature' });
    this.signatures.push({ path: name, bytes });
  }

  finish(): Omit<BundleContents, 'archiveSize' | 'trailingBytes'> {
    if (this.manifest === undefined || this.manifestBytes === undefined) {
      throw new ManifestError('INVALID_BUNDLE', `${this.file} holds no entries: not a wpack bundle`);
    }
    const missing = this.manifest.files[this.nextFile];
    if (missing !== undefined) {
      throw new ManifestError('INVALID_BUNDLE', `${this.file} is truncated: ${missing.path}, listed in ${MANIFEST_FILE}, is missing`);
    }
    return {
      digest: sha256Digest(this.manifestBytes),
      manifest: this.manifest,
      manifestBytes: this.manifestBytes,
      signatures: this.signatures,
    };
  }

  /** component.wasm's bytes, kept while reading it (finish() made sure it was there). */
  componentBytes(): Buffer {
    if (this.component === undefined) throw new Error('component.wasm was not kept');
    return this.component;
  }

  private async takeManifest(entry: TarEntryRef, size: number): Promise<void> {
    if (size > this.limits.maxManifestBytes) this.tooLarge(MANIFEST_FILE, size, this.limits.maxManifestBytes);
    const bytes = await this.collect(entry, { path: MANIFEST_FILE, size, kind: 'manifest' });
    const manifest = parseLockedManifest(bytes, `${this.file}: ${MANIFEST_FILE}`);
    for (const f of manifest.files) {
      if (f.size > this.limits.maxEntryBytes) this.tooLarge(f.path, f.size, this.limits.maxEntryBytes, 'declares');
    }
    this.total = manifest.files.reduce((n, f) => n + f.size, 0);
    if (this.total > this.limits.maxTotalBytes) {
      throw new ManifestError('BUNDLE_TOO_LARGE', `${MANIFEST_FILE} declares ${String(this.total)} bytes of files, over the ${String(this.limits.maxTotalBytes)}-byte limit`);
    }
    if (manifest.files[0] !== undefined && manifest.files[0].size > this.limits.maxComponentBytes) {
      this.tooLarge(manifest.files[0].path, manifest.files[0].size, this.limits.maxComponentBytes, 'declares');
    }
    this.manifest = manifest;
    this.manifestBytes = bytes;
  }

  private async takeFile(entry: TarEntryRef, expected: LockedFile, kind: EntryKind): Promise<void> {
    const { name, size } = entry;
    if (size > expected.size) this.reject(name, `is ${String(size)} bytes, larger than the ${String(expected.size)} declared in ${MANIFEST_FILE}`);
    if (!this.verify) {
      // Unverified: the component is read as it is; resources are not read.
      if (kind === 'component') this.component = await this.collect(entry, { path: name, size, kind });
      return;
    }
    if (size < expected.size) {
      throw new ManifestError('SIZE_MISMATCH', `entry ${JSON.stringify(name)} is ${String(size)} bytes, but ${MANIFEST_FILE} declares ${String(expected.size)}`);
    }
    const bytes = await this.stream(entry, { path: name, size, kind }, expected.digest, kind === 'component');
    if (kind !== 'component' || bytes === undefined || this.manifest === undefined) return;
    // Digest-checked: these are the bytes wpack.json pins.
    if (this.options.component === 'return') this.component = bytes;
    else checkRecordedInterface(this.file, this.manifest, bytes);
  }

  /** Reads a small entry fully into memory (manifest, signatures); still streamed to the sink. */
  private async collect(entry: TarEntryRef, info: BundleEntryInfo): Promise<Buffer> {
    return (await this.stream(entry, info, undefined, true)) as Buffer;
  }

  private async stream(entry: TarEntryRef, info: BundleEntryInfo, digest: string | undefined, keep: boolean): Promise<Buffer | undefined> {
    const hash = sha256Hasher();
    const chunks: Buffer[] = [];
    const out = this.options.sink ? await this.options.sink(info) : undefined;
    let seen = 0;
    try {
      // Without a sink or a copy to keep, the bytes only feed the hash: read into reused buffers.
      const reuse = out === undefined && !keep;
      for await (const buf of readRange(this.file, { start: entry.dataOffset, end: entry.dataOffset + entry.size, reuse })) {
        seen += buf.length;
        hash.update(buf);
        if (keep) chunks.push(buf);
        if (out && !out.write(buf)) await once(out, 'drain');
        this.done += buf.length;
        this.options.onProgress?.(this.done, this.total);
      }
      if (out) {
        out.end();
        await once(out, 'close');
      }
    } catch (err) {
      out?.destroy();
      throw err;
    }
    if (seen !== info.size) throw new ManifestError('INVALID_BUNDLE', `entry ${JSON.stringify(info.path)} is truncated`);
    const actual = hash.digest();
    if (digest !== undefined && actual !== digest) {
      throw new ManifestError('DIGEST_MISMATCH', `entry ${JSON.stringify(info.path)} has digest ${actual}, but ${MANIFEST_FILE} declares ${digest}`);
    }
    return keep ? Buffer.concat(chunks, seen) : undefined;
  }

  private unexpected(name: string, expected: string | undefined): never {
    const listed = this.manifest?.files.some((f) => f.path === name) === true;
    if (name === MANIFEST_FILE) this.reject(name, 'appears twice in the archive');
    if (listed) this.reject(name, `is out of order (expected ${String(expected)})`);
    return this.reject(name, `is not listed in ${MANIFEST_FILE}${expected ? ` (expected ${expected})` : ''}`);
  }

  private reject(name: string, why: string): never {
    throw new ManifestError('BUNDLE_ENTRY_REJECTED', `entry ${JSON.stringify(name)} ${why}`);
  }

  private tooLarge(name: string, size: number, max: number, verb = 'is'): never {
    throw new ManifestError('BUNDLE_TOO_LARGE', `entry ${JSON.stringify(name)} ${verb} ${String(size)} bytes, over the ${String(max)}-byte limit`);
  }
}


/** Tar typeflags in words, for refusals. */
function describeTypeflag(typeflag: string): string {
  const types: Record<string, string> = { '1': 'link', '2': 'symlink', '3': 'character-device', '4': 'block-device', '5': 'directory', '6': 'fifo', '7': 'contiguous-file' };
  return describeType(types[typeflag] ?? `'${typeflag}'`);
}
