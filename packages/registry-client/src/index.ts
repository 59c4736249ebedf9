// Public surface of @wpack/registry-client: a generic OCI distribution client.
// It knows nothing of wpack (DESIGN §1).
export { RegistryError } from './errors.js';
export { apiHost, formatReference, isLoopbackRegistry, manifestReference, parseReference } from './reference.js';
export type { Reference } from './reference.js';
export { describe, DOCKER_LIST, DOCKER_MANIFEST, MANIFEST_MEDIA_TYPES, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST } from './descriptor.js';
export type { Descriptor, ImageIndex, ImageManifest } from './descriptor.js';
export { parseChallenge, RegistryHttp } from './http.js';
export type { Body, ClientOptions } from './http.js';
export { fallbackTag, RemoteRepository } from './remote.js';
export type { PushBlobOptions, PushOutcome } from './remote.js';
export { DEFAULT_RETRY, isRetryableStatus, retryDelay } from './retry.js';
export type { RetryPolicy } from './retry.js';
export { dockerConfigPath, dockerCredentials, storeDockerCredentials } from './auth/docker-config.js';
export type { Credentials } from './auth/docker-config.js';
export { collect, verifying } from './verify-stream.js';
export { isManifest, referrerDescriptor, subjectOf, successors } from './target.js';
export type { Target } from './target.js';
export { MemoryTarget } from './memory.js';
export { OciLayoutTarget } from './oci-layout.js';
export { copy } from './copy.js';
export type { CopyOptions, CopyResult } from './copy.js';
