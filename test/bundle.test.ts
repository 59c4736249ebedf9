import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import tar from 'tar-stream';
import { Readable } from 'node:stream';
import { ManifestError, createBundle, extractBundle, readBundle, type LockedManifest } from '@wpack/manifest';
import { makeProject } from './helpers/project.js';
import { tempDir } from './helpers/tmp.js';

const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function listEntries(file: string): Promise<tar.Header[]> {
  const extract = tar.extract();
  Readable.from(await readFile(file)).pipe(extract);
  const headers: tar.Header[] = [];
  for await (const entry of extract) {
    headers.push(entry.header);
    entry.resume();
  }
  return headers;
}

const resources = {
  'model/weights.bin': Buffer.alloc(300_000, 7),
  'a.txt': 'alpha\n',
  'model/b/readme.md': '# readme\n',
};

void describe('bundle', () => {
  void test('layout: locked wpack.json first, component, sorted resources; fixed owner, mode and mtime', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await makeProject(join(dir, 'p'), { resources, capabilities: ['stdio:stdout', 'filesystem:read:/var/data/', 'env:APP_*'] });
      const out = join(dir, 'app.wpack');
      const result = await createBundle(join(dir, 'p'), out, { sourceDateEpoch: 1_700_000_000 });
      const headers = await listEntries(out);
      assert.deepEqual(
        headers.map((h) => h.name),
        ['wpack.json', 'component.wasm', 'resources/a.txt', 'resources/model/b/readme.md', 'resources/model/weights.bin'],
      );
      for (const h of headers) {
        assert.equal(h.type, 'file');
        assert.equal(h.mode, 0o644);
        assert.equal(h.uid, 0);
        assert.equal(h.gid, 0);
        assert.equal(h.uname, '');
        assert.equal(h.gname, '');
        assert.equal(h.mtime.getTime(), 1_700_000_000_000);
      }
      const m = result.manifest;
      assert.equal(m.created, '2023-11-14T22:13:20Z');
      // Capabilities are stored canonical and sorted.
      assert.deepEqual(m.capabilities, ['env:APP_*', 'filesystem:read:/var/data', 'stdio:stdout']);
      assert.equal(m.files[0]?.path, 'component.wasm');
      assert.equal(m.files[0]?.mediaType, 'application/wasm');
      const weights = m.files.find((f) => f.path === 'resources/model/weights.bin');
      assert.equal(weights?.digest, sha(resources['model/weights.bin']));
      assert.equal(weights?.size, 300_000);
      assert.ok(m.interface.exports.some((e) => e.name === 'wasi:cli/run@0.2.12'));
      // The digest is the digest of the wpack.json entry, and readBundle agrees.
      const read = await readBundle(out);
      assert.equal(read.digest, result.digest);
      assert.equal(sha(read.manifestBytes), result.digest);
      assert.deepEqual(read.manifest, m);
      assert.deepEqual(await readdir(dir), ['app.wpack', 'p'], 'no temp files left behind');
    } finally {
      await cleanup();
    }
  });

  void test('reproducible: two runs and two checkouts with other mtimes give identical bytes', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await makeProject(join(dir, 'one'), { resources });
      await cp(join(dir, 'one'), join(dir, 'two'), { recursive: true });
      await utimes(join(dir, 'two', 'a.txt'), new Date(5_000_000), new Date(5_000_000));
      await createBundle(join(dir, 'one'), join(dir, '1.wpack'), { sourceDateEpoch: 0 });
      await createBundle(join(dir, 'one'), join(dir, '2.wpack'), { sourceDateEpoch: 0 });
      await createBundle(join(dir, 'two'), join(dir, '3.wpack'), { sourceDateEpoch: 0 });
      const [a, b, c] = await Promise.all(['1', '2', '3'].map((n) => readFile(join(dir, `${n}.wpack`))));
      assert.ok(a && b && c);
      assert.ok(a.equals(b));
      assert.ok(a.equals(c));
      // SOURCE_DATE_EPOCH is honoured: a different epoch is a different bundle.
      await createBundle(join(dir, 'one'), join(dir, '4.wpack'), { sourceDateEpoch: 86400 });
      assert.ok(!a.equals(await readFile(join(dir, '4.wpack'))));
    } finally {
      await cleanup();
    }
  });

  void test('extract writes exactly the bundle files; refuses a non-empty target unless forced', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await makeProject(join(dir, 'p'), { resources });
      const out = join(dir, 'app.wpack');
      const made = await createBundle(join(dir, 'p'), out);
      const target = join(dir, 'x');
      const contents = await extractBundle(out, target);
      assert.equal(contents.digest, made.digest);
      assert.ok((await readFile(join(target, 'resources/model/weights.bin'))).equals(resources['model/weights.bin']));
      assert.ok((await readFile(join(target, 'component.wasm'))).equals(await readFile(join(dir, 'p/build/app.wasm'))));
      const locked = JSON.parse(await readFile(join(target, 'wpack.json'), 'utf8')) as LockedManifest;
      assert.equal(locked.name, 'acme:app');
      await assert.rejects(extractBundle(out, target), (e: unknown) => e instanceof ManifestError && e.code === 'TARGET_EXISTS');
      await writeFile(join(target, 'stale.txt'), 'old');
      await extractBundle(out, target, { force: true });
      assert.deepEqual((await readdir(target)).sort(), ['component.wasm', 'resources', 'wpack.json']);
      assert.deepEqual((await readdir(dir)).sort(), ['app.wpack', 'p', 'x'], 'no temp directories left');
    } finally {
      await cleanup();
    }
  });

  void test('an invalid manifest is refused with every problem located by JSON pointer', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await makeProject(dir, {
        capabilities: ['stdio:stdout', 'network:dns', 'filesystem:read:relative'],
        extra: { version: 'one', colour: 'blue' },
      });
      await assert.rejects(createBundle(dir, join(dir, 'x.wpack')), (e: unknown) => {
        assert.ok(e instanceof ManifestError && e.code === 'INVALID_MANIFEST');
        const problems = (e as unknown as { problems: { path: string; message: string }[] }).problems;
        assert.deepEqual(
          problems.map((p) => p.path).sort(),
          ['/colour', '/version'],
          'schema problems are reported first; grammar problems follow once the shape is right',
        );
        return true;
      });
      await makeProject(dir, { capabilities: ['stdio:stdout', 'network:dns', 'filesystem:read:relative'] });
      await assert.rejects(createBundle(dir, join(dir, 'x.wpack')), (e: unknown) => {
        const problems = (e as { problems: { path: string; message: string }[] }).problems;
        assert.equal(problems.length, 1);
        assert.equal(problems[0]?.path, '/capabilities/2');
        assert.match(problems[0]?.message ?? '', /^"filesystem:read:relative" — .*absolute/);
        return true;
      });
    } finally {
      await cleanup();
    }
  });

  void test('a missing component or resource is a one-line FILE_NOT_FOUND', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await makeProject(dir, { resources: { 'r.txt': 'x' } });
      const m = JSON.parse(await readFile(join(dir, 'wpack.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(dir, 'wpack.json'), JSON.stringify({ ...m, resources: [{ path: 'nope.bin' }] }));
      await assert.rejects(createBundle(dir, join(dir, 'x.wpack')), (e: unknown) => e instanceof ManifestError && e.code === 'FILE_NOT_FOUND');
      await writeFile(join(dir, 'wpack.json'), JSON.stringify({ ...m, component: 'missing.wasm' }));
      await assert.rejects(createBundle(dir, join(dir, 'x.wpack')), (e: unknown) => e instanceof ManifestError && e.code === 'FILE_NOT_FOUND');
      assert.ok(!(await readdir(dir)).some((n) => n.includes('.wpack')), 'no partial output');
    } finally {
      await cleanup();
    }
  });
});
