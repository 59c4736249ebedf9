// Public surface of @wpack/manifest: the capability manifest and its grammar,
// the bundle archive, and its mapping to an OCI artifact graph (DESIGN §2-3,
// §5). Curated: test/exports.test.ts pins this list.
export { ManifestError, ManifestValidationError } from './errors.js';

// The capability grammar (DESIGN §2).
export { hostText, parseCapability, parseCapabilityPattern } from './capabilities/grammar.js';
export type {
  AnyCapability,
  Capability,
  CapabilityForm,
  CapabilityKind,
  CapabilityPattern,
  ClockCapability,
  EnvCapability,
  ExitCapability,
  FilesystemAction,
  FilesystemCapability,
  Host,
  HttpCapability,
  HttpScheme,
  ImportCapability,
  NetworkCapability,
  NnCapability,
  PortRange,
  RandomCapability,
  StdioCapability,
  TerminalCapability,
} from './capabilities/grammar.js';
export { grants, overlaps } from './capabilities/match.js';
export { describeCapability, requirementFor } from './capabilities/wasi-table.js';
export type { CapabilityRequirement } from './capabilities/wasi-table.js';
export { suggestCapabilities } from './capabilities/suggest.js';

// The manifest.
export { loadSourceManifest } from './manifest/load.js';
export { parseJson, validateSourceManifest } from './manifest/validate.js';
export { inferWorld } from './manifest/infer-world.js';
export { loadSchemaValidators, schemaProblems } from './manifest/schema.js';
export type { SchemaValidator } from './manifest/schema.js';
export { COMPONENT_FILE, MANIFEST_FILE, MANIFEST_SCHEMA_URI, SIGNATURES_DIR } from './manifest/types.js';
export type { LockedFile, LockedManifest, SourceManifest } from './manifest/types.js';

// The bundle archive (DESIGN §3).
export { createBundle } from './bundle/write.js';
export type { CreateBundleOptions, CreateBundleResult } from './bundle/write.js';
export { bytesOf, writeArchiveFile } from './bundle/tar-writer.js';
export type { ArchiveFile } from './bundle/tar-writer.js';
export { readBundle, readBundleUnverified } from './bundle/read.js';
export type { BundleContents, BundleEntryInfo, BundleSignatureEntry, EntryKind, ReadBundleOptions, UnverifiedBundle } from './bundle/read.js';
export { readBundleHead } from './bundle/head.js';
export type { BundleHead } from './bundle/head.js';
export { interfaceDifference } from './bundle/locked-manifest.js';
export { extractBundle } from './bundle/extract.js';
export type { ExtractOptions } from './bundle/extract.js';
export type { BundleLimits } from './bundle/limits.js';
export { appendEntry } from './bundle/append.js';
export { isSignatureEntry } from './bundle/entry-names.js';
// The tar index is manifest's own; exported for tests that tamper with bytes at known offsets.
export { indexArchive } from './bundle/tar-index.js';

// The OCI mapping (DESIGN §5).
export { componentArtifact, OCI_IMAGE_MANIFEST_MEDIA_TYPE, WASM_CONFIG_MEDIA_TYPE } from './oci/component-artifact.js';
export type { OciBlob } from './oci/component-artifact.js';
export { pullBundle, pushBundle } from './oci/transfer.js';
export type { PushResult, TransferOptions } from './oci/push.js';
export type { PullOptions, PullResult } from './oci/pull.js';
export {
  SIGSTORE_BUNDLE_MEDIA_TYPE,
  WASM_LAYER_MEDIA_TYPES,
  WPACK_ARTIFACT_TYPE,
  WPACK_BUNDLE_ANNOTATION,
  WPACK_MANIFEST_MEDIA_TYPE,
  WPACK_TAG_ANNOTATION,
} from './oci/media-types.js';
