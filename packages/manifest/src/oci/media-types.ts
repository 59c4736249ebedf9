/** The wpack OCI mapping's media types (DESIGN §5). */
export const WPACK_ARTIFACT_TYPE = 'application/vnd.wpack.bundle.v1';
export const WPACK_MANIFEST_MEDIA_TYPE = 'application/vnd.wpack.manifest.v1+json';
export const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** Layer media types of Wasm components pushed by other tools (wkg, wash, runwasi, Spin), accepted on pull. */
export const WASM_LAYER_MEDIA_TYPES = [
  'application/wasm',
  'application/vnd.wasm.content.layer.v1+wasm',
  'application/vnd.bytecodealliance.wasm.component.layer.v0+wasm',
];
/** Which bundle entry a layer is, so a pull can rebuild the bundle byte for byte. */
export const ENTRY_ANNOTATION = 'org.opencontainers.image.title';
export const SIGSTORE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
export const SIGSTORE_PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';

/** On a wpack referrer: the tag the bundle was pushed under (bundles sharing a component share its tags). */
export const WPACK_TAG_ANNOTATION = 'dev.wpack.tag';

/** On a signature referrer: the digest of the bundle (its wpack.json) it was pushed with. */
export const WPACK_BUNDLE_ANNOTATION = 'dev.wpack.bundle.digest';
