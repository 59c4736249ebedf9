import { open, type FileHandle } from 'node:fs/promises';
import { ManifestError } from '../errors.js';

const BLOCK = 512;
/**
 * Typeflags a bundle may contain. Regular files, plus the link/device/
 * directory types so readBundle can name them in its refusal; pax ('x') only
 * for long paths. GNU long names ('L', 'K'), global pax ('g') and vendor
 * types are refused: parsers disagree about them, and a reader that sees a
 * different entry list than the verifier is how a swapped file slips past a
 * signature check.
 */
const ALLOWED_TYPEFLAGS = new Set(['0', '1', '2', '3', '4', '5', '6', '7', 'x']);
/** Largest tail of zeros after the end-of-archive marker taken as record padding rather than trailing data. */
const MAX_ZERO_PADDING = 1024 * 1024;
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
  /**
   * Bytes after the end-of-archive marker (two all-zero blocks; a second
   * block that is not all zero already counts), unless they are zero record
   * padding: no entry holds them, so no digest covers them.
   */
  trailing: number;
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
  const fh = await open(file, 'r').catch((err: unknown) => {
    throw new ManifestError('FILE_NOT_FOUND', `bundle ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  });
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ManifestError('FILE_NOT_FOUND', `bundle ${file} is not a regular file`);
    const fileSize = st.size;
    const entries: TarEntryRef[] = [];
    const header = Buffer.alloc(BLOCK);
    let pos = 0;
    let longName: string | undefined;
    let headers = 0;
    while (pos + BLOCK <= fileSize) {
      await readExactly(fh, header, pos);
      if (header.every((b) => b === 0)) return { entries, end: pos, fileSize, trailing: await trailingBytes(fh, pos, fileSize) };
      checkChecksum(header, pos, file);
      checkUstar(header, pos, file);
      if (++headers > maxEntries * 2) throw new ManifestError('BUNDLE_TOO_LARGE', `${file} has more than ${String(maxEntries)} entries`);
      const typeflag = header[156] === 0 ? '0' : String.fromCharCode(header[156] as number);
      if (!ALLOWED_TYPEFLAGS.has(typeflag)) {
        throw new ManifestError('BUNDLE_ENTRY_REJECTED', `${file}: tar header type '${typeflag}' at offset ${String(pos)} is not allowed in a bundle`);
      }
      const size = decodeSize(header, pos, file);
      const dataOffset = pos + BLOCK;
      if (dataOffset + size > fileSize) {
        throw new ManifestError('INVALID_BUNDLE', `${file} is truncated (the archive ends inside an entry)`);
      }
      if (typeflag === 'x') {
        if (longName !== undefined) throw new ManifestError('BUNDLE_ENTRY_REJECTED', `${file}: two pax headers in a row at offset ${String(pos)}`);
        longName = await readPaxPath(fh, dataOffset, size, file);
      } else {
        const name = longName ?? headerName(header);
        if (name === '') throw new ManifestError('BUNDLE_ENTRY_REJECTED', `${file}: an entry without a name at offset ${String(pos)}`);
        entries.push({ name, typeflag, size, headerOffset: pos, dataOffset });
        longName = undefined;
        if (entries.length > maxEntries) throw new ManifestError('BUNDLE_TOO_LARGE', `${file} has more than ${String(maxEntries)} entries`);
      }
      pos = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    }
    if (longName !== undefined) throw new ManifestError('INVALID_BUNDLE', `${file} is truncated (a pax header without its entry)`);
    if (pos !== fileSize) throw new ManifestError('INVALID_BUNDLE', `${file} is truncated (the archive ends inside a header)`);
    return { entries, end: pos, fileSize, trailing: 0 };
  } finally {
    await fh.close();
  }
}

/**
 * What follows the marker's two zero blocks; a short or non-zero second block
 * is trailing data itself. A tail of zeros only, up to MAX_ZERO_PADDING, is
 * record padding (GNU tar and bsdtar pad an archive to 10240 bytes), not
 * data: every tar reader skips it.
 */
async function trailingBytes(fh: FileHandle, end: number, fileSize: number): Promise<number> {
  const afterFirst = end + BLOCK;
  if (afterFirst >= fileSize) return 0;
  const tail = fileSize - afterFirst;
  // One read serves both questions: is it all padding, and is the second block of the marker zero?
  const head = Buffer.alloc(Math.min(tail, MAX_ZERO_PADDING));
  await readExactly(fh, head, afterFirst);
  if (head.length === tail && head.every((b) => b === 0)) return 0;
  if (tail < BLOCK) return tail;
  return head.subarray(0, BLOCK).every((b) => b === 0) ? tail - BLOCK : tail;
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

/** POSIX ustar magic and version ("ustar\0" "00"), which is what tar-stream writes and reads as ustar. */
function checkUstar(h: Buffer, pos: number, file: string): void {
  if (h.toString('latin1', 257, 263) !== 'ustar\0' || h.toString('latin1', 263, 265) !== '00') {
    throw new ManifestError('INVALID_BUNDLE', `${file}: the tar header at offset ${String(pos)} is not POSIX ustar`);
  }
}

/** Size field: octal text, or base-256 (lead byte exactly 0x80, positive) for sizes of 8 GiB and more. */
function decodeSize(h: Buffer, pos: number, file: string): number {
  if (h[124] === 0xff || ((h[124] as number) & 0x80) !== 0 && h[124] !== 0x80) {
    throw new ManifestError('INVALID_BUNDLE', `${file} has a corrupt size field at offset ${String(pos)}`);
  }
  if (h[124] === 0x80) {
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
  const prefix = cstr(345, 155); // ustar was checked by checkUstar
  return prefix ? `${prefix}/${name}` : name;
}

/**
 * A pax header (POSIX.1-2001) holding exactly one record, `path`, which is
 * all tar-stream writes: any other key (size, linkpath, …) changes how some
 * parser reads the next entry, so it is refused.
 */
async function readPaxPath(fh: FileHandle, at: number, size: number, file: string): Promise<string> {
  if (size === 0 || size > MAX_LONG_HEADER) throw new ManifestError('BUNDLE_ENTRY_REJECTED', `${file}: a pax header of ${String(size)} bytes`);
  const buf = Buffer.alloc(size);
  await readExactly(fh, buf, at);
  const bad = (why: string): never => {
    throw new ManifestError('BUNDLE_ENTRY_REJECTED', `${file}: pax header at offset ${String(at - BLOCK)}: ${why}`);
  };
  // "<len> <key>=<value>\n", len counting the whole record.
  const space = buf.indexOf(0x20);
  const len = space > 0 ? Number(buf.toString('latin1', 0, space)) : NaN;
  if (!Number.isSafeInteger(len) || len !== size || buf[size - 1] !== 0x0a) bad('one path record expected');
  const record = buf.toString('utf8', space + 1, size - 1);
  if (!record.startsWith('path=')) bad(`record ${JSON.stringify(record.split('=')[0])} is not allowed`);
  const path = record.slice('path='.length);
  if (path === '') bad('empty path');
  return path;
}
