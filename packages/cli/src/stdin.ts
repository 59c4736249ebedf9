import { WpackError } from '@wpack/core';

/** Reads a password from standard input (docker login's --password-stdin): all of it, one trailing newline dropped. */
export async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new WpackError('USAGE', '--password-stdin needs the password piped in, e.g. `printf %s "$PASS" | wpack …`');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') throw new WpackError('USAGE', '--password-stdin read an empty password');
  return password;
}
