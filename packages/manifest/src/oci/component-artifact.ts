import { canonicalJson, sha256Digest } from '@wpack/core';
import { COMPONENT_FILE, WASM_MEDIA_TYPE, type LockedManifest } from '../manifest/types.js';

export const OCI_IMAGE_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
/** CNCF TAG Runtime "Wasm OCI Artifact layout" config media type. */
export const WASM_CONFIG_MEDIA_TYPE = 'application/vnd.wasm.config.v0+json';
export const OCI_TITLE_ANNOTATION = 'org.opencontainers.image.title';

export interface OciBlob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

/**
 * The standard Wasm OCI artifact for a bundle's component (DESIGN §5): an
 * image manifest whose config is `application/vnd.wasm.config.v0+json` and
 * whose one layer is the component. Everything comes from the locked
 * manifest — `created` included, never the clock — so the manifest digest is
 * known offline and a re-push yields the same digest. Signatures name it as
 * their second subject so registry-side tools can check them.
 */
export function componentArtifact(locked: LockedManifest): { manifest: OciBlob; config: OciBlob } {
  const component = locked.files[0];
  if (component?.path !== COMPONENT_FILE) throw new Error('locked manifest has no component entry');
  const config = blob(WASM_CONFIG_MEDIA_TYPE, {
    created: locked.created,
    ...(locked.authors !== undefined && locked.authors.length > 0 ? { author: locked.authors.join(', ') } : {}),
    architecture: 'wasm',
    os: 'wasip2',
    layerDigests: [component.digest],
    component: {
      imports: locked.interface.imports.map((e) => e.name),
      exports: locked.interface.exports.map((e) => e.name),
      target: locked.world ?? null,
    },
  });
  const manifest = blob(OCI_IMAGE_MANIFEST_MEDIA_TYPE, {
    schemaVersion: 2,
    mediaType: OCI_IMAGE_MANIFEST_MEDIA_TYPE,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: [
      {
        mediaType: WASM_MEDIA_TYPE,
        digest: component.digest,
        size: component.size,
        annotations: { [OCI_TITLE_ANNOTATION]: COMPONENT_FILE },
      },
    ],
  });
  return { manifest, config };
}

function blob(mediaType: string, value: unknown): OciBlob {
  const bytes = Buffer.from(canonicalJson(value, { compact: true }));
  return { mediaType, bytes, size: bytes.length, digest: sha256Digest(bytes) };
}
