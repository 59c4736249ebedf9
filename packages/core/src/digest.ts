/**
 * Content digests, the OCI way (image-spec descriptor.md): `sha256:<64 hex>`.
 * Every digest wpack writes or compares is made here.
 */
import { createHash, type Hash } from 'node:crypto';

export const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** `sha256:<hex>` of some bytes. */
export function sha256Digest(data: Uint8Array | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** A running sha256 whose result is a digest string. */
export function sha256Hasher(): { update(chunk: Uint8Array): void; digest(): string } {
  const hash: Hash = createHash('sha256');
  return {
    update(chunk) {
      hash.update(chunk);
    },
    digest: () => 'sha256:' + hash.digest('hex'),
  };
}

export function isSha256Digest(text: string): boolean {
  return SHA256_DIGEST.test(text);
}
