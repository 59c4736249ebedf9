import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OCI_INDEX, type Descriptor, type ImageIndex } from './descriptor.js';
import { RegistryError } from './errors.js';
import type { Body } from './http.js';
import { isManifest, referrerDescriptor, subjectOf, type Target } from './target.js';
import { verifying } from './verify-stream.js';

const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * An OCI image layout directory (image-spec image-layout.md) as a Target:
 * blobs/sha256/<hex>, index.json naming tagged manifests, and referrers
 * found through their `subject`. Blobs are written to a temp file, checked,
 * then renamed.
 */
export class OciLayoutTarget implements Target {
  constructor(readonly name: string) {}

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
    return verifying(createReadStream(this.blobPath(desc.digest), { highWaterMark: 1024 * 1024 }), desc, `${this.name}: ${desc.digest}`);
  }

  async push(desc: Descriptor, content: Body): Promise<void> {
    await this.init();
    const target = this.blobPath(desc.digest);
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await open(tmp, 'wx');
    const hash = createHash('sha256');
    let size = 0;
    let kept: Buffer | undefined;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of Buffer.isBuffer(content) ? [content] : content()) {
        hash.update(chunk);
        size += chunk.length;
        if (isManifest(desc)) chunks.push(Buffer.from(chunk));
        await fh.write(chunk);
      }
      await fh.sync();
      if (isManifest(desc)) kept = Buffer.concat(chunks);
    } finally {
      await fh.close();
    }
    if (size !== desc.size || `sha256:${hash.digest('hex')}` !== desc.digest) {
      await unlink(tmp).catch(() => undefined);
      throw new RegistryError('DIGEST_MISMATCH', `content pushed as ${desc.digest} to ${this.name} is not that content`, { category: 'input' });
    }
    await rename(tmp, target);
    // Manifests are listed in index.json so the layout's readers (skopeo, oras) can find them.
    if (kept !== undefined) await this.updateIndex((index) => addOnce(index, subjectOf(kept) !== undefined ? referrerDescriptor(desc, kept) : desc));
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
      const bytes = await readFile(this.blobPath(d.digest));
      if (subjectOf(bytes)?.digest === subject.digest && (artifactType === undefined || d.artifactType === artifactType)) out.push(d);
    }
    return out;
  }

  private async init(): Promise<void> {
    await mkdir(join(this.name, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(this.name, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }

  private async readIndex(): Promise<ImageIndex> {
    try {
      return JSON.parse(await readFile(join(this.name, 'index.json'), 'utf8')) as ImageIndex;
    } catch {
      return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
    }
  }

  private async updateIndex(edit: (index: ImageIndex) => void): Promise<void> {
    const index = await this.readIndex();
    edit(index);
    const path = join(this.name, 'index.json');
    await writeFile(`${path}.tmp`, JSON.stringify(index));
    await rename(`${path}.tmp`, path);
  }
}

function addOnce(index: ImageIndex, desc: Descriptor): void {
  if (!index.manifests.some((d) => d.digest === desc.digest && d.annotations?.[REF_NAME] === undefined)) index.manifests.push(desc);
}
