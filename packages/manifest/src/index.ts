// Public surface of @wpack/manifest: the capability manifest and its grammar,
// the component binary reader, and the bundle archive (DESIGN §2-3).
export { WpackError, ManifestError, ManifestValidationError } from './errors.js';
export type { ErrorCategory, ManifestErrorCode, ValidationProblem } from './errors.js';
export * from './capabilities/index.js';
export { readComponentInterface } from './component/index.js';
export type { ComponentExtern, ComponentInterface, ExternKind } from './component/index.js';
export {
  formatFuncType,
  formatValType,
  originKey,
  readComponentTypes,
} from './component/index.js';
export type {
  ComponentTypes,
  ExportedType,
  FormatOptions,
  FuncType,
  ImportedType,
  InstanceType,
  PrimitiveKind,
  ResourceType,
  ValType,
} from './component/index.js';
export { canonicalJson } from './manifest/canonical-json.js';
export { loadSourceManifest } from './manifest/load.js';
export { parseJson, validateLockedManifest, validateSourceManifest } from './manifest/validate.js';
export { MANIFEST_SCHEMA_URL, schemaProblems, valueAt } from './manifest/schema.js';
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
