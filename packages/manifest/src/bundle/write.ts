/**
 * createBundle: a project directory in, the reproducible bundle of DESIGN §3
 * out. Path safety, manifest locking and the tar writer are modules of
 * their own (path-safety.ts, lock.ts, tar-writer.ts).
 */
import { readFile, realpath, rename, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { readComponentInterface } from '@wpack/component';
import { canonicalJson, sha256Digest } from '@wpack/core';
import { ManifestError } from '../errors.js';
import { loadSourceManifest } from '../manifest/load.js';
import { COMPONENT_FILE, DEFAULT_RESOURCE_MEDIA_TYPE, RESOURCES_DIR, WASM_MEDIA_TYPE, type LockedManifest } from '../manifest/types.js';
import { ioError, statRegularFile, tempSibling } from './fs-util.js';
import { DEFAULT_LIMITS } from './limits.js';
import { compare, lockManifest, sourceDateEpochFromEnv } from './lock.js';
import { inside, staysInside } from './path-safety.js';
import { readRange } from './read-ahead.js';
import { bytesOf, overwriteFirstEntry, READ_CHUNK, writeArchive, type ArchiveFile } from './tar-writer.js';

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

/** Reads in flight ahead of the hash. */
const READ_AHEAD = 4;
/** A digest of the right length, written first and overwritten in place once the real one is known. */
const PLACEHOLDER_DIGEST = 'sha256:' + '0'.repeat(64);

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
    const size = await overwriteFirstEntry(tmp, final);
    await rename(tmp, out);
    return { path: out, digest: sha256Digest(final), manifest: locked, size };
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw ioError(`cannot write ${out}`, err);
  }
}
