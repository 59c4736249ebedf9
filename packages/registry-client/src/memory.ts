import { sha256Digest } from '@wpack/core';
import type { Descriptor } from './descriptor.js';
import { RegistryError } from './errors.js';
import type { Body } from './http.js';
import { isManifest, referrerDescriptor, subjectOf, type Target } from './target.js';
import { collect } from './verify-stream.js';

/** An in-memory Target, for tests and small graphs. */
export class MemoryTarget implements Target {
  readonly name = 'memory';
  private readonly blobs = new Map<string, Buffer>();
  private readonly tags = new Map<string, Descriptor>();
  private readonly referrerIndex = new Map<string, Descriptor[]>();

  exists(desc: Descriptor): Promise<boolean> {
    return Promise.resolve(this.blobs.has(desc.digest));
  }

  held(desc: Descriptor): Buffer | undefined {
    return this.blobs.get(desc.digest);
  }

  async *fetch(desc: Descriptor): AsyncGenerator<Uint8Array> {
    const data = this.blobs.get(desc.digest);
    if (data === undefined) throw new RegistryError('NOT_FOUND', `${desc.digest} is not in memory`, { category: 'input' });
    await Promise.resolve();
    yield data;
  }

  async push(desc: Descriptor, content: Body): Promise<void> {
    const data = Buffer.isBuffer(content) ? content : await collect(content());
    if (data.length !== desc.size || sha256Digest(data) !== desc.digest) {
      throw new RegistryError('DIGEST_MISMATCH', `content pushed as ${desc.digest} is not that content`, { category: 'input' });
    }
    this.blobs.set(desc.digest, data);
    if (isManifest(desc)) {
      const subject = subjectOf(data);
      if (subject !== undefined) {
        const list = this.referrerIndex.get(subject.digest) ?? [];
        if (!list.some((d) => d.digest === desc.digest)) list.push(referrerDescriptor(desc, data));
        this.referrerIndex.set(subject.digest, list);
      }
    }
  }

  resolve(reference: string): Promise<Descriptor> {
    const found = this.tags.get(reference);
    if (found === undefined) return Promise.reject(new RegistryError('NOT_FOUND', `no ${reference} in memory`, { category: 'input' }));
    return Promise.resolve(found);
  }

  tag(desc: Descriptor, reference: string): Promise<void> {
    this.tags.set(reference, desc);
    return Promise.resolve();
  }

  referrers(subject: Descriptor, artifactType?: string): Promise<Descriptor[]> {
    return Promise.resolve((this.referrerIndex.get(subject.digest) ?? []).filter((d) => artifactType === undefined || d.artifactType === artifactType));
  }
}
