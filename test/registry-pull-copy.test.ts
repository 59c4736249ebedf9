// `wpack pull` moves the bundle's graph with the registry client's copy(),
// as push does: every node of the chosen bundle is reported by copy()'s
// onNode, nothing of another bundle sharing the component is, and a pull cut
// off in the middle of a blob leaves neither the file nor a temp file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { WpackError } from '@wpack/core';
import { componentArtifact, createBundle, pullBundle, readBundle } from '@wpack/manifest';
import { parseReference, RemoteRepository, type Descriptor } from '@wpack/registry-client';
import { signBundle } from '@wpack/signatures';
import { runWpack } from './helpers/cli.js';
import { startFaultProxy } from './helpers/fault-proxy.js';
import { makeProject } from './helpers/project.js';
import { startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const REPO = 'acme/app';
/** Large enough that a cut at half of it falls after the first 1 MiB write. */
const BIG = Buffer.alloc(3 * 1024 * 1024, 5);
const TWIN = Buffer.alloc(70_000, 3);

let work: { dir: string; cleanup: () => Promise<void> };
let reg: TestRegistry;
const file = (n: string): string => join(work.dir, n);

before(async () => {
  work = await tempDir('wpack-pull-copy-');
  reg = await startRegistry('plain');
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  // Two bundles of one component; `main` has two resources with the same bytes (one blob, two entries).
  for (const [name, caps, resources] of [
    ['main', ['stdio:stdout'], { 'data/big.bin': BIG, 'data/a.bin': TWIN, 'data/b.bin': TWIN, 'notes.txt': 'hi\n' }],
    ['other', ['stdio:stdout', 'env:*'], { 'data/big.bin': BIG }],
  ] as const) {
    await makeProject(file(name), { capabilities: [...caps], resources });
    await createBundle(file(name), file(`${name}.wpack`), { sourceDateEpoch: 1_700_000_000 });
    await signBundle(file(`${name}.wpack`), { kind: 'key', privateKey: key });
    const push = await runWpack(['push', file(`${name}.wpack`), `${reg.host}/${REPO}:${name}`], { env: { DOCKER_CONFIG: file('docker') } });
    assert.equal(push.code, 0, push.stderr);
  }
});

after(async () => {
  await reg.stop();
  await work.cleanup();
});

void describe('pull through copy()', () => {
  void test('copy() reports every node of the chosen bundle, once, and none of the bundle sharing its component; the output is byte-identical', async () => {
    const contents = await readBundle(file('main.wpack'));
    const other = await readBundle(file('other.wpack'));
    const ref = parseReference(`${reg.host}/${REPO}:main`);
    const repo = RemoteRepository.open(ref);
    let referrers: Descriptor[];
    try {
      referrers = await repo.referrers(await repo.resolve('main'));
    } finally {
      await repo.close();
    }
    const mine = referrers.filter((r) => r.annotations?.['dev.wpack.tag'] === 'main' || r.annotations?.['dev.wpack.bundle.digest'] === contents.digest);
    assert.equal(mine.length, 2, 'one wpack referrer and one signature referrer for main');

    const out = join(work.dir, 'pulled');
    await mkdir(out);
    const nodes: { digest: string; outcome: string }[] = [];
    let progress: [number, number] = [0, 0];
    const result = await pullBundle(ref, join(out, 'main.wpack'), {
      onNode: (d, outcome) => nodes.push({ digest: d.digest, outcome }),
      onProgress: (done, total) => (progress = [done, total]),
    });
    assert.ok((await readFile(join(out, 'main.wpack'))).equals(await readFile(file('main.wpack'))), 'byte-identical');
    assert.deepEqual(await readdir(out), ['main.wpack'], 'no temp file left');

    const { manifest: componentManifest, config } = componentArtifact(contents.manifest);
    assert.equal(result.digest, componentManifest.digest);
    const signature = contents.signatures[0];
    assert.ok(signature);
    const expected = new Set([
      componentManifest.digest,
      ...mine.map((r) => r.digest),
      contents.digest, // wpack.json
      ...contents.manifest.files.map((f) => f.digest), // component and resources (the twins are one blob)
      `sha256:${(await import('node:crypto')).createHash('sha256').update(signature.bytes).digest('hex')}`,
    ]);
    assert.deepEqual(new Set(nodes.map((n) => n.digest)), expected, 'exactly the chosen bundle’s nodes');
    assert.equal(nodes.length, expected.size, 'each node once');
    assert.ok(nodes.every((n) => n.outcome === 'copied'));
    assert.ok(!nodes.some((n) => n.digest === config.digest), 'the component config is not part of the bundle');
    assert.ok(!nodes.some((n) => n.digest === other.digest), 'nothing of the other bundle');
    const total = contents.manifest.files.reduce((n, f) => n + f.size, 0) + signature.bytes.length;
    assert.deepEqual(progress, [total, total], 'progress counts every entry after wpack.json');
  });

  void test('a pull cut off on every try, resumes included, leaves no file and no temp file (network error)', async () => {
    const big = (await readBundle(file('main.wpack'))).manifest.files.find((f) => f.path === 'resources/data/big.bin');
    assert.ok(big);
    const proxy = await startFaultProxy(reg.baseURL, [
      // Every GET, resumes included, is cut after an eighth of the blob: six tries get three quarters of it.
      { method: 'GET', path: new RegExp(`^/v2/${REPO}/blobs/${big.digest}$`), action: { kind: 'cut', afterBytes: BIG.length / 8 } },
    ]);
    try {
      const out = join(work.dir, 'cut');
      await mkdir(out);
      let written = 0;
      await assert.rejects(
        pullBundle(parseReference(`${proxy.host}/${REPO}:main`), join(out, 'main.wpack'), { onProgress: (done) => (written = done) }),
        (err: unknown) => err instanceof WpackError && err.code === 'NETWORK',
      );
      assert.ok(proxy.hits().some((h) => h.fault === 'cut'), 'the fault was injected');
      assert.ok(written > 0, 'bytes had been written before the cut');
      assert.deepEqual(await readdir(out), [], 'neither the file nor a temp file');
    } finally {
      await proxy.close();
    }
  });
});
