import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { ManifestError } from '../errors.js';
import { ioError, tempSibling } from './fs-util.js';
import { readBundle, type BundleContents, type ReadBundleOptions } from './read.js';

export interface ExtractOptions extends Pick<ReadBundleOptions, 'limits' | 'onProgress'> {
  /** Replace a non-empty target directory. */
  force?: boolean;
  /**
   * The bundle digest a caller already verified: extraction fails, writing
   * nothing, unless the bytes read now are that same bundle (a file swapped
   * between a verification and the extraction).
   */
  expectedDigest?: string;
}

/**
 * Writes a bundle's files into `target` after every check of readBundle has
 * passed. Files go to a temp directory beside the target; only a bundle that
 * read cleanly end to end is renamed into place, so a failure leaves the
 * target as it was and nothing outside it.
 */
export async function extractBundle(file: string, target: string, options: ExtractOptions = {}): Promise<BundleContents> {
  const dest = resolve(target);
  const existing = await inspectTarget(dest);
  if (existing === 'non-empty' && options.force !== true) {
    throw new ManifestError('TARGET_EXISTS', `${target} is not empty (use --force to replace it)`);
  }
  // mkdir returns the first directory it had to create: removed again on failure.
  const createdParent = await mkdir(dirname(dest), { recursive: true });
  const tmp = tempSibling(dest, 'extract');
  await mkdir(tmp, { mode: 0o755 });
  const root = tmp + sep;
  let contents: BundleContents;
  try {
    contents = await readBundle(file, {
      ...options,
      sink: async ({ path }) => {
        const out = resolve(tmp, path);
        // Names were checked against the allow-list already; this is the last line of defence.
        if (!out.startsWith(root)) throw new ManifestError('BUNDLE_ENTRY_REJECTED', `entry ${JSON.stringify(path)} resolves outside the target`);
        await mkdir(dirname(out), { recursive: true });
        return createWriteStream(out, { flags: 'wx', mode: 0o644 });
      },
    });
    if (options.expectedDigest !== undefined && contents.digest !== options.expectedDigest) {
      throw new ManifestError('FILE_CHANGED', `${file} changed after it was verified: it is now ${contents.digest}, not ${options.expectedDigest}`, { category: 'denied' });
    }
    await replace(dest, tmp, existing);
  } catch (err) {
    await rm(createdParent ?? tmp, { recursive: true, force: true });
    throw ioError(`cannot extract ${file}`, err);
  }
  return contents;
}

type TargetState = 'absent' | 'empty' | 'non-empty';

async function inspectTarget(dest: string): Promise<TargetState> {
  let st;
  try {
    st = await stat(dest);
  } catch {
    return 'absent';
  }
  if (!st.isDirectory()) throw new ManifestError('TARGET_EXISTS', `${dest} exists and is not a directory`);
  return (await readdir(dest)).length === 0 ? 'empty' : 'non-empty';
}

async function replace(dest: string, tmp: string, existing: TargetState): Promise<void> {
  if (existing === 'absent') return rename(tmp, dest);
  const old = tempSibling(dest, 'old');
  await rename(dest, old);
  try {
    await rename(tmp, dest);
  } catch (err) {
    await rename(old, dest);
    throw err;
  }
  await rm(old, { recursive: true, force: true });
}

