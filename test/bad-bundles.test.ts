import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import tar from 'tar-stream';
import { ManifestError, createBundle, extractBundle, readBundle, type LockedManifest } from '@wpack/manifest';
import { makeProject } from './helpers/project.js';
import { runWpack } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

// Deliberate bad-input tests: archives are assembled by hand from the entries
// of a real bundle, then broken in one way each.

interface Entry {
  name: string;
  data?: Buffer;
  type?: tar.Header['type'];
  linkname?: string;
}

function makeTar(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    const header = { name: e.name, type: e.type ?? 'file', mode: 0o644, mtime: new Date(0), ...(e.linkname ? { linkname: e.linkname } : {}) };
    if (header.type === 'file') pack.entry({ ...header, size: (e.data ?? Buffer.alloc(0)).length }, e.data ?? Buffer.alloc(0));
    else pack.entry(header);
  }
  pack.finalize();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
}

let work: { dir: string; cleanup: () => Promise<void> };
let good: Entry[];
let manifest: LockedManifest;
const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

before(async () => {
  work = await tempDir();
  await makeProject(join(work.dir, 'p'), { resources: { 'data/r.bin': randomBytes(4096) } });
  const file = join(work.dir, 'good.wpack');
  await createBundle(join(work.dir, 'p'), file);
  good = [];
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      good.push({ name: entry.header.name, data: Buffer.concat(chunks) });
    }
  })();
  extract.end(await readFile(file));
  await done;
  manifest = JSON.parse((good[0]?.data ?? Buffer.alloc(0)).toString('utf8')) as LockedManifest;
});

after(() => work.cleanup());

const [M, C, R] = [0, 1, 2];
const at = (i: number): Entry => good[i] as Entry;
const withManifest = (edit: (m: LockedManifest) => void): Entry => {
  const m = structuredClone(manifest);
  edit(m);
  return { name: 'wpack.json', data: Buffer.from(JSON.stringify(m)) };
};

interface BadCase {
  name: string;
  code: string;
  archive: () => Promise<Buffer>;
  /** A word the one-line error must contain: the entry or the problem. */
  mentions: string;
}

const cases: BadCase[] = [
  { name: "'..' entry", code: 'BUNDLE_ENTRY_REJECTED', mentions: '../evil', archive: () => makeTar([at(M), at(C), at(R), { name: '../evil', data: Buffer.from('x') }]) },
  { name: 'absolute path', code: 'BUNDLE_ENTRY_REJECTED', mentions: '/tmp/evil', archive: () => makeTar([at(M), { name: '/tmp/evil', data: Buffer.from('x') }]) },
  { name: 'symlink', code: 'BUNDLE_ENTRY_REJECTED', mentions: 'symbolic link', archive: () => makeTar([at(M), { name: 'component.wasm', type: 'symlink', linkname: '/etc/passwd' }]) },
  { name: 'hardlink', code: 'BUNDLE_ENTRY_REJECTED', mentions: 'hard link', archive: () => makeTar([at(M), { name: 'component.wasm', type: 'link', linkname: 'wpack.json' }]) },
  { name: 'device file', code: 'BUNDLE_ENTRY_REJECTED', mentions: 'device', archive: () => makeTar([at(M), { name: 'component.wasm', type: 'character-device' }]) },
  { name: 'duplicate name', code: 'BUNDLE_ENTRY_REJECTED', mentions: 'twice', archive: () => makeTar([at(M), at(C), at(C), at(R)]) },
  { name: 'second wpack.json', code: 'BUNDLE_ENTRY_REJECTED', mentions: 'wpack.json', archive: () => makeTar([at(M), at(C), at(R), at(M)]) },
  { name: 'name not in the manifest', code: 'BUNDLE_ENTRY_REJECTED', mentions: 'resources/extra.bin', archive: () => makeTar([at(M), at(C), { name: 'resources/extra.bin', data: Buffer.from('x') }, at(R)]) },
  { name: 'entry larger than declared', code: 'BUNDLE_ENTRY_REJECTED', mentions: 'larger than', archive: () => makeTar([at(M), { name: 'component.wasm', data: Buffer.concat([at(C).data as Buffer, Buffer.from('extra')]) }, at(R)]) },
  {
    name: 'truncated archive',
    code: 'INVALID_BUNDLE',
    mentions: 'truncated',
    archive: async () => (await makeTar(good)).subarray(0, 512 * 4 + 100),
  },
  {
    name: 'digest mismatch',
    code: 'DIGEST_MISMATCH',
    mentions: 'resources/data/r.bin',
    archive: () => {
      const data = Buffer.from(at(R).data as Buffer);
      data[100] = (data[100] as number) ^ 0xff;
      return makeTar([at(M), at(C), { name: at(R).name, data }]);
    },
  },
  {
    name: 'huge declared size',
    code: 'BUNDLE_TOO_LARGE',
    mentions: 'resources/data/r.bin',
    archive: () => makeTar([withManifest((m) => ((m.files[1] as { size: number }).size = 2 ** 50)), at(C), at(R)]),
  },
  { name: 'non-tar file', code: 'INVALID_BUNDLE', mentions: 'not a tar archive', archive: () => Promise.resolve(randomBytes(4096)) },
  { name: 'empty file', code: 'INVALID_BUNDLE', mentions: 'empty', archive: () => Promise.resolve(Buffer.alloc(0)) },
  { name: 'wpack.json not first', code: 'BUNDLE_ENTRY_REJECTED', mentions: 'starts with wpack.json', archive: () => makeTar([at(C), at(M), at(R)]) },
  {
    name: 'manifest not valid JSON',
    code: 'INVALID_MANIFEST',
    mentions: 'not valid JSON',
    archive: () => makeTar([{ name: 'wpack.json', data: Buffer.from('{"name": ') }, at(C), at(R)]),
  },
  {
    name: 'component swapped for other bytes with a matching size',
    code: 'DIGEST_MISMATCH',
    mentions: 'component.wasm',
    archive: () => makeTar([at(M), { name: 'component.wasm', data: randomBytes((at(C).data as Buffer).length) }, at(R)]),
  },
];

void describe('bad bundles are refused, naming the entry and the problem; nothing is written', () => {
  for (const c of cases) {
    void test(c.name, async () => {
      const dir = join(work.dir, c.name.replace(/[^a-z0-9]+/gi, '-'));
      await mkdir(dir);
      const file = join(dir, 'bad.wpack');
      await writeFile(file, await c.archive());
      await assert.rejects(readBundle(file), (e: unknown) => {
        assert.ok(e instanceof ManifestError, String(e));
        assert.equal(e.code, c.code, e.message);
        assert.ok(e.message.includes(c.mentions), `${e.message} should mention ${c.mentions}`);
        return true;
      });
      // extract: the target is never created and no temp directory or escaped file is left.
      const target = join(dir, 'out', 'target');
      await assert.rejects(extractBundle(file, target), ManifestError);
      assert.deepEqual(await readdir(dir), ['bad.wpack'], 'no target, parent, temp directory or partial file');
      assert.deepEqual((await readdir(work.dir)).filter((n) => n === 'evil'), [], 'nothing escaped the target');
      // The CLI: exit 2 and a single line naming the problem.
      const run = await runWpack(['extract', file, target]);
      assert.equal(run.code, 2, run.stderr);
      const lines = run.stderr.trim().split('\n');
      if (c.code !== 'INVALID_MANIFEST') assert.equal(lines.length, 1, run.stderr);
      assert.ok(run.stderr.includes(c.mentions), run.stderr);
      assert.equal(run.stdout, '');
    });
  }

  void test('the good archive assembled the same way is accepted (the harness itself is sound)', async () => {
    const file = join(work.dir, 'reassembled.wpack');
    await writeFile(file, await makeTar(good));
    const contents = await readBundle(file);
    assert.equal(contents.digest, sha(at(M).data as Buffer));
  });
});
