// Every untrusted document goes through @wpack/core's strict reader: a
// duplicate key is an error naming its JSON pointer, never "the last one
// wins". Crafted inputs that used to slip through, each through the library
// and the real `wpack` binary: a source manifest, a host policy (JSON with
// comments), a Sigstore signature bundle and the in-toto statement it signs.
// Also: a 50 MB value in a policy is refused early, in one short line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle, loadSourceManifest, ManifestValidationError, readBundleHead, validateSourceManifest } from '@wpack/manifest';
import { loadPolicy, PolicyValidationError } from '@wpack/verifier';
import {
  buildStatement,
  generateKeyPair,
  IN_TOTO_PAYLOAD_TYPE,
  keyHint,
  loadPrivateKey,
  loadPublicKey,
  signBundle,
  SIGSTORE_BUNDLE_V03,
  verifySignatures,
  type SignaturePolicy,
} from '@wpack/signatures';
import type { KeyObject } from 'node:crypto';
import { makeProject } from './helpers/project.js';
import { runWpack, type RunResult } from './helpers/cli.js';
import { appendSignature, dsseSignature } from './helpers/gate.js';
import { tempDir } from './helpers/tmp.js';

/** What the http-proxy fixture imports, each capability narrowed (as in gate-cli.test.ts). */
const PROXY_CAPS = ['clock:monotonic', 'clock:wall', 'random:secure', 'stdio:stdout', 'stdio:stderr', 'stdio:stdin', 'http:outbound:https://api.acme.com', 'http:inbound'];

let work: { dir: string; cleanup: () => Promise<void> };
let privateKey: KeyObject;
let publicKey: KeyObject;
/** An unsigned http-proxy bundle, and the same bundle signed with keys/release.key. */
let unsigned: string;
let signed: string;
let digest: string;

function wpack(args: string[]): Promise<RunResult> {
  return runWpack(args, { cwd: work.dir, env: { GITHUB_ACTIONS: 'false' } });
}

function errorCode(run: RunResult): string {
  return (JSON.parse(run.stdout) as { error: { code: string } }).error.code;
}

/** The finding codes of a `--json` report, the bundle's integrity left out. */
function findingCodes(run: RunResult): string[] {
  return (JSON.parse(run.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code).filter((c) => c !== 'INTEGRITY_VERIFIED');
}

/** Inserts text right after the first `{` of a JSON text: a key that comes before the real one. */
function prepend(text: string, members: string): string {
  const open = text.indexOf('{');
  assert.ok(open >= 0);
  return `${text.slice(0, open + 1)}${members},${text.slice(open + 1)}`;
}

before(async () => {
  work = await tempDir('wpack-strict-');
  const pair = generateKeyPair();
  privateKey = loadPrivateKey(pair.privatePem);
  publicKey = loadPublicKey(pair.publicPem);
  await mkdir(join(work.dir, 'keys'));
  await writeFile(join(work.dir, 'keys', 'release.pub'), pair.publicPem);
  await makeProject(join(work.dir, 'app'), { fixture: 'http-proxy', capabilities: PROXY_CAPS });
  unsigned = join(work.dir, 'unsigned.wpack');
  signed = join(work.dir, 'signed.wpack');
  digest = (await createBundle(join(work.dir, 'app'), unsigned)).digest;
  await copyFile(unsigned, signed);
  await signBundle(signed, { kind: 'key', privateKey });
});

after(() => work.cleanup());

void describe('strict reading: the source manifest', () => {
  let dir: string;
  before(async () => {
    dir = join(work.dir, 'dup-name');
    await makeProject(dir, { fixture: 'http-proxy', capabilities: PROXY_CAPS });
    const text = await readFile(join(dir, 'wpack.json'), 'utf8');
    // JSON.parse would read the last name: the bundle would be evil:x.
    await writeFile(join(dir, 'wpack.json'), prepend(text, '"name":"acme:hello"').replace('"name": "acme:app"', '"name": "evil:x"'));
  });

  void test('a duplicate "name" is INVALID_MANIFEST at /name (library)', async () => {
    await assert.rejects(loadSourceManifest(dir), (err: unknown) => {
      assert.ok(err instanceof ManifestValidationError);
      assert.equal(err.code, 'INVALID_MANIFEST');
      assert.deepEqual(
        err.problems.map((p) => p.path),
        ['/name'],
      );
      return true;
    });
  });

  void test('`wpack bundle` refuses it with exit 2 and writes nothing; without the duplicate it bundles', async () => {
    const [run, json] = await Promise.all([wpack(['bundle', 'dup-name', '-o', 'dup.wpack']), wpack(['bundle', 'dup-name', '-o', 'dup.wpack', '--json'])]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^ {2}\/name: /m);
    assert.equal(json.code, 2);
    assert.equal(errorCode(json), 'INVALID_MANIFEST');
    await assert.rejects(stat(join(work.dir, 'dup.wpack')));

    const text = await readFile(join(dir, 'wpack.json'), 'utf8');
    await makeProject(join(work.dir, 'single-name'), { fixture: 'http-proxy', capabilities: PROXY_CAPS });
    await writeFile(join(work.dir, 'single-name', 'wpack.json'), text.replace('"name":"acme:hello",', ''));
    const ok = await wpack(['bundle', 'single-name', '-o', 'single.wpack']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await readBundleHead(join(work.dir, 'single.wpack'))).manifest.name, 'evil:x');
  });

  void test('a duplicate nested key is located by its pointer', async () => {
    const nested = join(work.dir, 'dup-nested');
    await makeProject(nested, { fixture: 'http-proxy', capabilities: PROXY_CAPS, resources: { 'data/a.txt': 'a', 'data/b.txt': 'b' } });
    const text = await readFile(join(nested, 'wpack.json'), 'utf8');
    const duplicated = text.replace('"path": "data/a.txt"', '"path": "data/a.txt", "path": "data/b.txt"');
    assert.notEqual(duplicated, text);
    await writeFile(join(nested, 'wpack.json'), duplicated);
    await assert.rejects(loadSourceManifest(nested), (err: unknown) => {
      assert.ok(err instanceof ManifestValidationError);
      assert.deepEqual(
        err.problems.map((p) => p.path),
        ['/resources/0/path'],
      );
      return true;
    });
  });

  void test('a 50 MB name is one short problem that gives its length', () => {
    const name = 'a'.repeat(50 * 1024 * 1024);
    assert.throws(
      () => validateSourceManifest({ name, version: '1.0.0', component: 'app.wasm' }, 'big.json'),
      (err: unknown) => {
        assert.ok(err instanceof ManifestValidationError);
        const problems = err.problems.filter((p) => p.path === '/name');
        assert.ok(problems.length > 0);
        for (const p of problems) assert.match(p.message, /52428800 characters/);
        assert.ok(err.message.length < 2048, `message is ${String(err.message.length)} characters`);
        return true;
      },
    );
  });
});

void describe('strict reading: the host policy', () => {
  /** Denies the bundle (host world too old, http:inbound denied), so only mode warn lets it through. */
  const denying = {
    version: 1,
    host: { worlds: ['wasi:http/proxy@0.2.3'] },
    signatures: { signers: [{ key: 'keys/release.pub' }] },
    capabilities: { allow: PROXY_CAPS, deny: ['http:inbound'] },
  };
  const write = (name: string, text: string): Promise<void> => writeFile(join(work.dir, name), text);

  before(async () => {
    const body = JSON.stringify(denying, null, 2);
    await write('enforce.json', prepend(body, '"mode":"enforce"'));
    await write('warn.json', prepend(body, '"mode":"warn"'));
    await write('dup-mode.json', prepend(body, '// rolled out\n  "mode":"enforce", /* later */ "mode":"warn"'));
  });

  void test('the controls: enforce denies (exit 1), warn lets it through (exit 0)', async () => {
    const [enforce, warn] = await Promise.all([wpack(['verify', 'signed.wpack', '--policy', 'enforce.json']), wpack(['verify', 'signed.wpack', '--policy', 'warn.json'])]);
    assert.equal(enforce.code, 1, enforce.stderr);
    assert.equal(warn.code, 0, warn.stderr);
  });

  void test('"mode":"enforce","mode":"warn" is POLICY_INVALID at /mode, exit 2, not a warn run', async () => {
    const [run, json] = await Promise.all([wpack(['verify', 'signed.wpack', '--policy', 'dup-mode.json']), wpack(['verify', 'signed.wpack', '--policy', 'dup-mode.json', '--json'])]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stdout, '');
    const lines = run.stderr.split('\n').filter((l) => /^ {2}\//.test(l));
    assert.deepEqual(
      lines.map((l) => l.trim().slice(0, l.trim().indexOf(':'))),
      ['/mode'],
    );
    assert.equal(json.code, 2);
    assert.equal(errorCode(json), 'POLICY_INVALID');
    await assert.rejects(loadPolicy(join(work.dir, 'dup-mode.json')), (err: unknown) => {
      assert.ok(err instanceof PolicyValidationError);
      assert.equal(err.code, 'POLICY_INVALID');
      assert.deepEqual(
        err.problems.map((p) => p.path),
        ['/mode'],
      );
      return true;
    });
  });

  void test('a duplicate nested list is located by its pointer (library)', async () => {
    const text = JSON.stringify(denying, null, 2).replace('"deny": [', '"deny": [],\n    // the second list would win\n    "deny": [');
    await write('dup-deny.json', text);
    await assert.rejects(loadPolicy(join(work.dir, 'dup-deny.json')), (err: unknown) => {
      assert.ok(err instanceof PolicyValidationError);
      assert.deepEqual(
        err.problems.map((p) => p.path),
        ['/capabilities/deny'],
      );
      return true;
    });
  });

  void test('a 50 MB capability string: exit 2, under 1 KB of stderr, one problem line with its pointer and length', async () => {
    const capability = `env:${'A'.repeat(50 * 1024 * 1024)}`;
    await write('big.json', JSON.stringify({ ...denying, capabilities: { allow: [capability] } }));
    const [run, json] = await Promise.all([wpack(['verify', 'signed.wpack', '--policy', 'big.json']), wpack(['verify', 'signed.wpack', '--policy', 'big.json', '--json'])]);
    assert.equal(run.code, 2, run.stderr.slice(0, 2000));
    assert.ok(Buffer.byteLength(run.stderr) < 1024, `stderr is ${String(Buffer.byteLength(run.stderr))} bytes`);
    const lines = run.stderr.split('\n').filter((l) => /^ {2}\//.test(l));
    assert.equal(lines.length, 1, run.stderr);
    assert.ok(lines[0]?.startsWith('  /capabilities/allow/0: '), lines[0]);
    assert.match(lines[0] ?? '', new RegExp(`\\b${String(capability.length)} characters\\b`));
    assert.equal(json.code, 2);
    assert.equal(errorCode(json), 'POLICY_INVALID');
    assert.ok(Buffer.byteLength(json.stdout) < 1024, `--json output is ${String(Buffer.byteLength(json.stdout))} bytes`);
  });
});

void describe('strict reading: signature bundles', () => {
  let signatureText: string;
  const policy = (): SignaturePolicy => ({ keys: [{ publicKey, hint: keyHint(publicKey), source: 'keys/release.pub' }], identities: [] });

  before(async () => {
    const sig = (await readBundleHead(signed)).signatures[0];
    assert.ok(sig !== undefined);
    signatureText = sig.bytes.toString('utf8');
    assert.match(signatureText, new RegExp(`"mediaType": ?"${SIGSTORE_BUNDLE_V03.replaceAll('.', '\\.').replaceAll('+', '\\+')}"`), 'the signature names its media type');
  });

  /** An unsigned copy with `bytes` appended as its only signature. */
  async function withSignature(name: string, bytes: Buffer): Promise<string> {
    const file = join(work.dir, name);
    await copyFile(unsigned, file);
    await appendSignature(file, bytes);
    return file;
  }

  void test('the control: the signature appended as it is verifies', async () => {
    await withSignature('sig-copy.wpack', Buffer.from(signatureText));
    const run = await wpack(['verify', 'sig-copy.wpack', '--key', 'keys/release.pub', '--json']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(findingCodes(run), ['SIGNATURE_VERIFIED']);
  });

  void test('a duplicate key in the Sigstore bundle: SIGNATURE_MALFORMED, never verified', async () => {
    // The first mediaType is another version; JSON.parse would keep the last, the real one.
    const text = prepend(signatureText, '"mediaType":"application/vnd.dev.sigstore.bundle.v0.1+json"');
    const file = await withSignature('sig-dup.wpack', Buffer.from(text));
    const run = await wpack(['verify', 'sig-dup.wpack', '--key', 'keys/release.pub', '--json']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.deepEqual(findingCodes(run), ['SIGNATURE_MALFORMED', 'THRESHOLD_NOT_MET']);

    const head = await readBundleHead(file);
    const report = await verifySignatures({ digest }, head.signatures, policy());
    assert.equal(report.verified, false);
    assert.deepEqual(
      report.findings.map((f) => f.code),
      ['SIGNATURE_MALFORMED', 'THRESHOLD_NOT_MET'],
    );
    assert.match(report.findings[0]?.message ?? '', /\/mediaType\b/);
  });

  void test('a duplicate "subject" in the signed statement: STATEMENT_INVALID, also under a policy', async () => {
    const head = await readBundleHead(unsigned);
    const statement = JSON.stringify(buildStatement(head.manifest, digest));
    // Another bundle's subject first, this bundle's last: JSON.parse would check only the last.
    const other = `"subject":[{"name":"wpack.json","digest":{"sha256":"${'0'.repeat(64)}"}}]`;
    const payload = Buffer.from(prepend(statement, other));
    const sig = await dsseSignature(privateKey, payload, IN_TOTO_PAYLOAD_TYPE);
    await withSignature('stmt-dup.wpack', Buffer.from(JSON.stringify(sig)));

    const run = await wpack(['verify', 'stmt-dup.wpack', '--key', 'keys/release.pub', '--json']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.deepEqual(findingCodes(run), ['STATEMENT_INVALID', 'THRESHOLD_NOT_MET']);

    await writeFile(join(work.dir, 'pass-policy.json'), JSON.stringify({ version: 1, host: { worlds: ['wasi:http/proxy@0.2.12'] }, signatures: { signers: [{ key: 'keys/release.pub' }] }, capabilities: { allow: PROXY_CAPS } }));
    const gate = await wpack(['verify', 'stmt-dup.wpack', '--policy', 'pass-policy.json', '--json']);
    assert.equal(gate.code, 1, gate.stdout + gate.stderr);
    assert.ok(findingCodes(gate).includes('STATEMENT_INVALID'), gate.stdout);
    assert.ok(!findingCodes(gate).includes('SIGNATURE_VERIFIED'), gate.stdout);

    // The same statement without the duplicate verifies: the refusal is the duplicate's alone.
    const clean = await dsseSignature(privateKey, Buffer.from(statement), IN_TOTO_PAYLOAD_TYPE);
    await withSignature('stmt-clean.wpack', Buffer.from(JSON.stringify(clean)));
    const ok = await wpack(['verify', 'stmt-clean.wpack', '--policy', 'pass-policy.json', '--json']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  });
});
