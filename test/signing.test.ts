import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { copyFile, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder } from '@sigstore/sign';
import { bundleToJSON } from '@sigstore/bundle';
import { appendEntry, createBundle, indexArchive, readBundle, readBundleHead } from '@wpack/manifest';
import { buildStatement, keyHint, loadPrivateKey, signBundle, verifySignatures, type SignatureFindingCode, type SignaturePolicy, type TrustedKey } from '@wpack/signatures';
import { keySigner } from './helpers/gate.js';
import { makeProject } from './helpers/project.js';
import { runShell, runWpack } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

let work: { dir: string; cleanup: () => Promise<void> };
let good: string; // a signed bundle
let other: string; // another bundle, signed by the same key
let keys: { priv: KeyObject; trusted: TrustedKey };
let stranger: KeyObject;

function trustedKey(priv: KeyObject, source: string, window: Partial<Pick<TrustedKey, 'validFrom' | 'validUntil'>> = {}): TrustedKey {
  const publicKey = createPublicKey(priv);
  return { publicKey, hint: keyHint(publicKey), source, ...window };
}

async function copy(name: string, from = good): Promise<string> {
  const path = join(work.dir, `${name}.wpack`);
  await copyFile(from, path);
  return path;
}

async function verifyFile(file: string, policy: Partial<SignaturePolicy> = {}) {
  const head = await readBundleHead(file);
  return verifySignatures(head, head.signatures, { keys: [keys.trusted], identities: [], ...policy });
}

/** Appends a hand-made Sigstore bundle JSON as the next signature entry. */
async function appendSignature(file: string, json: unknown): Promise<void> {
  const head = await readBundleHead(file);
  await appendEntry(file, `signatures/${String(head.signatures.length + 1)}.sigstore.json`, Buffer.from(JSON.stringify(json)), new Date(0));
}

async function flipByteAt(file: string, offset: number): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, offset);
    b[0] = (b[0] as number) ^ 0x01;
    await fh.write(b, 0, 1, offset);
  } finally {
    await fh.close();
  }
}

before(async () => {
  work = await tempDir();
  keys = { priv: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, trusted: undefined as unknown as TrustedKey };
  keys.trusted = trustedKey(keys.priv, 'release.pub');
  stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  await makeProject(join(work.dir, 'p'), { resources: { 'data/model.bin': Buffer.alloc(70_000, 3) } });
  good = join(work.dir, 'good.wpack');
  await createBundle(join(work.dir, 'p'), good);
  await signBundle(good, { kind: 'key', privateKey: keys.priv });
  await makeProject(join(work.dir, 'q'), { extra: { version: '9.9.9' } });
  other = join(work.dir, 'other.wpack');
  await createBundle(join(work.dir, 'q'), other);
  await signBundle(other, { kind: 'key', privateKey: keys.priv });
});

after(() => work.cleanup());

void describe('key-based signing', () => {
  void test('a signed bundle verifies; signing leaves the digest and every earlier byte unchanged', async () => {
    const f = await copy('twice');
    const before = await readFile(f);
    const head1 = await readBundleHead(f);
    const second = await signBundle(f, { kind: 'key', privateKey: stranger });
    assert.equal(second.entry, 'signatures/2.sigstore.json');
    assert.equal(second.digest, head1.digest);
    const after = await readFile(f);
    const end = (await indexArchive(good)).end;
    assert.ok(after.subarray(0, end).equals(before.subarray(0, end)), 'nothing before the old end-of-archive changed');
    const contents = await readBundle(f);
    assert.equal(contents.digest, head1.digest);
    assert.deepEqual(contents.signatures.map((s) => s.path), ['signatures/1.sigstore.json', 'signatures/2.sigstore.json']);
    const report = await verifyFile(f, { keys: [keys.trusted, trustedKey(stranger, 'other.pub')], minimum: 2 });
    assert.equal(report.verified, true, JSON.stringify(report.findings));
    assert.equal(report.signers.length, 2);
  });

  void test('the signature is a Sigstore v0.3 DSSE bundle over the in-toto statement of this bundle', async () => {
    const head = await readBundleHead(good);
    const json = JSON.parse((head.signatures[0]?.bytes ?? Buffer.alloc(0)).toString('utf8')) as {
      mediaType: string;
      dsseEnvelope: { payloadType: string; payload: string; signatures: { keyid: string }[] };
      verificationMaterial: { publicKey: { hint: string } };
    };
    assert.equal(json.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(json.dsseEnvelope.payloadType, 'application/vnd.in-toto+json');
    const statement = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64').toString('utf8')) as ReturnType<typeof buildStatement>;
    assert.deepEqual(statement, buildStatement(head.manifest, head.digest));
    assert.equal(statement.subject[0]?.digest.sha256, head.digest.slice('sha256:'.length));
    assert.equal(statement.predicateType, 'https://wpack.dev/attestation/bundle/v1');
    assert.equal(statement.subject.length, 2);
    // Key hint as other Sigstore clients compute it: base64(sha256(DER SPKI)).
    const der = createPublicKey(keys.priv).export({ type: 'spki', format: 'der' });
    assert.equal(json.verificationMaterial.publicKey.hint, createHash('sha256').update(der).digest('base64'));
  });

  void test('an interrupted append (body written, header not) leaves a readable, unchanged bundle', async () => {
    const f = await copy('interrupted');
    const { end } = await indexArchive(f);
    const size = (await stat(f)).size;
    const fh = await open(f, 'r+');
    await fh.write(Buffer.from('{"half":"written signature body"}'), 0, 33, end + 512);
    await fh.close();
    assert.ok((await stat(f)).size >= size);
    const contents = await readBundle(f);
    assert.equal(contents.signatures.length, 1);
    assert.equal((await verifyFile(f)).verified, true);
  });
});

interface Attack {
  name: string;
  code: SignatureFindingCode;
  make: () => Promise<string>;
  policy?: Partial<SignaturePolicy>;
}

const attacks: Attack[] = [
  {
    name: 'a flipped byte in wpack.json (still valid JSON) changes the digest the signature names',
    code: 'SUBJECT_MISMATCH',
    make: async () => {
      const f = await copy('flip-manifest');
      const bytes = await readFile(f);
      const at = bytes.indexOf('"version": "1.2.0"') + '"version": "1.2.'.length;
      await flipByteAt(f, at); // 1.2.0 -> 1.2.1
      return f;
    },
  },
  {
    name: 'a signature moved over from another bundle',
    code: 'SUBJECT_MISMATCH',
    make: async () => {
      const f = await copy('moved', join(work.dir, 'p-unsigned.wpack'));
      const theirs = (await readBundleHead(other)).signatures[0];
      await appendEntry(f, 'signatures/1.sigstore.json', theirs?.bytes ?? Buffer.alloc(0), new Date(0));
      return f;
    },
  },
  {
    name: 'a wrong key',
    code: 'UNTRUSTED_KEY',
    make: () => copy('wrong-key'),
    policy: { keys: [] },
  },
  {
    name: 'a validly signed statement about another bundle, naming this one under another subject name',
    code: 'SUBJECT_MISMATCH',
    make: async () => {
      const f = await copy('other-subject', join(work.dir, 'p-unsigned.wpack'));
      const mine = await readBundleHead(f);
      const theirs = await readBundleHead(other);
      const st = buildStatement(theirs.manifest, theirs.digest);
      st.subject.push({ name: 'decoy', digest: { sha256: mine.digest.slice('sha256:'.length) } });
      const b = await new DSSEBundleBuilder({ signer: keySigner(keys.priv), witnesses: [] }).create({ data: Buffer.from(JSON.stringify(st)), type: 'application/vnd.in-toto+json' });
      await appendSignature(f, bundleToJSON(b));
      return f;
    },
  },
  {
    name: 'a signed payload edited after signing (capabilities widened), signature kept',
    code: 'SIGNATURE_INVALID',
    make: async () => {
      const f = await copy('edited-payload', join(work.dir, 'p-unsigned.wpack'));
      const sig = JSON.parse(((await readBundleHead(good)).signatures[0]?.bytes ?? Buffer.alloc(0)).toString('utf8')) as { dsseEnvelope: { payload: string } };
      const head = await readBundleHead(f);
      const edited = buildStatement(head.manifest, head.digest);
      edited.predicate.capabilities = ['filesystem:write:/'];
      sig.dsseEnvelope.payload = Buffer.from(JSON.stringify(edited)).toString('base64');
      await appendSignature(f, sig);
      return f;
    },
  },
  {
    name: 'an edited messageDigest (a message-signature bundle instead of DSSE)',
    code: 'SIGNATURE_NOT_DSSE',
    make: async () => {
      const f = await copy('message-digest', join(work.dir, 'p-unsigned.wpack'));
      const b = await new MessageSignatureBundleBuilder({ signer: keySigner(keys.priv), witnesses: [] }).create({ data: (await readBundleHead(f)).manifestBytes });
      const json = bundleToJSON(b) as unknown as { mediaType: string; messageSignature: { messageDigest: { digest: string } } };
      json.mediaType = 'application/vnd.dev.sigstore.bundle.v0.3+json';
      json.messageSignature.messageDigest.digest = Buffer.alloc(32, 7).toString('base64');
      await appendSignature(f, json);
      return f;
    },
  },
  {
    name: 'a signature counted twice toward a threshold of two',
    code: 'DUPLICATE_SIGNER',
    make: async () => {
      const f = await copy('twice-same');
      await signBundle(f, { kind: 'key', privateKey: keys.priv });
      return f;
    },
    policy: { minimum: 2 },
  },
  {
    name: 'an expired key validity window',
    code: 'KEY_EXPIRED',
    make: () => copy('expired'),
    policy: { keys: [] /* set in the test */ },
  },
  {
    name: 'malformed Sigstore JSON',
    code: 'SIGNATURE_MALFORMED',
    make: async () => {
      const f = await copy('malformed', join(work.dir, 'p-unsigned.wpack'));
      await appendEntry(f, 'signatures/1.sigstore.json', Buffer.from('{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "verif'), new Date(0));
      return f;
    },
  },
  {
    name: 'an unknown media type',
    code: 'SIGNATURE_MEDIA_TYPE',
    make: async () => {
      const f = await copy('media-type', join(work.dir, 'p-unsigned.wpack'));
      const sig = JSON.parse(((await readBundleHead(good)).signatures[0]?.bytes ?? Buffer.alloc(0)).toString('utf8')) as { mediaType: string };
      sig.mediaType = 'application/vnd.dev.sigstore.bundle.v9+json';
      await appendSignature(f, sig);
      return f;
    },
  },
  {
    name: 'a DSSE envelope of another payload type',
    code: 'SIGNATURE_PAYLOAD_TYPE',
    make: async () => {
      const f = await copy('payload-type', join(work.dir, 'p-unsigned.wpack'));
      const head = await readBundleHead(f);
      const b = await new DSSEBundleBuilder({ signer: keySigner(keys.priv), witnesses: [] }).create({
        data: Buffer.from(JSON.stringify(buildStatement(head.manifest, head.digest))),
        type: 'text/plain',
      });
      await appendSignature(f, bundleToJSON(b));
      return f;
    },
  },
  {
    name: 'a signed statement with another predicate type',
    code: 'STATEMENT_INVALID',
    make: async () => {
      const f = await copy('predicate', join(work.dir, 'p-unsigned.wpack'));
      const head = await readBundleHead(f);
      const st = { ...buildStatement(head.manifest, head.digest), predicateType: 'https://slsa.dev/provenance/v1' };
      const b = await new DSSEBundleBuilder({ signer: keySigner(keys.priv), witnesses: [] }).create({ data: Buffer.from(JSON.stringify(st)), type: 'application/vnd.in-toto+json' });
      await appendSignature(f, bundleToJSON(b));
      return f;
    },
  },
  { name: 'no signature at all', code: 'NO_SIGNATURES', make: () => copy('unsigned', join(work.dir, 'p-unsigned.wpack')) },
];

void describe('signature attacks: each fails with its own code', () => {
  before(async () => {
    await createBundle(join(work.dir, 'p'), join(work.dir, 'p-unsigned.wpack'));
  });
  for (const a of attacks) {
    void test(a.name, async () => {
      const f = await a.make();
      const policy = a.code === 'KEY_EXPIRED' ? { keys: [trustedKey(keys.priv, 'release.pub', { validUntil: new Date('2020-01-01T00:00:00Z') })] } : a.policy;
      const report = await verifyFile(f, policy);
      assert.equal(report.verified, false);
      const codes = report.findings.filter((x) => !x.ok).map((x) => x.code);
      assert.ok(codes.includes(a.code), `${a.code} expected, got ${codes.join(', ')}`);
    });
  }

  void test('tampered component or resource bytes: verify exits 1 naming the entry', async () => {
    const pub = join(work.dir, 'release.pub');
    await writeFile(pub, String(createPublicKey(keys.priv).export({ type: 'spki', format: 'pem' })));
    for (const entry of ['component.wasm', 'resources/data/model.bin']) {
      const f = await copy(`tamper-${entry.replace(/\W/g, '-')}`);
      const e = (await indexArchive(f)).entries.find((x) => x.name === entry);
      assert.ok(e);
      await flipByteAt(f, e.dataOffset + Math.floor(e.size / 2));
      const run = await runWpack(['verify', f, '--key', pub, '--json']);
      assert.equal(run.code, 1, run.stderr);
      const out = JSON.parse(run.stdout) as { verified: boolean; findings: { code: string; step: string; message: string }[] };
      assert.equal(out.verified, false);
      const integrity = out.findings.find((x) => x.step === 'integrity');
      assert.equal(integrity?.code, 'DIGEST_MISMATCH');
      assert.ok(integrity.message.includes(entry));
    }
    const ok = await runWpack(['verify', good, '--key', pub]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^VERIFIED/);
  });
});

void describe('keygen and sign from the CLI', () => {
  void test('keygen: 0600 private key, refuses to overwrite; encrypted keys need the right password', async () => {
    const prefix = join(work.dir, 'cli-key');
    const gen = await runWpack(['keygen', '-o', prefix, '--json']);
    assert.equal(gen.code, 0, gen.stderr);
    assert.equal((await stat(`${prefix}.key`)).mode & 0o777, 0o600);
    assert.match(await readFile(`${prefix}.key`, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    assert.match(await readFile(`${prefix}.pub`, 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
    const again = await runWpack(['keygen', '-o', prefix]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists.*--force/);

    const enc = join(work.dir, 'enc');
    const made = await runShell(`printf %s 's3cret' | node "$WPACK" keygen -o "${enc}" --password-stdin`);
    assert.equal(made.code, 0, made.stderr);
    assert.match(await readFile(`${enc}.key`, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    assert.throws(() => loadPrivateKey(Buffer.from('x')));
    const f = await copy('cli-sign', join(work.dir, 'p-unsigned.wpack'));
    const noPass = await runWpack(['sign', f, '--key', `${enc}.key`]);
    assert.equal(noPass.code, 2);
    assert.match(noPass.stderr, /encrypted.*password/);
    const wrong = await runShell(`printf %s 'nope' | node "$WPACK" sign "${f}" --key "${enc}.key" --password-stdin`);
    assert.equal(wrong.code, 2);
    const right = await runShell(`printf %s 's3cret' | node "$WPACK" sign "${f}" --key "${enc}.key" --password-stdin --json`);
    assert.equal(right.code, 0, right.stderr);
    const verify = await runWpack(['verify', f, '--key', `${enc}.pub`]);
    assert.equal(verify.code, 0, verify.stdout);
  });

  void test('keyless without a token explains how to get one (exit 2)', async () => {
    const f = await copy('no-token', join(work.dir, 'p-unsigned.wpack'));
    const run = await runWpack(['sign', f], { env: { SIGSTORE_ID_TOKEN: '', ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' } });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /id-token: write/);
    assert.equal((await readBundleHead(f)).signatures.length, 0);
  });
});

