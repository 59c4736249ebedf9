import type { ComponentExtern } from '@wpack/component';

export const MANIFEST_FILE = 'wpack.json';
export const COMPONENT_FILE = 'component.wasm';
export const RESOURCES_DIR = 'resources/';
export const SIGNATURES_DIR = 'signatures/';
export const WASM_MEDIA_TYPE = 'application/wasm';
export const DEFAULT_RESOURCE_MEDIA_TYPE = 'application/octet-stream';
export const MANIFEST_SCHEMA_URI = 'https://wpack.dev/schemas/manifest-v1.json';

/** `wpack.json` as the user writes it (DESIGN §2, schemas/manifest.schema.json). */
export interface SourceManifest {
  $schema?: string;
  name: string;
  version: string;
  description?: string;
  license?: string;
  authors?: string[];
  source?: string;
  /** Path of the component binary, relative to wpack.json. */
  component: string;
  world?: string;
  capabilities?: string[];
  resources?: { path: string; mediaType?: string }[];
}

export interface LockedFile {
  /** Path inside the bundle: `component.wasm` or `resources/<path>`. */
  path: string;
  size: number;
  digest: string;
  mediaType: string;
}

/** The locked manifest: first entry of a bundle, and the bundle's identity (DESIGN §3). */
export interface LockedManifest {
  $schema: string;
  lockVersion: 1;
  name: string;
  version: string;
  description?: string;
  license?: string;
  authors?: string[];
  source?: string;
  /** RFC 3339, from SOURCE_DATE_EPOCH (or the epoch): never the clock, so rebuilds are identical. */
  created: string;
  component: typeof COMPONENT_FILE;
  world?: string;
  /** Canonical capability strings, sorted. */
  capabilities: string[];
  resources: { path: string; mediaType: string }[];
  /** component.wasm first, then resources/<path> sorted: the archive order. */
  files: LockedFile[];
  interface: { imports: ComponentExtern[]; exports: ComponentExtern[] };
}
