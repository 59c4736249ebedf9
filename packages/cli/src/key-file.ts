import { readFile } from 'node:fs/promises';
import { keyHint, loadPublicKey, SignatureError, type TrustedKey } from '@wpack/signatures';

/**
 * A public key file given on the command line, read and parsed: KEY_INVALID
 * naming the key as `shown` (what the user typed, and where it was looked
 * for when that differs) when it cannot be read.
 */
export async function readKeyFile(file: string, shown: string): Promise<TrustedKey> {
  const pem = await readFile(file).catch((err: unknown) => {
    throw new SignatureError('KEY_INVALID', `cannot read key ${shown}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  });
  const publicKey = loadPublicKey(pem);
  return { publicKey, hint: keyHint(publicKey), source: file };
}
