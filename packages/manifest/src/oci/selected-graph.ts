import { isManifest, type Body, type Descriptor, type RemoteRepository, type Target } from '@wpack/registry-client';
import { ManifestError } from '../errors.js';

/**
 * What a pull chose, as the read-only source Target copy() reads: the
 * component manifest as the root, the chosen referrers as its only
 * referrers, and the small documents the choice already fetched (manifests,
 * wpack.json, signatures; an inferred pull's component) served from memory.
 * Everything else streams from the repository.
 *
 * Every byte it serves was checked against its digest as it was read:
 * RemoteRepository checks a manifest fetched by digest whole and streams a
 * blob through `verifying()`. It remembers the buffers and streams it hands
 * out, so a destination can ask (`checked`) rather than hash them again.
 */
export class SelectedGraph implements Target {
  readonly name: string;
  private readonly content = new Map<string, Buffer>();
  private readonly served = new WeakSet<object>();
  private rootReferrers: Descriptor[] = [];

  constructor(
    private readonly repo: RemoteRepository,
    readonly root: Descriptor,
  ) {
    this.name = repo.name;
  }

  /** Keeps bytes read (and checked) while choosing, so copy() does not fetch them again. */
  hold(digest: string, bytes: Buffer): void {
    this.content.set(digest, bytes);
    this.served.add(bytes);
  }

  /** The referrers of the root that the pull takes, and only those. */
  chooseReferrers(referrers: Descriptor[]): void {
    this.rootReferrers = referrers;
  }

  /** True for content this graph served: already checked against its descriptor. */
  checked(content: Body | AsyncIterable<Uint8Array>): boolean {
    return this.served.has(content);
  }

  exists(desc: Descriptor): Promise<boolean> {
    return this.content.has(desc.digest) ? Promise.resolve(true) : this.repo.exists(desc);
  }

  held(desc: Descriptor): Buffer | undefined {
    return this.content.get(desc.digest);
  }

  fetch(desc: Descriptor): AsyncIterable<Uint8Array> {
    const bytes = this.content.get(desc.digest);
    // repo.fetch checks a manifest by its digest and a blob while it streams.
    const stream = bytes !== undefined ? once(bytes) : isManifest(desc) ? this.repo.fetch(desc) : this.repo.fetchBlob(desc);
    this.served.add(stream);
    return stream;
  }

  push(): Promise<void> {
    return Promise.reject(new ManifestError('INVALID_BUNDLE', `${this.name} is read here, not written`));
  }

  tag(): Promise<void> {
    return this.push();
  }

  resolve(reference: string): Promise<Descriptor> {
    if (reference === this.root.digest) return Promise.resolve(this.root);
    return Promise.reject(new ManifestError('INVALID_BUNDLE', `${this.name}: ${reference} is not the manifest being pulled`));
  }

  referrers(subject: Descriptor, artifactType?: string): Promise<Descriptor[]> {
    const list = subject.digest === this.root.digest ? this.rootReferrers : [];
    return Promise.resolve(list.filter((d) => artifactType === undefined || d.artifactType === artifactType));
  }
}

// eslint-disable-next-line @typescript-eslint/require-await -- an async iterable of one chunk
async function* once(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}
