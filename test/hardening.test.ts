import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManifestError, appendEntry, createBundle, extractBundle, indexArchive, readBundle, readBundleHead } from '@wpack/manifest';
import { keyHint, signBundle, verifySignatures } from '@wpack/signatures';
import { makeProject } from './helpers/project.js';
import { runWpack } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

// Regressions for archives that two tar parsers read differently, and other
// inputs that once crashed, hung or slipped through. Hand-made bytes on purpose.

const BLOCK = 512;
let work: { dir: string; cleanup: () => Promise<void> };
let signed: string;
let unsigned: string;
let other: string;
let pub: string;
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

/** Rewrites a header's checksum after a test edited it. */
function fixChecksum(h: Buffer): void {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
}

function fileHeader(name: string, size: number, typeflag = '0'): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write(typeflag, 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  fixChecksum(h);
  return h;
}

const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((BLOCK - (b.length % BLOCK)) % BLOCK)]);

async function entriesOf(file: string): Promise<{ name: string; header: Buffer; data: Buffer }[]> {
  const bytes = await readFile(file);
  return (await indexArchive(file)).entries.map((e) => ({
    name: e.name,
    header: bytes.subarray(e.headerOffset, e.headerOffset + BLOCK),
    data: bytes.subarray(e.dataOffset, e.dataOffset + e.size),
  }));
}

async function expectRejected(file: string, code?: string): Promise<void> {
  await assert.rejects(readBundle(file), (e: unknown) => e instanceof ManifestError && (code === undefined || e.code === code));
  const run = await runWpack(['verify', file, '--key', pub]);
  assert.notEqual(run.code, 0, run.stdout);
  assert.doesNotMatch(run.stdout, /^VERIFIED/m);
  assert.notEqual(run.code, 70, run.stderr);
}

before(async () => {
  work = await tempDir();
  await makeProject(join(work.dir, 'p'));
  signed = join(work.dir, 'signed.wpack');
  await createBundle(join(work.dir, 'p'), signed);
  await signBundle(signed, { kind: 'key', privateKey: key });
  await makeProject(join(work.dir, 'q'), { fixture: 'http-proxy' });
  other = join(work.dir, 'other.wpack');
  await createBundle(join(work.dir, 'q'), other);
  unsigned = join(work.dir, 'unsigned.wpack');
  await createBundle(join(work.dir, 'p'), unsigned);
  pub = join(work.dir, 'k.pub');
  await writeFile(pub, String(createPublicKey(key).export({ type: 'spki', format: 'pem' })));
});
after(() => work.cleanup());

void describe('ambiguous archives are refused, never verified', () => {
  void test("a GNU 'K' record smuggling the signed wpack.json before another bundle's files", async () => {
    const s = await entriesOf(signed);
    const o = await entriesOf(other);
    const manifest = s[0];
    const sig = s.find((e) => e.name.startsWith('signatures/'));
    assert.ok(manifest && sig);
    const parts = [fileHeader('wpack.json', manifest.data.length, 'K'), pad(manifest.data)];
    for (const e of o) parts.push(e.header, pad(e.data));
    parts.push(fileHeader(sig.name, sig.data.length), pad(sig.data), Buffer.alloc(BLOCK * 2));
    const file = join(work.dir, 'k-smuggle.wpack');
    await writeFile(file, Buffer.concat(parts));
    await expectRejected(file, 'BUNDLE_ENTRY_REJECTED');
    await assert.rejects(extractBundle(file, join(work.dir, 'k-out')), ManifestError);
    assert.ok(!(await readdir(work.dir)).includes('k-out'));
  });

  void test('a base-256 size with a bad lead byte fails at once instead of hanging', async () => {
    const file = join(work.dir, 'b256.wpack');
    const bytes = Buffer.from(await readFile(unsigned));
    const component = (await indexArchive(unsigned)).entries[1];
    assert.ok(component);
    const h = bytes.subarray(component.headerOffset, component.headerOffset + BLOCK);
    h[124] = 0x81;
    fixChecksum(h);
    await writeFile(file, bytes);
    await expectRejected(file, 'INVALID_BUNDLE');
  });

  void test('pax records other than one path, empty pax headers, non-ustar headers and nameless entries', async () => {
    const u = await entriesOf(unsigned);
    const rest = u.flatMap((e) => [e.header, pad(e.data)]);
    const pax = (text: string): Buffer[] => [fileHeader('PaxHeader', Buffer.byteLength(text), 'x'), pad(Buffer.from(text))];
    const record = (kv: string): string => {
      let len = kv.length + 3;
      if (String(len).length + kv.length + 2 !== len) len += 1;
      return `${String(len)} ${kv}\n`;
    };
    const gnu = Buffer.from(u[0]?.header ?? Buffer.alloc(BLOCK));
    gnu.write('ustar  \0', 257, 'latin1');
    fixChecksum(gnu);
    const nameless = Buffer.alloc(BLOCK);
    fixChecksum(nameless);
    const variants: Record<string, Buffer[]> = {
      'pax size record': [...pax(record('size=1')), ...rest],
      'empty pax header': [fileHeader('PaxHeader', 0, 'x'), ...rest],
      'global pax header': [fileHeader('g', 0, 'g'), ...rest],
      'GNU long name': [fileHeader('././@LongLink', 11, 'L'), pad(Buffer.from('wpack.json\0')), ...rest],
      'GNU magic': [gnu, pad(u[0]?.data ?? Buffer.alloc(0)), ...rest.slice(2)],
      'nameless block with a valid checksum': [nameless, ...rest],
    };
    for (const [name, parts] of Object.entries(variants)) {
      const file = join(work.dir, `${name.replace(/\W+/g, '-')}.wpack`);
      await writeFile(file, Buffer.concat([...parts, Buffer.alloc(BLOCK * 2)]));
      await assert.rejects(readBundle(file), ManifestError, name);
    }
  });
});

void describe('limits and robustness', () => {
  void test('more than 64 signatures is refused', async () => {
    const file = join(work.dir, 'many.wpack');
    await copyFile(unsigned, file);
    for (let i = 1; i <= 65; i++) await appendEntry(file, `signatures/${String(i)}.sigstore.json`, Buffer.from('{}'), new Date(0));
    await assert.rejects(readBundle(file), (e: unknown) => e instanceof ManifestError && e.code === 'BUNDLE_TOO_LARGE');
  });

  void test('concurrent signing never loses a signature silently', async () => {
    for (let round = 0; round < 5; round++) {
      const file = join(work.dir, `race-${String(round)}.wpack`);
      await copyFile(unsigned, file);
      const results = await Promise.allSettled([signBundle(file, { kind: 'key', privateKey: key }), signBundle(file, { kind: 'key', privateKey: key })]);
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as ManifestError).code, 'BUNDLE_LOCKED');
      assert.equal((await readBundle(file)).signatures.length, ok);
    }
  });

  void test('crafted signature entries do not crash inspect', async () => {
    const file = join(work.dir, 'crafted-sigs.wpack');
    await copyFile(unsigned, file);
    const cert = { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', verificationMaterial: { certificate: { rawBytes: 'AAAA' }, tlogEntries: [] }, messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: 'AAAA' }, signature: 'AAAA' } };
    await appendEntry(file, 'signatures/1.sigstore.json', Buffer.from('null'), new Date(0));
    await appendEntry(file, 'signatures/2.sigstore.json', Buffer.from(JSON.stringify(cert)), new Date(0));
    const run = await runWpack(['inspect', file, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const sigs = (JSON.parse(run.stdout) as { signatures: { verifies: string; problem?: string }[] }).signatures;
    assert.equal(sigs.length, 2);
    assert.ok(sigs.every((s) => s.verifies === 'no' && s.problem !== undefined));
  });

  void test('bad input is exit 2 with one line, never an internal error', async () => {
    const cases: string[][] = [
      ['verify', join(work.dir, 'missing.wpack'), '--key', pub],
      ['verify', work.dir, '--key', pub],
      ['verify', signed, '--key', work.dir],
      ['verify', signed, '--key', join(work.dir, 'missing.pub')],
      ['verify', signed, '--certificate-identity-regexp', '(', '--certificate-oidc-issuer', 'https://x'],
      ['inspect', join(work.dir, 'missing.wpack')],
      ['extract', join(work.dir, 'missing.wpack'), join(work.dir, 'never')],
      ['sign', signed, '--key', join(work.dir, 'missing.key')],
    ];
    for (const args of cases) {
      const run = await runWpack(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
  });

  void test('minimum 0 still needs one trusted signer', async () => {
    const head = await readBundleHead(signed);
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const report = await verifySignatures(head, head.signatures, { keys: [{ publicKey: stranger, hint: keyHint(stranger), source: 'x' }], identities: [], minimum: 0 });
    assert.equal(report.verified, false);
  });

  void test('bundle refuses a resource that is a link out of the project', async () => {
    const dir = join(work.dir, 'linky');
    await makeProject(dir, { resources: { 'ok.txt': 'fine' } });
    await mkdir(join(work.dir, 'outside'));
    await writeFile(join(work.dir, 'outside', 'secret.txt'), 'secret');
    const m = JSON.parse(await readFile(join(dir, 'wpack.json'), 'utf8')) as Record<string, unknown>;
    await symlink(join(work.dir, 'outside', 'secret.txt'), join(dir, 'notes.txt'));
    await writeFile(join(dir, 'wpack.json'), JSON.stringify({ ...m, resources: [{ path: 'notes.txt' }] }));
    await assert.rejects(createBundle(dir, join(work.dir, 'linky.wpack')), (e: unknown) => e instanceof ManifestError && e.code === 'INVALID_MANIFEST' && /outside the project/.test(e.message));
  });
});
