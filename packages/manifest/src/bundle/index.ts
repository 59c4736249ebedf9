export { createBundle, sourceDateEpochFromEnv } from './write.js';
export type { CreateBundleOptions, CreateBundleResult } from './write.js';
export { readBundle } from './read.js';
export type { BundleContents, BundleEntryInfo, BundleSignatureEntry, EntryKind, ReadBundleOptions } from './read.js';
export { extractBundle } from './extract.js';
export type { ExtractOptions } from './extract.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { BundleLimits } from './limits.js';
