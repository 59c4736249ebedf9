import { readJson } from '@wpack/core';
import { copy, describe, isManifest, OCI_EMPTY, OCI_MANIFEST, RemoteRepository, verifying, type ClientOptions, type Descriptor, type Reference, type Target } from '@wpack/registry-client';
import { ManifestError } from '../errors.js';
import { readRange } from '../bundle/read-ahead.js';
import { readBundle } from '../bundle/read.js';
import { indexArchive } from '../bundle/tar-index.js';
import { MANIFEST_FILE } from '../manifest/types.js';
import { componentArtifact } from './component-artifact.js';
import {
  ENTRY_ANNOTATION,
  SIGSTORE_BUNDLE_MEDIA_TYPE,
  SIGSTORE_CONTENT_ANNOTATION,
  SIGSTORE_PREDICATE_ANNOTATION,
  WPACK_ARTIFACT_TYPE,
  WPACK_BUNDLE_ANNOTATION,
  WPACK_TAG_ANNOTATION,
  WPACK_MANIFEST_MEDIA_TYPE,
} from './media-types.js';

export interface PushResult {
  /** Digest of the component's OCI manifest: what the tag points at, and what to pin. */
  digest: string;
  reference: string;
  /** The wpack referrer and each signature referrer. */
  referrers: Descriptor[];
  /** Bytes actually uploaded (blobs the registry already had are skipped). */
  uploaded: number;
}

const EMPTY_CONFIG = Buffer.from('{}');

/**
 * Pushes a bundle (DESIGN §5): the component as a standard Wasm OCI artifact
 * under the tag, the locked wpack.json and the resources as a wpack referrer,
 * and every signature as a cosign-v3-style referrer. The bundle is fully
 * verified first; blobs stream from the bundle file without being copied.
 */
export interface TransferOptions extends ClientOptions {
  /** Bytes of component and resources moved so far, of the total. */
  onProgress?: (done: number, total: number) => void;
}

export async function pushBundle(file: string, ref: Reference, options: TransferOptions = {}): Promise<PushResult> {
  const graph = await bundleGraph(file, ref.tag, options.onProgress);
  const repo = RemoteRepository.open(ref, options);
  let uploaded = 0;
  try {
    // One blob at a time, in the bundle's order: a blob streamed from the
    // file cannot be replayed, and the registry sees the requests it always has.
    await copy(graph.target, BUNDLE_ROOT, repo, ref.tag ?? graph.root.digest, {
      concurrency: 1,
      onNode: (desc, outcome) => {
        if (outcome === 'copied' && !isManifest(desc)) uploaded += desc.size;
      },
    });
    return { digest: graph.root.digest, reference: ref.tag ?? graph.root.digest, referrers: graph.referrers, uploaded };
  } finally {
    await repo.close();
  }
}

/** What the bundle's graph is resolved by in its read-only target. */
const BUNDLE_ROOT = 'bundle';

/**
 * The bundle as an OCI artifact graph (DESIGN §5) in a read-only Target:
 * the component artifact as the root, the wpack referrer (tagged with the
 * tag it is pushed under) and every signature referrer. Small documents are
 * held in memory; the component and the resources stream from their ranges
 * in the bundle file, verified while read, never held whole.
 */
async function bundleGraph(file: string, tag: string | undefined, onProgress?: (done: number, total: number) => void): Promise<{ target: Target; root: Descriptor; referrers: Descriptor[] }> {
  const contents = await readBundle(file);
  const index = await indexArchive(file);
  const locked = contents.manifest;
  const total = locked.files.reduce((n, f) => n + f.size, 0);
  let moved = 0;
  const target = new ReadOnlyGraph(file, (start, end) => counted(readRange(file, { start, end }), (n) => onProgress?.((moved += n), total)));
  const range = (path: string): { start: number; end: number } => {
    const entry = index.entries.find((e) => e.name === path);
    if (entry === undefined) throw new ManifestError('INVALID_BUNDLE', `${file}: bundle entry ${path} vanished`);
    return { start: entry.dataOffset, end: entry.dataOffset + entry.size };
  };

  // 1. The component artifact, which other tools can pull and run.
  const { manifest, config } = componentArtifact(locked);
  const component = locked.files[0];
  if (component === undefined) throw new ManifestError('INVALID_BUNDLE', `${file}: the locked manifest has no component`);
  target.add({ mediaType: config.mediaType, digest: config.digest, size: config.size }, config.bytes);
  target.add({ mediaType: component.mediaType, digest: component.digest, size: component.size }, range(component.path));
  const root: Descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size };
  target.add(root, manifest.bytes);

  // 2. The wpack referrer: the locked manifest and the resources.
  const emptyConfig = describe(OCI_EMPTY, EMPTY_CONFIG);
  target.add(emptyConfig, EMPTY_CONFIG);
  const manifestLayer = describe(WPACK_MANIFEST_MEDIA_TYPE, contents.manifestBytes, { annotations: { [ENTRY_ANNOTATION]: MANIFEST_FILE } });
  target.add(manifestLayer, contents.manifestBytes);
  const layers: Descriptor[] = [manifestLayer];
  for (const f of locked.files.slice(1)) {
    const layer: Descriptor = { mediaType: f.mediaType, digest: f.digest, size: f.size, annotations: { [ENTRY_ANNOTATION]: f.path } };
    target.add(layer, range(f.path));
    layers.push(layer);
  }
  const referrers: Descriptor[] = [];
  // Bundles that share a component share its manifest (and its tags): the
  // tag a bundle was pushed under tells a pull by that tag which one it meant.
  const annotations: Record<string, string> = { 'org.opencontainers.image.created': locked.created };
  if (tag !== undefined) annotations[WPACK_TAG_ANNOTATION] = tag;
  referrers.push(referrer(target, WPACK_ARTIFACT_TYPE, emptyConfig, layers, root, annotations));

  // 3. Signatures, as cosign v3 lays them out.
  for (const sig of contents.signatures) {
    const layer = describe(SIGSTORE_BUNDLE_MEDIA_TYPE, sig.bytes, { annotations: { [ENTRY_ANNOTATION]: sig.path } });
    target.add(layer, sig.bytes);
    referrers.push(
      referrer(target, SIGSTORE_BUNDLE_MEDIA_TYPE, emptyConfig, [layer], root, {
        [SIGSTORE_CONTENT_ANNOTATION]: 'dsse-envelope',
        [SIGSTORE_PREDICATE_ANNOTATION]: predicateTypeOf(sig.bytes),
        'org.opencontainers.image.created': locked.created,
        // Which bundle carried it: a pull of that bundle takes it back
        // whatever it claims to sign (verification judges the claim).
        [WPACK_BUNDLE_ANNOTATION]: contents.digest,
      }),
    );
  }
  target.root(BUNDLE_ROOT, root, referrers);
  return { target, root, referrers };
}

/** A referrer manifest added to the graph; its descriptor as a referrers index lists it. */
function referrer(target: ReadOnlyGraph, artifactType: string, config: Descriptor, layers: Descriptor[], subject: Descriptor, annotations: Record<string, string>): Descriptor {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType, config, layers, subject, annotations }));
  const desc = describe(OCI_MANIFEST, bytes, { artifactType, annotations });
  target.add(desc, bytes);
  return desc;
}

/** A Target that serves a fixed graph: bytes held in memory, or ranges of a file read on demand. */
class ReadOnlyGraph implements Target {
  private readonly content = new Map<string, Buffer | { start: number; end: number }>();
  private readonly tags = new Map<string, Descriptor>();
  private rootDigest = '';
  private rootReferrers: Descriptor[] = [];

  constructor(
    readonly name: string,
    private readonly readRangeOf: (start: number, end: number) => AsyncIterable<Uint8Array>,
  ) {}

  add(desc: Descriptor, content: Buffer | { start: number; end: number }): void {
    this.content.set(desc.digest, content);
  }

  root(reference: string, desc: Descriptor, referrers: Descriptor[]): void {
    this.tags.set(reference, desc);
    this.rootDigest = desc.digest;
    this.rootReferrers = referrers;
  }

  exists(desc: Descriptor): Promise<boolean> {
    return Promise.resolve(this.content.has(desc.digest));
  }

  held(desc: Descriptor): Buffer | undefined {
    const found = this.content.get(desc.digest);
    return Buffer.isBuffer(found) ? found : undefined;
  }

  fetch(desc: Descriptor): AsyncIterable<Uint8Array> {
    const found = this.content.get(desc.digest);
    if (found === undefined) throw new ManifestError('INVALID_BUNDLE', `${this.name} has no ${desc.digest}`);
    return verifying(Buffer.isBuffer(found) ? once(found) : this.readRangeOf(found.start, found.end), desc, `${this.name}: ${desc.digest}`);
  }

  push(): Promise<void> {
    return Promise.reject(new ManifestError('INVALID_BUNDLE', `${this.name} is read-only`));
  }

  tag(): Promise<void> {
    return this.push();
  }

  resolve(reference: string): Promise<Descriptor> {
    const found = this.tags.get(reference);
    return found !== undefined ? Promise.resolve(found) : Promise.reject(new ManifestError('INVALID_BUNDLE', `${this.name} has no ${reference}`));
  }

  referrers(subject: Descriptor, artifactType?: string): Promise<Descriptor[]> {
    const list = subject.digest === this.rootDigest ? this.rootReferrers : [];
    return Promise.resolve(list.filter((d) => artifactType === undefined || d.artifactType === artifactType));
  }
}

/** The in-toto predicate type inside a DSSE Sigstore bundle, for the cosign annotation. */
function predicateTypeOf(bytes: Buffer): string {
  try {
    const json = readJson(bytes.toString('utf8')).value as { dsseEnvelope?: { payload?: string } } | undefined;
    const payload = readJson(Buffer.from(json?.dsseEnvelope?.payload ?? '', 'base64').toString('utf8')).value as { predicateType?: unknown } | undefined;
    return typeof payload?.predicateType === 'string' ? payload.predicateType : '';
  } catch {
    return '';
  }
}

// eslint-disable-next-line @typescript-eslint/require-await -- an async iterable of one chunk
async function* once(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function* counted(source: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    onBytes(chunk.length);
    yield chunk;
  }
}
