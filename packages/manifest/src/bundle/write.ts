import type tar from 'tar-stream';
import { open, readFile, realpath, rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, resolve, sep } from 'node:path';
import { readComponentInterface } from '@wpack/component';
import { ManifestError } from '../errors.js';
import { canonicalJson, sha256Digest, sha256Hasher } from '@wpack/core';
import { loadSourceManifest } from '../manifest/load.js';
import {
  COMPONENT_FILE,
  DEFAULT_RESOURCE_MEDIA_TYPE,
  MANIFEST_FILE,
  MANIFEST_SCHEMA_URI,
  RESOURCES_DIR,
  WASM_MEDIA_TYPE,
  type LockedManifest,
  type SourceManifest,
} from '../manifest/types.js';
import { parseCapability } from '../capabilities/index.js';
import { ioError, statRegularFile, tempSibling } from './fs-util.js';
import { PositionalWriter } from './positional-writer.js';
import { readRange } from './read-ahead.js';
import { DEFAULT_LIMITS } from './limits.js';

export interface CreateBundleOptions {
  /** Seconds since the epoch for every mtime and `created`; default: SOURCE_DATE_EPOCH or 0. */
  sourceDateEpoch?: number;
  /** Called as bytes are packed: (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface CreateBundleResult {
  path: string;
  /** `sha256:…` of the locked wpack.json: the bundle's identity. */
  digest: string;
  manifest: LockedManifest;
  /** Size of the archive in bytes. */
  size: number;
}

const READ_CHUNK = 1024 * 1024;
/** Reads in flight ahead of the hash. */
const READ_AHEAD = 4;
/** A digest of the right length, written first and overwritten in place once the real one is known. */
const PLACEHOLDER_DIGEST = 'sha256:' + '0'.repeat(64);

/** Reads SOURCE_DATE_EPOCH (reproducible-builds.org spec): a non-negative integer of seconds. */
export function sourceDateEpochFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,12}$/.test(raw)) {
    throw new ManifestError('INVALID_MANIFEST', `SOURCE_DATE_EPOCH=${JSON.stringify(raw)} is not a whole number of seconds`);
  }
  return Number(raw);
}

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

interface PlannedFile extends ArchiveFile {
  mediaType: string;
}

/**
 * Writes the bundle of DESIGN §3 for the project in `dir` (its wpack.json).
 *
 * One pass over every byte: the locked manifest goes first but needs the
 * resources' digests, so it is written with placeholder digests of the same
 * length and overwritten in place after the last resource has streamed
 * through the hash. Output goes to a temp file that is renamed at the end.
 */
export async function createBundle(dir: string, out: string, options: CreateBundleOptions = {}): Promise<CreateBundleResult> {
  const epoch = options.sourceDateEpoch ?? sourceDateEpochFromEnv();
  const { manifest: source, path: manifestPath } = await loadSourceManifest(dir);
  const root = resolve(dirname(manifestPath));

  const realRoot = await realpath(root);
  const componentPath = inside(root, source.component, '/component');
  const componentStat = await statRegularFile(componentPath, 'component');
  await staysInside(realRoot, componentPath, '/component');
  if (componentStat.size > DEFAULT_LIMITS.maxComponentBytes) {
    throw new ManifestError('BUNDLE_TOO_LARGE', `component ${componentPath} is ${String(componentStat.size)} bytes, over the ${String(DEFAULT_LIMITS.maxComponentBytes)}-byte limit`);
  }
  const component = await readFile(componentPath).catch((err: unknown) => {
    throw ioError(`cannot read component ${componentPath}`, err);
  });
  const iface = readComponentInterface(component);

  const resources = [...(source.resources ?? [])]
    .map((r) => ({ path: r.path, mediaType: r.mediaType ?? DEFAULT_RESOURCE_MEDIA_TYPE }))
    .sort((a, b) => compare(a.path, b.path));
  const planned: PlannedFile[] = [];
  for (const [i, r] of (source.resources ?? []).entries()) {
    const abs = inside(root, r.path, `/resources/${String(i)}/path`);
    const st = await statRegularFile(abs, 'resource');
    await staysInside(realRoot, abs, `/resources/${String(i)}/path`);
    planned.push({
      path: RESOURCES_DIR + r.path,
      size: st.size,
      mediaType: r.mediaType ?? DEFAULT_RESOURCE_MEDIA_TYPE,
      label: abs,
      // One byte past the stat'ed size, so a file that grew is noticed.
      open: () => readRange(abs, { end: st.size + 1, chunk: READ_CHUNK, depth: READ_AHEAD }),
    });
  }
  planned.sort((a, b) => compare(a.path, b.path));

  const locked = lockManifest(source, epoch, resources, iface);
  locked.files = [
    { path: COMPONENT_FILE, size: component.length, digest: sha256Digest(component), mediaType: WASM_MEDIA_TYPE },
    ...planned.map((f) => ({ path: f.path, size: f.size, digest: PLACEHOLDER_DIGEST, mediaType: f.mediaType })),
  ];
  const placeholder = Buffer.from(canonicalJson(locked));

  const tmp = tempSibling(resolve(out), 'tmp');
  try {
    const total = component.length + planned.reduce((n, f) => n + f.size, 0);
    const componentFile: ArchiveFile = { path: COMPONENT_FILE, size: component.length, label: componentPath, open: () => bytesOf(component) };
    const digests = await writeArchive(tmp, epoch, placeholder, [componentFile, ...planned], total, options.onProgress);
    digests.slice(1).forEach((digest, i) => {
      (locked.files[i + 1] as { digest: string }).digest = digest;
    });
    const final = Buffer.from(canonicalJson(locked));
    if (final.length !== placeholder.length) throw new Error('locked manifest changed length'); // unreachable: digests are fixed-length
    const size = await patchAndSync(tmp, final);
    await rename(tmp, out);
    return { path: out, digest: sha256Digest(final), manifest: locked, size };
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw ioError(`cannot write ${out}`, err);
  }
}

function lockManifest(
  source: SourceManifest,
  epoch: number,
  resources: { path: string; mediaType: string }[],
  iface: LockedManifest['interface'],
): LockedManifest {
  const capabilities = [...new Set((source.capabilities ?? []).map((c) => parseCapability(c).text))].sort(compare);
  const locked: LockedManifest = {
    $schema: MANIFEST_SCHEMA_URI,
    lockVersion: 1,
    name: source.name,
    version: source.version,
    created: new Date(epoch * 1000).toISOString().replace('.000Z', 'Z'),
    component: COMPONENT_FILE,
    capabilities,
    resources,
    files: [],
    interface: iface,
  };
  if (source.description !== undefined) locked.description = source.description;
  if (source.license !== undefined) locked.license = source.license;
  if (source.authors !== undefined) locked.authors = source.authors;
  if (source.source !== undefined) locked.source = source.source;
  if (source.world !== undefined) locked.world = source.world;
  return locked;
}

/** Bytes the archive may have in flight to disk at once: bounds memory, keeps the disk busy. */
const WRITE_WINDOW = 8 * READ_CHUNK;

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

/** Streams every entry into `tmp`; returns each file's digest, in order. */
async function writeArchive(
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
  const header = (name: string, size: number): TarHeader => ({
    name, size, mode: 0o644, mtime: new Date(epoch * 1000), uid: 0, gid: 0, uname: '', gname: '', type: 'file',
  });
  try {
    await addBuffer(pack, header(MANIFEST_FILE, manifest.length), manifest);
    let done = 0;
    const digests: string[] = [];
    for (const f of files) {
      digests.push(await Promise.race([addFile(pack, header(f.path, f.size), f, (n) => onProgress?.((done += n), total)), failed]));
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

/** Overwrites the placeholder manifest (right after its 512-byte header), fsyncs, returns the file size. */
async function patchAndSync(tmp: string, manifest: Buffer): Promise<number> {
  const fh = await open(tmp, 'r+');
  try {
    await fh.write(manifest, 0, manifest.length, 512);
    await fh.sync();
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}

/** Resolves a manifest-relative path, refusing anything that escapes the project directory. */
function inside(root: string, rel: string, pointer: string): string {
  const abs = resolve(root, rel);
  if (!abs.startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new ManifestError('INVALID_MANIFEST', `${pointer}: ${JSON.stringify(rel)} — resolves outside ${root}`);
  }
  return abs;
}

/**
 * A symbolic link inside the project may not lead out of it: bundling an
 * untrusted source tree must not pack /etc/passwd through `notes.txt -> /etc/passwd`.
 */
async function staysInside(realRoot: string, abs: string, pointer: string): Promise<void> {
  const real = await realpath(abs);
  if (!real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) {
    throw new ManifestError('INVALID_MANIFEST', `${pointer}: ${abs} is a link to ${real}, outside the project directory`);
  }
}

/**
 * Gathers small chunks (a socket yields 16-64 KiB) into writes of about
 * `size` bytes: one positional write per 64 KiB made a pull 4x slower.
 */
async function* coalesce(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
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

/** A buffer as a byte source. */
export async function* bytesOf(data: Uint8Array): AsyncGenerator<Uint8Array> {
  await Promise.resolve();
  yield data;
}


/** Byte-wise (code unit) order, independent of locale: part of the format. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
