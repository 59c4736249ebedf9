import { open } from 'node:fs/promises';
import { ManifestError } from '@wpack/manifest';

/** What a local file given to `inspect` is, by its first bytes (never by its name). */
export type InputKind = 'bundle' | 'component';

/** Binary.md: every WebAssembly binary, core module or component, starts with `\0asm`. */
const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);
/** POSIX ustar: "ustar\0" at offset 257 of a header block, as every wpack bundle's first block has. */
const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');
const USTAR_AT = 257;

/**
 * `component` for a WebAssembly binary (the component reader tells a core
 * module apart and refuses it), `bundle` for a tar archive, and for what is
 * not a regular file (the bundle reader says what is wrong with it).
 *
 * @throws ManifestError INVALID_BUNDLE for any other bytes.
 */
export async function inputKind(file: string): Promise<InputKind> {
  const fh = await open(file, 'r').catch((err: unknown) => {
    throw new ManifestError('IO_ERROR', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  });
  try {
    if (!(await fh.stat()).isFile()) return 'bundle';
    const head = Buffer.alloc(USTAR_AT + USTAR_MAGIC.length);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead >= WASM_MAGIC.length && head.subarray(0, WASM_MAGIC.length).equals(WASM_MAGIC)) return 'component';
    if (bytesRead === head.length && head.subarray(USTAR_AT).equals(USTAR_MAGIC)) return 'bundle';
    const is = bytesRead === 0 ? 'is empty, so neither' : 'is neither';
    throw new ManifestError('INVALID_BUNDLE', `${file} ${is} a .wpack bundle (a tar archive) nor a WebAssembly component binary`);
  } finally {
    await fh.close();
  }
}
