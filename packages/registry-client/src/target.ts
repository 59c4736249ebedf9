import { MANIFEST_MEDIA_TYPES, type Descriptor } from './descriptor.js';
import { RegistryError } from './errors.js';
import type { Body } from './http.js';
import { parseRegistryObject } from './json.js';

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
  /**
   * Optional (oras-go's ReferencePusher): stores a manifest and tags it in
   * one step, where the target can (a registry PUTs it by tag), saving the
   * read-back a separate tag() needs.
   */
  pushReference?(desc: Descriptor, content: Buffer, reference: string): Promise<void>;
  /** Optional: the content when the target holds it in memory (copy then sends a replayable body); undefined otherwise. */
  held?(desc: Descriptor): Buffer | undefined;
  resolve(reference: string): Promise<Descriptor>;
  tag(desc: Descriptor, reference: string): Promise<void>;
  referrers(subject: Descriptor, artifactType?: string): Promise<Descriptor[]>;
}

export function isManifest(desc: Descriptor): boolean {
  return MANIFEST_MEDIA_TYPES.includes(desc.mediaType);
}

interface GraphFields {
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** The fields of a manifest or index the graph walk reads; a document of the wrong shape is a PROTOCOL error. */
function graphFields(bytes: Buffer, what: string): GraphFields {
  const doc = parseRegistryObject(bytes, what) as GraphFields;
  const isDesc = (d: unknown): d is Descriptor => {
    const o = d as Partial<Descriptor> | null;
    return o !== null && typeof o === 'object' && typeof o.digest === 'string' && typeof o.mediaType === 'string' && typeof o.size === 'number';
  };
  const bad = (field: string): never => {
    throw new RegistryError('PROTOCOL', `${what}: ${field} is not a descriptor`);
  };
  if (doc.config !== undefined && !isDesc(doc.config)) bad('config');
  if (doc.subject !== undefined && !isDesc(doc.subject)) bad('subject');
  for (const field of ['layers', 'manifests'] as const) {
    const list = doc[field];
    if (list !== undefined && (!Array.isArray(list) || !list.every(isDesc))) bad(field);
  }
  return doc;
}


/** Child descriptors of a manifest or index: what must exist before it can be pushed. */
export function successors(bytes: Buffer, what = 'a manifest'): Descriptor[] {
  const doc = graphFields(bytes, what);
  return [...(doc.config !== undefined ? [doc.config] : []), ...(doc.layers ?? []), ...(doc.manifests ?? [])];
}

/** The subject of a manifest, if it refers to one (OCI 1.1). */
export function subjectOf(bytes: Buffer, what = 'a manifest'): Descriptor | undefined {
  return graphFields(bytes, what).subject;
}

/** A referrer's descriptor as a referrers index lists it: artifactType and annotations lifted from the manifest. */
export function referrerDescriptor(desc: Descriptor, bytes: Buffer): Descriptor {
  const doc = graphFields(bytes, `manifest ${desc.digest}`);
  const artifactType = doc.artifactType ?? doc.config?.mediaType;
  return {
    mediaType: desc.mediaType,
    digest: desc.digest,
    size: desc.size,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(doc.annotations !== undefined ? { annotations: doc.annotations } : {}),
  };
}
