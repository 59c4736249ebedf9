import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sha256Hasher } from '@wpack/core';
import { OCI_INDEX, type Descriptor, type ImageIndex } from './descriptor.js';
import { RegistryError } from './errors.js';
import type { Body } from './http.js';
import { parseRegistryObject } from './json.js';
import { isManifest, referrerDescriptor, subjectOf, type Target } from './target.js';
import { verifying } from './verify-stream.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const LAYOUT_FILE = 'oci-layout';
const INDEX_FILE = 'index.json';

/**
 * index.json updates, one at a time per layout directory. Blobs of a copy are
 * pushed concurrently, and every manifest push rewrites index.json
 * (read, edit, write): without this queue two pushes read the same index and
 * the later rename drops the earlier one's entry. The queue is per process
 * only; two processes writing one layout at once are not coordinated (nor
 * are they by skopeo or oras).
 */
const indexQueues = new Map<string, Promise<void>>();

function serialized(dir: string, task: () => Promise<void>): Promise<void> {
  const key = resolve(dir);
  const run = (indexQueues.get(key) ?? Promise.resolve()).then(task);
  const settled = run.catch(() => undefined);
  indexQueues.set(key, settled);
  void settled.then(() => {
    if (indexQueues.get(key) === settled) indexQueues.delete(key);
  });
  return run;
}

/** A temp name beside `path`, unique per write, so concurrent writers never rename each other's file. */
function tempBeside(path: string): string {
  return `${path}.${randomBytes(8).toString('hex')}.tmp`;
}

/** Writes a small file atomically: a unique temp file in the same directory, then rename. */
async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = tempBeside(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * An OCI image layout directory (image-spec image-layout.md) as a Target:
 * blobs/sha256/<hex>, index.json naming tagged manifests, and referrers
 * found through their `subject`. Blobs are written to a temp file, checked,
 * then renamed.
 */
export class OciLayoutTarget implements Target {
  private initialized: Promise<void> | undefined;

  constructor(readonly name: string) {}

  /**
   * An existing layout to read from: the directory must hold an `oci-layout`
   * file and an index.json (image-layout.md), else an input error naming it.
   */
  static async openExisting(dir: string): Promise<OciLayoutTarget> {
    for (const file of [LAYOUT_FILE, INDEX_FILE]) {
      const found = await stat(join(dir, file)).then(
        (s) => s.isFile(),
        () => false,
      );
      if (!found) throw new RegistryError('NOT_FOUND', `${dir} is not an OCI image layout (no ${file} in it)`, { category: 'input' });
    }
    const target = new OciLayoutTarget(dir);
    await target.readIndex();
    return target;
  }

  private blobPath(digest: string): string {
    const [alg, hex] = digest.split(':');
    if (alg !== 'sha256' || hex === undefined || !/^[0-9a-f]{64}$/.test(hex)) throw new RegistryError('PROTOCOL', `unsupported digest ${digest}`, { category: 'input' });
    return join(this.name, 'blobs', 'sha256', hex);
  }

  async exists(desc: Descriptor): Promise<boolean> {
    try {
      return (await stat(this.blobPath(desc.digest))).size === desc.size;
    } catch {
      return false;
    }
  }

  fetch(desc: Descriptor): AsyncIterable<Uint8Array> {
    return verifying(this.readBlob(desc), desc, `${this.name}: ${desc.digest}`);
  }

  private async *readBlob(desc: Descriptor): AsyncGenerator<Uint8Array> {
    try {
      yield* createReadStream(this.blobPath(desc.digest), { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
    } catch (err) {
      throw this.ioError(`reading ${desc.digest}`, err);
    }
  }

  async push(desc: Descriptor, content: Body): Promise<void> {
    await this.init();
    const target = this.blobPath(desc.digest);
    const tmp = tempBeside(target);
    const hash = sha256Hasher();
    let size = 0;
    let kept: Buffer | undefined;
    const chunks: Buffer[] = [];
    try {
      const fh = await open(tmp, 'wx');
      try {
        for await (const chunk of Buffer.isBuffer(content) ? [content] : content()) {
          hash.update(chunk);
          size += chunk.length;
          if (isManifest(desc)) chunks.push(Buffer.from(chunk));
          await fh.write(chunk);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (isManifest(desc)) kept = Buffer.concat(chunks);
      if (size !== desc.size || hash.digest() !== desc.digest) {
        throw new RegistryError('DIGEST_MISMATCH', `content pushed as ${desc.digest} to ${this.name} is not that content`, { category: 'input' });
      }
      await rename(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      if (err instanceof RegistryError) throw err;
      throw this.ioError(`writing ${desc.digest}`, err);
    }
    // Manifests are listed in index.json so the layout's readers (skopeo, oras) can find them.
    if (kept !== undefined) {
      const entry = subjectOf(kept, `manifest ${desc.digest}`) !== undefined ? referrerDescriptor(desc, kept) : desc;
      await this.updateIndex((index) => addOnce(index, entry));
    }
  }

  async resolve(reference: string): Promise<Descriptor> {
    const index = await this.readIndex();
    const found = index.manifests.find((d) => d.annotations?.[REF_NAME] === reference || d.digest === reference);
    if (found === undefined) throw new RegistryError('NOT_FOUND', `${this.name} has no ${reference}`, { category: 'input' });
    return { mediaType: found.mediaType, digest: found.digest, size: found.size };
  }

  async tag(desc: Descriptor, reference: string): Promise<void> {
    await this.init();
    await this.updateIndex((index) => {
      index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== reference);
      index.manifests.push({ mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: { [REF_NAME]: reference } });
    });
  }

  async referrers(subject: Descriptor, artifactType?: string): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    for (const d of (await this.readIndex()).manifests) {
      if (d.annotations?.[REF_NAME] !== undefined) continue;
      let bytes: Buffer;
      try {
        bytes = await readFile(this.blobPath(d.digest));
      } catch (err) {
        throw this.ioError(`reading ${d.digest}, which index.json lists`, err);
      }
      if (subjectOf(bytes, `${this.name}: manifest ${d.digest}`)?.digest === subject.digest && (artifactType === undefined || d.artifactType === artifactType)) out.push(d);
    }
    return out;
  }

  /** Creates the layout once per target: blobs/sha256 and the oci-layout file (atomically, as every write here). */
  private init(): Promise<void> {
    this.initialized ??= (async () => {
      try {
        await mkdir(join(this.name, 'blobs', 'sha256'), { recursive: true });
        const layout = join(this.name, LAYOUT_FILE);
        if (!(await stat(layout).then(() => true, () => false))) await writeAtomic(layout, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      } catch (err) {
        throw this.ioError('creating the layout', err);
      }
    })();
    return this.initialized;
  }

  private async readIndex(): Promise<ImageIndex> {
    let text: string;
    try {
      text = await readFile(join(this.name, INDEX_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
      throw this.ioError(`reading ${INDEX_FILE}`, err);
    }
    const index = parseRegistryObject(text, `${join(this.name, INDEX_FILE)}`) as Partial<ImageIndex>;
    if (!Array.isArray(index.manifests)) throw new RegistryError('PROTOCOL', `${join(this.name, INDEX_FILE)} has no manifests list`, { category: 'input' });
    return index as ImageIndex;
  }

  private updateIndex(edit: (index: ImageIndex) => void): Promise<void> {
    return serialized(this.name, async () => {
      const index = await this.readIndex();
      edit(index);
      try {
        await writeAtomic(join(this.name, INDEX_FILE), JSON.stringify(index));
      } catch (err) {
        throw this.ioError(`writing ${INDEX_FILE}`, err);
      }
    });
  }

  /** A file-system failure in the layout: an input error (exit 2) naming the directory and the system's code. */
  private ioError(what: string, err: unknown): RegistryError {
    if (err instanceof RegistryError) return err;
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return new RegistryError('IO_ERROR', `OCI layout ${this.name}: ${what} failed (${code})`, { cause: err, category: 'input' });
  }
}

function addOnce(index: ImageIndex, desc: Descriptor): void {
  if (!index.manifests.some((d) => d.digest === desc.digest && d.annotations?.[REF_NAME] === undefined)) index.manifests.push(desc);
}
