import { RegistryError } from './errors.js';
import { drain, locationURL, RegistryHttp, type Body, type ClientOptions, type HttpResponse } from './http.js';
import { isSha256Digest, sha256Digest } from '@wpack/core';
import { parseRegistryObject, quoteHeader } from './json.js';
import { describe, MANIFEST_MEDIA_TYPES, OCI_INDEX, type Descriptor, type ImageIndex } from './descriptor.js';
import type { Reference } from './reference.js';
import { isRetryableStatus, retryDelay, sleep } from './retry.js';
import { brokenBody, collect, jsonBody, verifying } from './verify-stream.js';
import { isManifest, referrerDescriptor, subjectOf, type Target } from './target.js';

/** Largest manifest read into memory (distribution-spec suggests registries accept at least 4 MiB). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface PushBlobOptions {
  /** Try a cross-repository mount from this repository first. */
  mountFrom?: string;
  /** Upload in chunks of this size (PATCH) instead of one PUT. */
  chunkSize?: number;
}

export type PushOutcome = 'exists' | 'mounted' | 'pushed';

/**
 * One repository on a remote registry (OCI distribution-spec v1.1): content
 * addressed by descriptor, every byte read checked against its digest.
 */
export class RemoteRepository implements Target {
  private referrersApi: boolean | undefined;
  readonly name: string;

  constructor(
    readonly http: RegistryHttp,
    readonly repository: string,
  ) {
    this.name = `${http.registry}/${repository}`;
  }

  /** Target: blobs stream; manifests come whole, checked against their digest. */
  async *fetch(desc: Descriptor): AsyncGenerator<Uint8Array> {
    if (isManifest(desc)) {
      yield (await this.fetchManifest(desc.digest)).bytes;
      return;
    }
    yield* this.fetchBlob(desc);
  }

  /** Target: a manifest with a subject is pushed as a referrer (with the tag-schema fallback). */
  async push(desc: Descriptor, content: Body): Promise<void> {
    if (!isManifest(desc)) {
      await this.pushBlob(desc, content);
      return;
    }
    const bytes = Buffer.isBuffer(content) ? content : await collect(content());
    const subject = subjectOf(bytes);
    if (subject !== undefined) await this.pushReferrer(referrerDescriptor(desc, bytes), bytes, subject);
    else await this.pushManifest(desc, bytes);
  }

  /** Target: a manifest PUT by tag (a referrer is recorded in the fallback index first, as push() does). */
  async pushReference(desc: Descriptor, content: Buffer, reference: string): Promise<void> {
    const subject = subjectOf(content, `manifest ${desc.digest}`);
    if (subject !== undefined) await this.pushReferrer(referrerDescriptor(desc, content), content, subject);
    await this.pushManifest(desc, content, reference);
  }

  /** Target: tags an existing manifest (re-PUT of its bytes under the tag). */
  async tag(desc: Descriptor, reference: string): Promise<void> {
    const { bytes } = await this.fetchManifest(desc.digest);
    await this.pushManifest(desc, bytes, reference);
  }

  static open(ref: Reference, options: ClientOptions = {}): RemoteRepository {
    return new RemoteRepository(new RegistryHttp(ref.registry, options), ref.repository);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private get pull(): string[] {
    return [`repository:${this.repository}:pull`];
  }

  private get pushScope(): string[] {
    return [`repository:${this.repository}:pull,push`];
  }

  private path(kind: 'blobs' | 'manifests' | 'tags' | 'referrers', ref = ''): string {
    return `/v2/${this.repository}/${kind}/${ref}`;
  }

  async exists(desc: Descriptor): Promise<boolean> {
    const manifest = MANIFEST_MEDIA_TYPES.includes(desc.mediaType);
    const res = await this.http.request('HEAD', this.path(manifest ? 'manifests' : 'blobs', desc.digest), {
      scopes: this.pull,
      ...(manifest ? { headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') } } : {}),
    });
    await drain(res);
    if (res.status === 404) return false;
    if (res.ok) return true;
    throw statusError(res, `HEAD ${desc.digest}`);
  }

  /** Resolves a tag or digest to the manifest's descriptor (HEAD, OCI Accept: Distribution needs it). */
  async resolve(reference: string): Promise<Descriptor> {
    const res = await this.http.request('HEAD', this.path('manifests', reference), { scopes: this.pull, headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') } });
    await drain(res);
    if (!res.ok) throw statusError(res, `manifest ${this.repository}:${reference}`);
    const where = `manifest ${this.repository}:${reference}`;
    const digest = res.headers.get('docker-content-digest');
    if (digest !== null && !isSha256Digest(digest)) {
      throw new RegistryError('PROTOCOL', `${where}: the registry sent a Docker-Content-Digest header that is not sha256:<64 hex digits>: ${quoteHeader(digest)}`);
    }
    const length = res.headers.get('content-length');
    if (length !== null && !/^\d{1,15}$/.test(length.trim())) {
      throw new RegistryError('PROTOCOL', `${where}: the registry sent a Content-Length header that is not a byte count: ${quoteHeader(length)}`);
    }
    const size = length === null ? NaN : Number(length);
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    if (digest === null || !Number.isSafeInteger(size)) {
      // Without a digest header the manifest itself must be read to learn it.
      return (await this.fetchManifest(reference)).descriptor;
    }
    return { mediaType, digest, size };
  }

  /**
   * A manifest's bytes; fetched by digest they are checked against it, by tag
   * their digest is computed. A body that breaks off is fetched again, whole
   * (manifests are small), within the retry budget.
   */
  async fetchManifest(reference: string): Promise<{ descriptor: Descriptor; bytes: Buffer }> {
    let res: HttpResponse;
    let bytes: Buffer;
    for (let breaks = 0; ; breaks += 1) {
      res = await this.http.request('GET', this.path('manifests', reference), { scopes: this.pull, headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') } });
      if (!res.ok) {
        await drain(res);
        throw statusError(res, `manifest ${this.repository}:${reference}`);
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > MAX_MANIFEST_BYTES) {
        await drain(res);
        throw new RegistryError('PROTOCOL', `manifest ${reference} is ${String(declared)} bytes, over ${String(MAX_MANIFEST_BYTES)}`);
      }
      try {
        bytes = await readCapped(res, MAX_MANIFEST_BYTES, `manifest ${reference}`);
        checkManifestDigest(res, bytes, reference);
        break;
      } catch (err) {
        // A broken body, or bytes that are not the ones the registry named: fetched again, whole.
        const transient = err instanceof RegistryError && (err.code === 'NETWORK' || err.code === 'DIGEST_MISMATCH');
        if (!transient || breaks >= this.http.retry.attempts) throw err;
        await sleep(retryDelay(this.http.retry, breaks + 1, null));
      }
    }
    // Every manifest handed on is a strict JSON object: a duplicate key could read two ways.
    parseRegistryObject(bytes, `manifest ${this.repository}:${reference} from ${this.http.registry}`);
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() || mediaTypeOf(bytes);
    const descriptor = describe(mediaType, bytes);
    return { descriptor, bytes };
  }

  /**
   * Streams a blob, verified against the descriptor; the digest error
   * surfaces at the end. A body that breaks off is resumed within the retry
   * budget: `Range: bytes=N-` where the registry honours it (206 from N),
   * else the whole blob again with its first N bytes skipped. The digest is
   * computed over exactly the bytes passed on, across every resume, so a
   * registry that answers a Range with other bytes fails the digest check.
   */
  async *fetchBlob(desc: Descriptor): AsyncGenerator<Uint8Array> {
    yield* verifying(this.resumingBody(desc), desc, `blob ${desc.digest}`);
  }

  private async *resumingBody(desc: Descriptor): AsyncGenerator<Uint8Array> {
    const where = `blob ${desc.digest}`;
    let offset = 0;
    for (let breaks = 0; ; breaks += 1) {
      const res = await this.http.request('GET', this.path('blobs', desc.digest), {
        scopes: this.pull,
        ...(offset > 0 ? { headers: { range: `bytes=${String(offset)}-` } } : {}),
      });
      if (!res.ok) {
        await drain(res);
        throw statusError(res, where);
      }
      // Bytes of this response already passed on: none of a 206 from `offset`, all of a full answer's first `offset`.
      let skip = 0;
      if (offset > 0 && res.status === 206) {
        const start = rangeStart(res.headers.get('content-range'));
        if (start !== offset) throw new RegistryError('PROTOCOL', `${where}: asked for bytes ${String(offset)}- and got Content-Range ${JSON.stringify(res.headers.get('content-range'))}`);
      } else if (offset > 0) skip = offset;
      try {
        for await (const chunk of res.body) {
          if (skip >= chunk.length) {
            skip -= chunk.length;
            continue;
          }
          const part = skip > 0 ? chunk.subarray(skip) : chunk;
          skip = 0;
          offset += part.length;
          yield part;
        }
        return;
      } catch (err) {
        if (err instanceof RegistryError || breaks >= this.http.retry.attempts) throw brokenBody(err, where, offset, desc.size);
        await sleep(retryDelay(this.http.retry, breaks + 1, null));
      }
    }
  }

  async fetchBlobBytes(desc: Descriptor): Promise<Buffer> {
    return collect(this.fetchBlob(desc));
  }

  /**
   * Uploads a blob unless the registry has it: HEAD, then an optional
   * cross-repository mount, then a monolithic PUT or chunked PATCHes,
   * always following the latest Location (distribution-spec "Pushing blobs").
   *
   * A break is survived within the retry budget. A chunk that breaks is sent
   * again from the offset the registry says it holds (GET on the upload URL,
   * `Range: 0-N`); a monolithic PUT that breaks, or an upload the registry
   * dropped (Distribution invalidates an upload whose PATCH broke off), is
   * started over in a new upload session, the bytes read again from the
   * start (`content` is a Buffer or a stream factory, so they can be).
   */
  async pushBlob(desc: Descriptor, content: Body, options: PushBlobOptions = {}): Promise<PushOutcome> {
    if (await this.exists(desc)) return 'exists';
    for (let session = 1; ; session++) {
      const location = await this.startUpload(desc, session === 1 ? options.mountFrom : undefined);
      if (typeof location !== 'string') return 'mounted';
      try {
        const chunk = options.chunkSize;
        if (chunk !== undefined && chunk > 0) await this.finishUpload(desc, await this.patchChunks(location, content, chunk), { body: Buffer.alloc(0), size: 0 });
        else await this.finishUpload(desc, location, { body: content, size: desc.size });
        return 'pushed';
      } catch (err) {
        if (!(err instanceof UploadBroken)) throw err;
        if (session >= this.http.retry.attempts) throw err.failure;
        await sleep(retryDelay(this.http.retry, session, err.retryAfter));
      }
    }
  }

  /** POST to start an upload (or mount): the upload URL, or `{ mounted: true }`. */
  private async startUpload(desc: Descriptor, mountFrom: string | undefined): Promise<string | { mounted: true }> {
    const query = mountFrom !== undefined ? `?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(mountFrom)}` : '';
    const scopes = mountFrom !== undefined ? [...this.pushScope, `repository:${mountFrom}:pull`] : this.pushScope;
    const start = await this.http.request('POST', this.path('blobs', 'uploads/') + query, { scopes, headers: { 'content-length': '0' } });
    await drain(start);
    if (start.status === 201 && mountFrom !== undefined) return { mounted: true };
    if (start.status !== 202) throw statusError(start, `starting the upload of ${desc.digest}`);
    return requireLocation(start);
  }

  /**
   * The closing PUT with `?digest=` (and the whole blob, for a monolithic
   * upload). A whole blob is sent once: when it breaks or fails with a
   * retryable status, a blob the registry committed anyway is found by
   * HEAD; otherwise the upload starts over. The empty PUT closing a chunked
   * upload is retried on the same upload, within the budget, first.
   */
  private async finishUpload(desc: Descriptor, location: string, part: { body: Body; size: number }): Promise<void> {
    let failure: RegistryError;
    let retryAfter: string | null = null;
    try {
      const put = await this.http.request('PUT', withDigest(location, desc.digest), {
        scopes: this.pushScope,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(part.size) },
        body: part.body,
        sendOnce: part.size > 0,
      });
      await drain(put);
      if (put.status === 201) return;
      failure = statusError(put, part.size === 0 ? `finishing the upload of ${desc.digest}` : `uploading ${desc.digest}`);
      if (!isRetryableStatus(put.status)) throw failure;
      retryAfter = put.headers.get('retry-after');
    } catch (err) {
      if (!isBreak(err)) throw err;
      failure = err;
    }
    if (await this.exists(desc)) return;
    throw new UploadBroken(failure, retryAfter);
  }

  /** PATCHes `content` in chunks of `chunkSize`; a chunk that breaks resumes from what the registry holds. Returns the last Location. */
  private async patchChunks(location: string, content: Body, chunkSize: number): Promise<string> {
    let offset = 0;
    let loc = location;
    const send = async (chunk: Buffer): Promise<void> => {
      const end = offset + chunk.length;
      let at = offset;
      for (let attempt = 1; ; attempt++) {
        const range = `${String(at)}-${String(end - 1)}`;
        let failure: RegistryError;
        let retryAfter: string | null = null;
        let refused = false;
        try {
          const res = await this.http.request('PATCH', loc, {
            scopes: this.pushScope,
            headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - at), 'content-range': range },
            body: chunk.subarray(at - offset),
            sendOnce: true,
          });
          await drain(res);
          if (res.status === 202) {
            loc = requireLocation(res);
            offset = end;
            return;
          }
          failure = statusError(res, `uploading bytes ${range}`);
          // 416: the registry holds another offset than this chunk assumed; ask it which.
          refused = res.status === 416;
          if (!isRetryableStatus(res.status) && !refused) throw failure;
          retryAfter = res.headers.get('retry-after');
        } catch (err) {
          if (!isBreak(err)) throw err;
          failure = err;
        }
        if (attempt >= this.http.retry.attempts) throw failure;
        await sleep(retryDelay(this.http.retry, attempt, retryAfter));
        const status = await this.uploadStatus(loc);
        // Dropped by the registry, holding less than it acknowledged, or refusing the offset it reports
        // (a registry whose `0-0` meant one byte): only a new upload can go on.
        if (status === undefined || status.received < offset || status.received > end || (refused && status.received === at)) throw new UploadBroken(failure);
        loc = status.location;
        at = status.received;
        if (at === end) {
          offset = end;
          return;
        }
      }
    };
    let pending: Buffer[] = [];
    let pendingSize = 0;
    const source = Buffer.isBuffer(content) ? [content] : content();
    for await (const piece of source) {
      let rest = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      while (rest.length > 0) {
        const take = Math.min(rest.length, chunkSize - pendingSize);
        pending.push(rest.subarray(0, take));
        pendingSize += take;
        rest = rest.subarray(take);
        if (pendingSize === chunkSize) {
          await send(Buffer.concat(pending, pendingSize));
          pending = [];
          pendingSize = 0;
        }
      }
    }
    if (pendingSize > 0) await send(Buffer.concat(pending, pendingSize));
    return loc;
  }

  /**
   * What an upload holds (distribution-spec: GET on the upload URL, 204 with
   * `Range: 0-N`, N inclusive): the bytes received and the URL to go on
   * with; undefined when the registry no longer knows the upload (404).
   * `0-0` is read as nothing received, never as one byte: Distribution
   * answers it for both, and going on at 1 would lose the first byte.
   */
  private async uploadStatus(location: string): Promise<{ received: number; location: string } | undefined> {
    const res = await this.http.request('GET', location, { scopes: this.pushScope });
    await drain(res);
    if (res.status === 404) return undefined;
    if (res.status !== 204 && res.status !== 202) throw statusError(res, 'asking the registry how much of the upload arrived');
    const m = /^(?:bytes=)?0-(\d+)$/.exec(res.headers.get('range')?.trim() ?? '');
    if (m === null) throw new RegistryError('PROTOCOL', `the registry reported the upload's progress without a Range of 0-N (${res.headers.get('range') ?? 'none'})`);
    const last = Number(m[1]);
    return { received: last === 0 ? 0 : last + 1, location: res.headers.get('location') === null ? location : requireLocation(res) };
  }

  /** PUT a manifest by digest, or by tag when given; the OCI media type goes in Content-Type (Distribution needs it). */
  async pushManifest(desc: Descriptor, bytes: Buffer, tag?: string): Promise<{ subjectSupported: boolean }> {
    if (sha256Digest(bytes) !== desc.digest) throw new RegistryError('DIGEST_MISMATCH', `manifest bytes do not match ${desc.digest}`);
    const res = await this.http.request('PUT', this.path('manifests', tag ?? desc.digest), {
      scopes: this.pushScope,
      headers: { 'content-type': desc.mediaType },
      body: bytes,
    });
    await drain(res);
    if (res.status !== 201) throw statusError(res, `pushing manifest ${tag ?? desc.digest}`);
    const echoed = res.headers.get('docker-content-digest');
    if (echoed !== null && echoed !== desc.digest) throw new RegistryError('DIGEST_MISMATCH', `the registry stored manifest ${echoed}, not ${desc.digest}`);
    return { subjectSupported: res.headers.get('oci-subject') !== null };
  }

  /** Tags, following Link pagination (distribution-spec "Listing tags"). */
  async tags(): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `${this.path('tags', 'list')}?n=1000`;
    for (let page = 0; next !== undefined && page < 10_000; page++) {
      const res: HttpResponse = await this.http.request('GET', next, { scopes: this.pull });
      if (res.status === 404) {
        await drain(res);
        return out;
      }
      if (!res.ok) {
        await drain(res);
        throw statusError(res, 'listing tags');
      }
      const body = await jsonBody<{ tags?: unknown }>(res, `the tag list of ${this.name}`);
      if (body.tags !== undefined && body.tags !== null && (!Array.isArray(body.tags) || !body.tags.every((t) => typeof t === 'string'))) {
        throw new RegistryError('PROTOCOL', `the tag list of ${this.name}: "tags" is not a list of strings`);
      }
      out.push(...(body.tags ?? []));
      const link = res.headers.get('link');
      next = link !== null ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
    }
    return out.sort();
  }

  async delete(desc: Descriptor): Promise<void> {
    const manifest = MANIFEST_MEDIA_TYPES.includes(desc.mediaType);
    const res = await this.http.request('DELETE', this.path(manifest ? 'manifests' : 'blobs', desc.digest), { scopes: [`repository:${this.repository}:delete`, ...this.pushScope] });
    await drain(res);
    if (res.status !== 202 && res.status !== 200 && res.status !== 404) throw statusError(res, `deleting ${desc.digest}`);
  }

  /**
   * Referrers of a manifest: the referrers API where the registry has it,
   * else the referrers tag schema (`sha256-<hex>` image index), which GHCR
   * and Distribution 2.8 need (distribution-spec "Listing referrers").
   */
  async referrers(subject: Descriptor, artifactType?: string): Promise<Descriptor[]> {
    if (this.referrersApi !== false) {
      const q = artifactType !== undefined ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
      const res = await this.http.request('GET', this.path('referrers', subject.digest) + q, { scopes: this.pull, headers: { accept: OCI_INDEX } });
      if (res.ok && (res.headers.get('content-type') ?? '').startsWith(OCI_INDEX)) {
        this.referrersApi = true;
        const index = asIndex(parseRegistryObject(await readCapped(res, MAX_MANIFEST_BYTES, 'referrers'), `the referrers of ${subject.digest} from ${this.http.registry}`), `the referrers of ${subject.digest}`);
        return index.manifests.filter((d) => artifactType === undefined || d.artifactType === artifactType);
      }
      await drain(res);
      if (res.status !== 404 && res.status !== 400 && res.status !== 405) throw statusError(res, `referrers of ${subject.digest}`);
      this.referrersApi = false;
    }
    const index = await this.fallbackIndex(subject);
    return index.manifests.filter((d) => artifactType === undefined || d.artifactType === artifactType);
  }

  /**
   * Pushes a manifest that has a `subject`. Where the registry does not
   * index it itself (no OCI-Subject header), the `sha256-<hex>` fallback
   * index is updated: existing entries kept, this one added once.
   */
  async pushReferrer(desc: Descriptor, bytes: Buffer, subject: Descriptor): Promise<void> {
    const { subjectSupported } = await this.pushManifest(desc, bytes);
    if (subjectSupported) return;
    const index = await this.fallbackIndex(subject);
    if (index.manifests.some((d) => d.digest === desc.digest)) return;
    index.manifests.push(desc);
    const indexBytes = Buffer.from(JSON.stringify(index));
    await this.pushManifest(describe(OCI_INDEX, indexBytes), indexBytes, fallbackTag(subject));
  }

  private async fallbackIndex(subject: Descriptor): Promise<ImageIndex> {
    try {
      const { bytes } = await this.fetchManifest(fallbackTag(subject));
      return asIndex(parseRegistryObject(bytes, `the referrers index ${fallbackTag(subject)}`), `the referrers index ${fallbackTag(subject)}`);
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'NOT_FOUND') return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
      throw err;
    }
  }
}

/** The referrers tag schema: `sha256:<hex>` → tag `sha256-<hex>`. */
export function fallbackTag(subject: Descriptor): string {
  return subject.digest.replace(':', '-');
}

function withDigest(location: string, digest: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

function requireLocation(res: HttpResponse): string {
  const loc = res.headers.get('location');
  if (loc === null) throw new RegistryError('PROTOCOL', `the registry answered ${String(res.status)} without a Location header`);
  // Checked here, so a Location that is no URL is a PROTOCOL error at once, not a failure of the next request.
  locationURL(loc, new URL('http://registry.invalid/'), `the upload answered ${String(res.status)}`);
  return loc;
}

async function readCapped(res: HttpResponse, max: number, what: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body !== null) {
    try {
      for await (const c of res.body) {
        size += c.length;
        if (size > max) throw new RegistryError('PROTOCOL', `${what} is over ${String(max)} bytes`);
        chunks.push(c);
      }
    } catch (err) {
      throw brokenBody(err, what, size);
    }
  }
  return Buffer.concat(chunks);
}

function mediaTypeOf(bytes: Buffer): string {
  const mediaType = parseRegistryObject(bytes, 'a manifest').mediaType;
  return typeof mediaType === 'string' ? mediaType : '';
}

/** An image index read from a registry: its manifests list must be one. */
function asIndex(doc: Record<string, unknown>, what: string): ImageIndex {
  if (!Array.isArray(doc.manifests)) throw new RegistryError('PROTOCOL', `${what} has no manifests list`);
  return doc as unknown as ImageIndex;
}

/** One line per failure: what, the status, and the registry's own error code when it sent one. */
export function statusError(res: HttpResponse, what: string): RegistryError {
  // A 401 whose challenge says insufficient_scope is a permission problem, not a login one (RFC 6750 §3.1).
  const scope = res.status === 401 && /error="?insufficient_scope/.test(res.headers.get('www-authenticate') ?? '');
  const code = res.status === 404 ? 'NOT_FOUND' : res.status === 403 || scope ? 'DENIED' : res.status === 401 ? 'UNAUTHORIZED' : 'PROTOCOL';
  const hint = code === 'DENIED' ? ' (the credentials lack permission for this repository)' : code === 'UNAUTHORIZED' ? ' (not logged in, or the login is wrong)' : '';
  return new RegistryError(code, `${what}: the registry answered ${String(res.status)}${hint}`, { status: res.status });
}

/** The first byte of a `Content-Range: bytes N-M/T` answer; undefined when it is not one. */
function rangeStart(header: string | null): number | undefined {
  const m = header === null ? null : /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(header.trim());
  return m === null ? undefined : Number(m[1]);
}

/**
 * The bytes must be the ones asked for: by digest, that digest; by tag, the
 * digest the registry names in Docker-Content-Digest, when it names one
 * (Distribution, Harbor, GHCR and ECR do). A manifest read by tag is
 * otherwise unverifiable, and one changed in transit would silently lead a
 * pull to other referrers, or none.
 */
function checkManifestDigest(res: HttpResponse, bytes: Buffer, reference: string): void {
  const actual = sha256Digest(bytes);
  const named = res.headers.get('docker-content-digest')?.trim();
  const expected = reference.startsWith('sha256:') ? reference : named !== undefined && isSha256Digest(named) ? named : undefined;
  if (expected !== undefined && actual !== expected) {
    throw new RegistryError('DIGEST_MISMATCH', `the registry served manifest bytes with digest ${actual} for ${reference}${expected === reference ? '' : ` (it named ${expected})`}`);
  }
}

/** An upload the registry can no longer go on with; the next session starts over. `failure` is what to report when the budget is spent. */
class UploadBroken extends Error {
  constructor(
    readonly failure: RegistryError,
    /** The registry's Retry-After, honoured before the next session. */
    readonly retryAfter: string | null = null,
  ) {
    super(failure.message);
  }
}

/** A connection that broke (or an answer that never came): what another attempt may get past. */
function isBreak(err: unknown): err is RegistryError {
  return err instanceof RegistryError && err.code === 'NETWORK';
}
