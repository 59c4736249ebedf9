// Public surface of @wpack/core: the rules every other package shares, each
// in one place — the error base class and its one code union, digests,
// canonical and strict JSON, quoting values in messages, WIT names and
// version tracks, the glob engine. Curated: test/exports.test.ts pins this list.
export { problemsLine, problemsMessage, WpackError } from './errors.js';
export type {
  CliErrorCode,
  ComponentErrorCode,
  CoreErrorCode,
  ErrorCategory,
  ErrorCode,
  ManifestErrorCode,
  RegistryErrorCode,
  SignatureErrorCode,
  ValidationProblem,
  VerifierErrorCode,
  WpackErrorOptions,
} from './errors.js';
export { isSha256Digest, SHA256_DIGEST, sha256Digest, sha256Hasher } from './digest.js';
export { canonicalJson } from './canonical-json.js';
export { jsonPointer, parseStrictJson, readJson } from './strict-json.js';
export type { StrictJsonOptions } from './strict-json.js';
export { QUOTE_LIMIT, quotePointer, quoteValue } from './quote.js';
export {
  interfaceTrack,
  isShortVersion,
  isVersionSpec,
  parseInterfaceName,
  relateVersions,
  splitVersion,
  versionCovers,
  versionTrack,
} from './wit-name.js';
export type { VersionRelation } from './wit-name.js';
export {
  collapseStars,
  GLOBSTAR,
  globMatches,
  hasWildcard,
  MAX_GLOB_TOKENS,
  pathGlobMatches,
  segmentGlobContains,
  segmentGlobIntersects,
  starGlobContains,
  starGlobIntersects,
} from './glob.js';
