import { open } from 'node:fs/promises';

/**
 * Yields a file's bytes in order, `chunk` bytes at a time, with `depth`
 * positional reads in flight so the next chunks load while the caller hashes
 * this one (a ReadStream reads one chunk ahead). Stops at `limit` + 1 bytes
 * so a caller can notice a file that grew.
 */
export async function* readAhead(path: string, chunk: number, depth: number, limit: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const end = limit + 1;
    let next = 0;
    const queue: Promise<Buffer>[] = [];
    const issue = (): void => {
      if (next >= end) return;
      const at = next;
      const len = Math.min(chunk, end - at);
      next += len;
      queue.push(fh.read(Buffer.allocUnsafeSlow(len), 0, len, at).then(({ bytesRead, buffer }) => buffer.subarray(0, bytesRead)));
    };
    for (let i = 0; i < depth; i++) issue();
    for (;;) {
      const head = queue.shift();
      if (head === undefined) return;
      const buf = await head;
      if (buf.length === 0) return;
      issue();
      yield buf;
      if (buf.length < chunk && next >= end) return;
    }
  } finally {
    await fh.close();
  }
}
