import { WpackError } from '@wpack/core';
import { randomBytes } from 'node:crypto';
import { type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ManifestError } from '../errors.js';

/** A sibling temp path: same directory, so the final rename is atomic. */
export function tempSibling(target: string, tag: string): string {
  return join(dirname(target), `.${basename(target)}.${tag}-${randomBytes(6).toString('hex')}`);
}

/** stat that turns "missing" and "not a regular file" into one-line typed errors. */
export async function statRegularFile(path: string, what: string): Promise<Stats> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ManifestError('FILE_NOT_FOUND', `${what} ${path} does not exist`, { cause: err });
    throw new ManifestError('IO_ERROR', `cannot read ${what} ${path}: ${code ?? String(err)}`, { cause: err });
  }
  if (!st.isFile()) throw new ManifestError('FILE_NOT_FOUND', `${what} ${path} is not a regular file`);
  return st;
}

/** Wraps an unexpected fs failure once, at the library boundary. */
export function ioError(action: string, err: unknown): WpackError {
  if (err instanceof WpackError) return err as WpackError;
  const code = (err as NodeJS.ErrnoException).code;
  return new ManifestError('IO_ERROR', `${action}: ${code ?? (err as Error).message}`, { cause: err });
}
