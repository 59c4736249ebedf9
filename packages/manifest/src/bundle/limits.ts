/** Caps applied while reading untrusted bundles (DESIGN §3); all overridable by callers. */
export interface BundleLimits {
  /** Largest locked wpack.json accepted. */
  maxManifestBytes: number;
  /** Largest single file entry (component or resource). */
  maxEntryBytes: number;
  /** Largest sum of all entry sizes. */
  maxTotalBytes: number;
  /** Most entries in one archive, signatures included. */
  maxEntries: number;
  /** Largest signature entry. */
  maxSignatureBytes: number;
  /** Most signatures in one bundle. */
  maxSignatures: number;
  /** Largest sum of all signature entries (they are held in memory). */
  maxSignatureTotalBytes: number;
  /** Largest component binary, which is read into memory to learn its imports. */
  maxComponentBytes: number;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export const DEFAULT_LIMITS: Readonly<BundleLimits> = {
  maxManifestBytes: 4 * MiB,
  maxEntryBytes: 64 * GiB,
  maxTotalBytes: 256 * GiB,
  maxEntries: 10_100,
  maxSignatureBytes: 4 * MiB,
  maxSignatures: 64,
  maxSignatureTotalBytes: 32 * MiB,
  maxComponentBytes: 1 * GiB,
};
