import { MANIFEST_MEDIA_TYPES, type Descriptor } from './descriptor.js';
import type { Body } from './http.js';

/**
 * Content-addressed storage wpack can copy between (oras-go's Target: a
 * Fetcher, Pusher, Resolver and Tagger in one). Every implementation checks
 * size and digest of what it reads and of what it stores.
 */
export interface Target {
  /** A name for messages: a reference or a directory. */
  readonly name: string;
  exists(desc: Descriptor): Promise<boolean>;
  /** Streams content, verified against `desc`. */
  fetch(desc: Descriptor): AsyncIterable<Uint8Array>;
  /** Stores content; a manifest with a `subject` is also recorded as a referrer of it. */
  push(desc: Descriptor, content: Body): Promise<void>;
  resolve(reference: string): Promise<Descriptor>;
  tag(desc: Descriptor, reference: string): Promise<void>;
  referrers(subject: Descriptor, artifactType?: string): Promise<Descriptor[]>;
}

export function isManifest(desc: Descriptor): boolean {
  return MANIFEST_MEDIA_TYPES.includes(desc.mediaType);
}

/** Child descriptors of a manifest or index: what must exist before it can be pushed. */
export function successors(bytes: Buffer): Descriptor[] {
  const doc = JSON.parse(bytes.toString('utf8')) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
  return [...(doc.config !== undefined ? [doc.config] : []), ...(doc.layers ?? []), ...(doc.manifests ?? [])];
}

/** The subject of a manifest, if it refers to one (OCI 1.1). */
export function subjectOf(bytes: Buffer): Descriptor | undefined {
  return (JSON.parse(bytes.toString('utf8')) as { subject?: Descriptor }).subject;
}

/** A referrer's descriptor as a referrers index lists it: artifactType and annotations lifted from the manifest. */
export function referrerDescriptor(desc: Descriptor, bytes: Buffer): Descriptor {
  const doc = JSON.parse(bytes.toString('utf8')) as { artifactType?: string; config?: Descriptor; annotations?: Record<string, string> };
  const artifactType = doc.artifactType ?? doc.config?.mediaType;
  return {
    mediaType: desc.mediaType,
    digest: desc.digest,
    size: desc.size,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(doc.annotations !== undefined ? { annotations: doc.annotations } : {}),
  };
}
