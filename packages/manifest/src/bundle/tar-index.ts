import { open, type FileHandle } from 'node:fs/promises';
import { ManifestError } from '../errors.js';

const BLOCK = 512;
/** Largest pax or GNU long-name record read while indexing. */
const MAX_LONG_HEADER = 1024 * 1024;

export interface TarEntryRef {
  name: string;
  /** POSIX typeflag character ('0' regular file, 'x' pax, …); '\0' is read as '0'. */
  typeflag: string;
  size: number;
  headerOffset: number;
  dataOffset: number;
}

export interface TarIndex {
  entries: TarEntryRef[];
  /** Offset of the end-of-archive marker (the first all-zero header block), or the file size. */
  end: number;
  fileSize: number;
}

/**
 * Walks a tar archive's headers with positional reads, never reading entry
 * data (pax and GNU long-name records aside). It is how `wpack sign` appends
 * to a multi-GiB bundle without reading it, and how readBundle learns where
 * the archive ends: like GNU tar and POSIX, the first all-zero header block
 * ends the archive, whatever bytes follow it (tar-stream reads on past it).
 * Hand-written because tar-stream can only stream a whole archive.
 */
export async function indexArchive(file: string, maxEntries = 100_000): Promise<TarIndex> {
  const fh = await open(file, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    const entries: TarEntryRef[] = [];
    const header = Buffer.alloc(BLOCK);
    let pos = 0;
    let longName: string | undefined;
    while (pos + BLOCK <= fileSize) {
      await readExactly(fh, header, pos);
      if (header.every((b) => b === 0)) return { entries, end: pos, fileSize };
      checkChecksum(header, pos, file);
      const typeflag = header[156] === 0 ? '0' : String.fromCharCode(header[156] as number);
      const size = decodeSize(header, pos, file);
      const dataOffset = pos + BLOCK;
      if (dataOffset + size > fileSize) {
        throw new ManifestError('INVALID_BUNDLE', `${file} is truncated (the archive ends inside an entry)`);
      }
      if (typeflag === 'x' || typeflag === 'L') {
        longName = await readLongName(fh, typeflag, dataOffset, size, file) ?? longName;
      } else if (typeflag !== 'g') {
        entries.push({ name: longName ?? headerName(header), typeflag, size, headerOffset: pos, dataOffset });
        longName = undefined;
        if (entries.length > maxEntries) throw new ManifestError('BUNDLE_TOO_LARGE', `${file} has more than ${String(maxEntries)} entries`);
      }
      pos = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    }
    if (pos !== fileSize) throw new ManifestError('INVALID_BUNDLE', `${file} is truncated (the archive ends inside a header)`);
    return { entries, end: pos, fileSize };
  } finally {
    await fh.close();
  }
}

async function readExactly(fh: FileHandle, buf: Buffer, at: number): Promise<void> {
  const { bytesRead } = await fh.read(buf, 0, buf.length, at);
  if (bytesRead !== buf.length) throw new ManifestError('IO_ERROR', `short read at offset ${String(at)}`);
}

function checkChecksum(h: Buffer, pos: number, file: string): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] as number);
  const stored = parseInt(h.toString('latin1', 148, 156).replace(/[\0 ]+$/, '').trim(), 8);
  if (stored !== sum) {
    throw new ManifestError(
      'INVALID_BUNDLE',
      pos === 0 ? `${file} is not a tar archive, so not a wpack bundle` : `${file} has a corrupt tar header at offset ${String(pos)}`,
    );
  }
}

/** Size field: octal text, or base-256 when the high bit of its first byte is set (GNU, for ≥ 8 GiB). */
function decodeSize(h: Buffer, pos: number, file: string): number {
  if (((h[124] as number) & 0x80) !== 0) {
    let n = 0;
    for (let i = 125; i < 136; i++) n = n * 256 + (h[i] as number);
    if (!Number.isSafeInteger(n)) throw new ManifestError('BUNDLE_TOO_LARGE', `${file}: entry size at offset ${String(pos)} is too large`);
    return n;
  }
  const text = h.toString('latin1', 124, 136).replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]*$/.test(text)) throw new ManifestError('INVALID_BUNDLE', `${file} has a corrupt size field at offset ${String(pos)}`);
  return text === '' ? 0 : parseInt(text, 8);
}

function headerName(h: Buffer): string {
  const cstr = (from: number, len: number): string => {
    const s = h.subarray(from, from + len);
    const nul = s.indexOf(0);
    return s.subarray(0, nul === -1 ? len : nul).toString('utf8');
  };
  const name = cstr(0, 100);
  const isUstar = h.toString('latin1', 257, 262) === 'ustar';
  const prefix = isUstar ? cstr(345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

/** The `path` record of a pax header, or the name in a GNU 'L' record. */
async function readLongName(fh: FileHandle, typeflag: string, at: number, size: number, file: string): Promise<string | undefined> {
  if (size > MAX_LONG_HEADER) throw new ManifestError('BUNDLE_TOO_LARGE', `${file}: a long-name header of ${String(size)} bytes`);
  const buf = Buffer.alloc(size);
  await readExactly(fh, buf, at);
  if (typeflag === 'L') return buf.toString('utf8').replace(/\0+$/, '');
  // pax records: "<len> <key>=<value>\n" (POSIX.1-2001 pax format).
  let i = 0;
  let path: string | undefined;
  while (i < buf.length) {
    const space = buf.indexOf(0x20, i);
    const len = parseInt(buf.toString('latin1', i, space), 10);
    if (space === -1 || !Number.isSafeInteger(len) || len <= 0 || i + len > buf.length) break;
    const record = buf.toString('utf8', space + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    i += len;
  }
  return path;
}
