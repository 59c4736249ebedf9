// Public surface of @wpack/registry-client: a generic OCI distribution client.
// It knows nothing of wpack (DESIGN §1). Curated: test/exports.test.ts pins this list.
export { RegistryError } from './errors.js';
export { formatReference, manifestReference, parseReference } from './reference.js';
export type { Reference } from './reference.js';
export { describe, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST } from './descriptor.js';
export type { Descriptor, ImageIndex, ImageManifest } from './descriptor.js';
export { parseChallenge, RegistryHttp } from './http.js';
export type { Body, ClientOptions } from './http.js';
export { RemoteRepository } from './remote.js';
export type { PushBlobOptions, PushOutcome } from './remote.js';
export { DEFAULT_RETRY, retryDelay } from './retry.js';
export type { RetryPolicy } from './retry.js';
export { dockerCredentials, storeDockerCredentials } from './auth/docker-config.js';
export type { Credentials } from './auth/docker-config.js';
export { collect, verifying } from './verify-stream.js';
export { isManifest } from './target.js';
export type { Target } from './target.js';
export { MemoryTarget } from './memory.js';
export { OciLayoutTarget } from './oci-layout.js';
export { copy } from './copy.js';
export type { CopyOptions, CopyResult } from './copy.js';
