import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import tar from 'tar-stream';
import { canonicalJson } from '@wpack/core';
import { ManifestError, createBundle, extractBundle, readBundle, readBundleHead, readBundleUnverified, type LockedManifest } from '@wpack/manifest';
import { buildFixtures } from './fixtures/build.js';
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
  return { name: 'wpack.json', data: Buffer.from(canonicalJson(m)) };
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

// ---------------------------------------------------------------------------
// One strict reader for every reader of a bundle: inspect, extract, verify,
// sign and push all refuse a locked wpack.json that is not canonical or has a
// duplicate key (INVALID_MANIFEST, exit 2), and one that records another
// interface than its component's (INTERFACE_MISMATCH: exit 2, except for
// verify, whose report has it as a finding and exits 1).

/** The good manifest's canonical text with a second "name" key inserted before the first. */
function duplicateName(): Buffer {
  const text = canonicalJson(manifest);
  return Buffer.from(text.replace('{\n', '{\n  "name": "acme:evil",\n'));
}

interface ReaderCase {
  name: string;
  code: 'INVALID_MANIFEST' | 'INTERFACE_MISMATCH';
  archive: () => Promise<Buffer>;
  /** The JSON pointer of the problem, for INVALID_MANIFEST. */
  pointer?: string;
  /** Words the error must contain. */
  mentions: string;
}

const readerCases: ReaderCase[] = [
  {
    name: 'wpack.json not canonical (same value, compact)',
    code: 'INVALID_MANIFEST',
    mentions: 'not canonical JSON',
    pointer: '',
    archive: () => makeTar([{ name: 'wpack.json', data: Buffer.from(JSON.stringify(manifest)) }, at(C), at(R)]),
  },
  {
    name: 'wpack.json not canonical (keys out of order)',
    code: 'INVALID_MANIFEST',
    mentions: 'not canonical JSON',
    pointer: '',
    archive: () => {
      const { name, ...rest } = manifest;
      return makeTar([{ name: 'wpack.json', data: Buffer.from(JSON.stringify({ ...rest, name }, null, 2) + '\n') }, at(C), at(R)]);
    },
  },
  {
    name: 'wpack.json with a duplicate key',
    code: 'INVALID_MANIFEST',
    mentions: 'duplicate key',
    pointer: '/name',
    archive: () => makeTar([{ name: 'wpack.json', data: duplicateName() }, at(C), at(R)]),
  },
  {
    name: 'wpack.json records one import fewer than the component has (digests right, canonical)',
    code: 'INTERFACE_MISMATCH',
    mentions: 'does not record',
    archive: () => makeTar([withManifest((m) => (m.interface.imports = m.interface.imports.slice(1))), at(C), at(R)]),
  },
  {
    name: 'wpack.json records an export the component does not have',
    code: 'INTERFACE_MISMATCH',
    mentions: 'acme:extra/thing@1.0.0',
    archive: () => makeTar([withManifest((m) => m.interface.exports.push({ name: 'acme:extra/thing@1.0.0', kind: 'instance' })), at(C), at(R)]),
  },
  {
    name: 'component.wasm is a core module (digest re-locked)',
    code: 'INTERFACE_MISMATCH',
    mentions: 'cannot be read as a component',
    archive: async () => {
      const core = await readFile((await buildFixtures())['core-module']);
      const edited = withManifest((m) => {
        const f = m.files[0] as { size: number; digest: string };
        f.size = core.length;
        f.digest = sha(core);
      });
      return makeTar([edited, { name: 'component.wasm', data: core }, at(R)]);
    },
  },
];

void describe('every reader of a bundle refuses a non-canonical wpack.json, a duplicate key, and a recorded interface that is not the component’s', () => {
  let keyDir: string;
  let policy: string;
  before(async () => {
    keyDir = join(work.dir, 'readers-keys');
    await mkdir(keyDir);
    const keygen = await runWpack(['keygen', '-o', join(keyDir, 'k')]);
    assert.equal(keygen.code, 0, keygen.stderr);
    policy = join(keyDir, 'policy.json');
    await writeFile(policy, JSON.stringify({ version: 1, host: { worlds: ['wasi:cli/command@0.2.3'] }, signatures: { signers: [{ key: 'k.pub' }] }, capabilities: { allow: ['stdio:*'] } }));
  });

  const isCase = (c: ReaderCase) => (e: unknown): boolean => {
    assert.ok(e instanceof ManifestError, String(e));
    assert.equal(e.code, c.code, e.message);
    assert.ok(e.message.includes(c.mentions), `${e.message} should mention ${c.mentions}`);
    if (c.pointer !== undefined) assert.ok(e.problems.some((p) => p.path === c.pointer), `a problem at ${JSON.stringify(c.pointer)}: ${e.message}`);
    return true;
  };

  for (const c of readerCases) {
    void test(c.name, async () => {
      const dir = join(work.dir, `reader-${c.name.replace(/[^a-z0-9]+/gi, '-')}`);
      await mkdir(dir);
      const file = join(dir, 'bad.wpack');
      const bytes = await c.archive();
      await writeFile(file, bytes);

      // The library readers.
      await assert.rejects(readBundle(file), isCase(c));
      await assert.rejects(readBundleHead(file), isCase(c), 'readBundleHead: what signing reads');
      await assert.rejects(extractBundle(file, join(dir, 'out')), isCase(c));
      if (c.code === 'INVALID_MANIFEST') await assert.rejects(readBundleUnverified(file), isCase(c));
      else await readBundleUnverified(file); // documented: it does not compare interfaces

      // The commands: each refuses with the code, exit 2, and writes nothing.
      const refusing: [string, string[]][] = [
        ['inspect', ['inspect', file, '--json']],
        ['inspect --wit', ['inspect', file, '--wit', '--json']],
        ['extract', ['extract', file, join(dir, 'out'), '--json']],
        ['sign', ['sign', file, '--key', join(keyDir, 'k.key'), '--json']],
        ['push', ['push', file, '127.0.0.1:9/acme/bad:1', '--json']],
      ];
      // The gate is the reader whose report lists integrity problems: a bad manifest is bad input, an interface mismatch a finding.
      const extractGated = ['extract', file, join(dir, 'out'), '--policy', policy, '--json'];
      const verifies: [string, string[]][] = [
        ['verify --key', ['verify', file, '--key', join(keyDir, 'k.pub'), '--json']],
        ['verify --policy', ['verify', file, '--policy', policy, '--json']],
      ];
      if (c.code === 'INVALID_MANIFEST') refusing.push(...verifies, ['extract --policy', extractGated]);
      for (const [what, args] of refusing) {
        const run = await runWpack(args);
        assert.equal(run.code, 2, `${what}: ${run.stdout}${run.stderr}`);
        const out = JSON.parse(run.stdout) as { error: { code: string; message: string } };
        assert.equal(out.error.code, c.code, `${what}: ${out.error.message}`);
      }
      if (c.code === 'INTERFACE_MISMATCH') {
        for (const [what, args] of verifies) {
          const run = await runWpack(args);
          assert.equal(run.code, 1, `${what}: ${run.stdout}${run.stderr}`);
          const out = JSON.parse(run.stdout) as { verified: boolean; findings: { code: string; step: string }[] };
          assert.equal(out.verified, false);
          assert.ok(out.findings.some((f) => f.code === 'INTERFACE_MISMATCH' && f.step === 'integrity'), `${what}: ${run.stdout}`);
        }
        const run = await runWpack(extractGated);
        assert.equal(run.code, 1, `extract --policy: ${run.stdout}${run.stderr}`);
        assert.equal((JSON.parse(run.stdout) as { error: { code: string } }).error.code, 'VERIFICATION_FAILED');
      }
      assert.deepEqual(await readdir(dir), ['bad.wpack'], 'nothing extracted, no temp directory, no lock file left');
      assert.ok((await readFile(file)).equals(bytes), 'the bundle is unchanged: sign appended nothing');
    });
  }

  void test('the same archive with a canonical, matching wpack.json passes every reader (the harness is sound)', async () => {
    const dir = join(work.dir, 'reader-good');
    await mkdir(dir);
    const file = join(dir, 'good.wpack');
    await writeFile(file, await makeTar([withManifest(() => undefined), at(C), at(R)]));
    assert.equal((await readBundle(file)).digest, sha(at(M).data as Buffer));
    assert.equal((await readBundleHead(file)).digest, sha(at(M).data as Buffer));
    for (const args of [['inspect', file, '--json'], ['inspect', file, '--wit', '--json'], ['extract', file, join(dir, 'out'), '--json'], ['sign', file, '--key', join(keyDir, 'k.key'), '--json']]) {
      const run = await runWpack(args);
      assert.equal(run.code, 0, `${args[0] ?? ''}: ${run.stdout}${run.stderr}`);
    }
    const verify = await runWpack(['verify', file, '--key', join(keyDir, 'k.pub'), '--json']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });
});

void describe('readBundleUnverified: the structure checked, the digests not', () => {
  const write = async (name: string, archive: Buffer): Promise<string> => {
    const file = join(work.dir, `unverified-${name}.wpack`);
    await writeFile(file, archive);
    return file;
  };

  void test('tampered component and resource bytes: readBundle refuses them, readBundleUnverified returns what the archive holds', async () => {
    const component = Buffer.from(at(C).data as Buffer);
    component[component.length - 1] = (component[component.length - 1] as number) ^ 0x01;
    const resource = Buffer.from(at(R).data as Buffer);
    resource[0] = (resource[0] as number) ^ 0x01;
    const file = await write('tampered', await makeTar([at(M), { name: at(C).name, data: component }, { name: at(R).name, data: resource }]));
    await assert.rejects(readBundle(file), (e: unknown) => e instanceof ManifestError && e.code === 'DIGEST_MISMATCH');
    const read = await readBundleUnverified(file);
    assert.equal(read.digest, sha(at(M).data as Buffer));
    assert.ok(read.componentBytes.equals(component), 'the tampered component bytes, as they are');
    assert.deepEqual(read.manifest, manifest);
    assert.equal(read.archiveSize, (await readFile(file)).length);
  });

  void test('a component shorter than wpack.json declares is read as it is', async () => {
    const short = (at(C).data as Buffer).subarray(0, 100);
    const file = await write('short', await makeTar([at(M), { name: at(C).name, data: short }, at(R)]));
    await assert.rejects(readBundle(file), (e: unknown) => e instanceof ManifestError && e.code === 'SIZE_MISMATCH');
    assert.ok((await readBundleUnverified(file)).componentBytes.equals(short));
  });

  void test('names, types, order and declared sizes are still checked', async () => {
    const refused: [string, Entry[], string][] = [
      ['symlink', [at(M), { name: 'component.wasm', type: 'symlink', linkname: '/etc/passwd' }], 'BUNDLE_ENTRY_REJECTED'],
      ['unlisted', [at(M), at(C), { name: 'resources/extra.bin', data: Buffer.from('x') }, at(R)], 'BUNDLE_ENTRY_REJECTED'],
      ['out of order', [at(M), at(R), at(C)], 'BUNDLE_ENTRY_REJECTED'],
      ['longer than declared', [at(M), { name: 'component.wasm', data: Buffer.concat([at(C).data as Buffer, Buffer.from('x')]) }, at(R)], 'BUNDLE_ENTRY_REJECTED'],
      ['missing resource', [at(M), at(C)], 'INVALID_BUNDLE'],
      ['wpack.json not first', [at(C), at(M), at(R)], 'BUNDLE_ENTRY_REJECTED'],
    ];
    for (const [name, entries, code] of refused) {
      const file = await write(name.replace(/\W+/g, '-'), await makeTar(entries));
      await assert.rejects(readBundleUnverified(file), (e: unknown) => e instanceof ManifestError && e.code === code, name);
    }
  });
});
