// Public surface of @wpack/manifest: the capability manifest and its grammar,
// the bundle archive, and its mapping to an OCI artifact graph (DESIGN §2-3, §5).
export { ManifestError, ManifestValidationError } from './errors.js';
export * from './capabilities/index.js';
export { loadSourceManifest } from './manifest/load.js';
export { parseJson, validateLockedManifest, validateSourceManifest } from './manifest/validate.js';
export { loadSchemaValidators, schemaProblems, valueAt } from './manifest/schema.js';
export type { SchemaValidator } from './manifest/schema.js';
export {
  COMPONENT_FILE,
  DEFAULT_RESOURCE_MEDIA_TYPE,
  MANIFEST_FILE,
  MANIFEST_SCHEMA_URI,
  RESOURCES_DIR,
  SIGNATURES_DIR,
  WASM_MEDIA_TYPE,
} from './manifest/types.js';
export type { LockedFile, LockedManifest, SourceManifest } from './manifest/types.js';
export * from './bundle/index.js';
export {
  componentArtifact,
  OCI_IMAGE_MANIFEST_MEDIA_TYPE,
  OCI_TITLE_ANNOTATION,
  WASM_CONFIG_MEDIA_TYPE,
} from './oci/component-artifact.js';
export type { OciBlob } from './oci/component-artifact.js';
export { pullBundle, pushBundle } from './oci/transfer.js';
export type { PushResult, TransferOptions } from './oci/push.js';
export type { PullOptions, PullResult } from './oci/pull.js';
export * from './oci/media-types.js';
