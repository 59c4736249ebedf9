// Copying into an OCI image layout directory: an image index whose child
// manifests copy() pushes concurrently must leave an index.json listing every
// one of them, every blob and manifest stored under its digest, and a layout
// that skopeo (an independent reader) opens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Digest } from '@wpack/core';
import { copy, describe as describeBlob, MemoryTarget, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST, OciLayoutTarget, type Descriptor } from '@wpack/registry-client';
import { runProcess } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const CHILDREN = 8;
const TAG = 'multi';

let work: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  work = await tempDir('wpack-layout-');
});
after(() => work.cleanup());

/** An image index of CHILDREN manifests, each with its own config and layer, tagged TAG in a MemoryTarget. */
async function indexInMemory(): Promise<{ mem: MemoryTarget; index: Descriptor; indexBytes: Buffer; all: Descriptor[] }> {
  const mem = new MemoryTarget();
  const all: Descriptor[] = [];
  const put = async (desc: Descriptor, bytes: Buffer): Promise<Descriptor> => {
    await mem.push(desc, bytes);
    all.push(desc);
    return desc;
  };
  const children: Descriptor[] = [];
  for (let i = 0; i < CHILDREN; i++) {
    const configBytes = Buffer.from(JSON.stringify({ child: i }));
    const config = await put(describeBlob(OCI_EMPTY, configBytes), configBytes);
    const layerBytes = Buffer.alloc(10_000 + i, i + 1);
    const layer = await put(describeBlob('application/octet-stream', layerBytes), layerBytes);
    const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }));
    children.push(await put(describeBlob(OCI_MANIFEST, manifestBytes), manifestBytes));
  }
  const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children }));
  const index = await put(describeBlob(OCI_INDEX, indexBytes), indexBytes);
  await mem.tag(index, TAG);
  return { mem, index, indexBytes, all };
}

void describe('copy into an OCI layout', () => {
  void test(`an index of ${String(CHILDREN)} manifests: index.json lists every one, every blob is there under its digest, skopeo reads it`, async () => {
    const { mem, index, indexBytes, all } = await indexInMemory();
    const dir = join(work.dir, 'layout');
    const result = await copy(mem, TAG, new OciLayoutTarget(dir), TAG, { concurrency: 8 });
    assert.equal(result.root.digest, index.digest);
    assert.equal(result.copied, all.length, 'every node copied');

    const listed = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: (Descriptor & { annotations?: Record<string, string> })[] };
    const manifests = all.filter((d) => d.mediaType === OCI_MANIFEST || d.mediaType === OCI_INDEX);
    for (const m of manifests) assert.ok(listed.manifests.some((d) => d.digest === m.digest), `index.json lists ${m.digest}`);
    assert.equal(listed.manifests.filter((d) => d.annotations?.['org.opencontainers.image.ref.name'] === TAG).map((d) => d.digest).join(), index.digest);

    const stored = await readdir(join(dir, 'blobs', 'sha256'));
    assert.deepEqual(stored.filter((n) => n.endsWith('.tmp')), [], 'no temp file left');
    for (const d of all) {
      const bytes = await readFile(join(dir, 'blobs', 'sha256', d.digest.slice('sha256:'.length)));
      assert.equal(sha256Digest(bytes), d.digest);
      assert.equal(bytes.length, d.size);
    }
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.tmp')), [], 'no index.json temp file left');

    const raw = await runProcess('skopeo', ['inspect', '--raw', `oci:${dir}:${TAG}`], { env: { HOME: work.dir }, timeoutMs: 60_000 });
    assert.equal(raw.code, 0, raw.stderr);
    assert.ok(Buffer.from(raw.stdout).equals(indexBytes), 'skopeo reads the same index bytes');
  });

  void test('two copies into one layout at once keep both tags', async () => {
    const a = await indexInMemory();
    const dir = join(work.dir, 'shared');
    const b = new MemoryTarget();
    const blob = Buffer.from('{}');
    const config = describeBlob(OCI_EMPTY, blob);
    await b.push(config, blob);
    const m = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }));
    const md = describeBlob(OCI_MANIFEST, m);
    await b.push(md, m);
    await b.tag(md, 'single');
    await Promise.all([copy(a.mem, TAG, new OciLayoutTarget(dir), TAG), copy(b, 'single', new OciLayoutTarget(dir), 'single')]);
    const layout = await OciLayoutTarget.openExisting(dir);
    assert.equal((await layout.resolve(TAG)).digest, a.index.digest);
    assert.equal((await layout.resolve('single')).digest, md.digest);
  });
});
