export { createBundle } from './write.js';
export type { CreateBundleOptions, CreateBundleResult } from './write.js';
export { sourceDateEpochFromEnv } from './lock.js';
export { bytesOf, writeArchiveFile } from './tar-writer.js';
export type { ArchiveFile } from './tar-writer.js';
export { readBundle, readBundleUnverified } from './read.js';
export type { BundleContents, BundleEntryInfo, BundleSignatureEntry, EntryKind, ReadBundleOptions, UnverifiedBundle } from './read.js';
export { interfaceDifference } from './locked-manifest.js';
export { extractBundle } from './extract.js';
export type { ExtractOptions } from './extract.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { BundleLimits } from './limits.js';
export { appendEntry } from './append.js';
// The tar index is manifest's own; exported for tests that tamper with bytes at known offsets.
export { indexArchive } from './tar-index.js';
export { isSignatureEntry } from './entry-names.js';
export { readBundleHead } from './head.js';
export type { BundleHead } from './head.js';
