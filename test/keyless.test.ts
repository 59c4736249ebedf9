import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle, readBundleHead } from '@wpack/manifest';
import { signBundle, verifySignatures } from '@wpack/verifier';
import { makeProject } from './helpers/project.js';
import { runWpack } from './helpers/cli.js';
import { startSigstoreMock, type SigstoreMock } from './helpers/sigstore-mock.js';
import { tempDir } from './helpers/tmp.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const WORKFLOW = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0';

let mock: SigstoreMock;
let work: { dir: string; cleanup: () => Promise<void> };
let unsigned: string;
let rootFile: string;

before(async () => {
  mock = await startSigstoreMock({ withTsa: true });
  work = await tempDir();
  await makeProject(join(work.dir, 'p'));
  unsigned = join(work.dir, 'unsigned.wpack');
  await createBundle(join(work.dir, 'p'), unsigned);
  rootFile = join(work.dir, 'trusted_root.json');
  await writeFile(rootFile, JSON.stringify(mock.trustedRoot));
});

after(async () => {
  await mock.close();
  await work.cleanup();
});

async function fresh(name: string): Promise<string> {
  const f = join(work.dir, `${name}.wpack`);
  await copyFile(unsigned, f);
  return f;
}

void describe('keyless signing against Fulcio, Rekor and a TSA on loopback', () => {
  void test('library: certificate, Rekor entry and timestamp all verify; identity and issuer matched exactly', async () => {
    const f = await fresh('lib');
    const token = await mock.identityToken({ iss: ISSUER, sub: WORKFLOW });
    const signed = await signBundle(f, { kind: 'keyless', identityToken: token, fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL, tsaURL: mock.tsaURL ?? '' });
    assert.match(signed.tlogIndex ?? '', /^\d+$/);
    const head = await readBundleHead(f);
    const json = JSON.parse((head.signatures[0]?.bytes ?? Buffer.alloc(0)).toString('utf8')) as {
      verificationMaterial: { certificate?: unknown; tlogEntries: unknown[]; timestampVerificationData: { rfc3161Timestamps: unknown[] } };
    };
    assert.ok(json.verificationMaterial.certificate, 'a Fulcio certificate');
    assert.equal(json.verificationMaterial.tlogEntries.length, 1);
    assert.equal(json.verificationMaterial.timestampVerificationData.rfc3161Timestamps.length, 1);
    const identities = [{ issuer: ISSUER, subject: { kind: 'exact' as const, value: WORKFLOW } }];
    const ok = await verifySignatures(head, head.signatures, { keys: [], identities, trustedRoot: mock.trustedRoot });
    assert.equal(ok.verified, true, JSON.stringify(ok.findings));
    assert.deepEqual(ok.signers, [`keyless:${ISSUER} ${WORKFLOW}`]);
  });

  void test('CLI: sign with --identity-token, verify exact / anchored regexp; prefix identity and wrong issuer fail with their codes', async () => {
    const f = await fresh('cli');
    const token = await mock.identityToken({ iss: ISSUER, sub: WORKFLOW });
    const sign = await runWpack(['sign', f, '--identity-token', token, '--fulcio-url', mock.fulcioURL, '--rekor-url', mock.rekorURL, '--json']);
    assert.equal(sign.code, 0, sign.stderr);
    const base = ['verify', f, '--trusted-root', rootFile, '--json'];
    const exact = await runWpack([...base, '--certificate-identity', WORKFLOW, '--certificate-oidc-issuer', ISSUER]);
    assert.equal(exact.code, 0, exact.stdout + exact.stderr);
    const regexp = await runWpack([...base, '--certificate-identity-regexp', 'https://github\\.com/acme/app/.*@refs/tags/v.*', '--certificate-oidc-issuer', ISSUER]);
    assert.equal(regexp.code, 0, regexp.stdout);

    const codes = (stdout: string): string[] => (JSON.parse(stdout) as { findings: { code: string }[] }).findings.map((x) => x.code);
    const prefix = await runWpack([...base, '--certificate-identity', 'https://github.com/acme/', '--certificate-oidc-issuer', ISSUER]);
    assert.equal(prefix.code, 1);
    assert.ok(codes(prefix.stdout).includes('IDENTITY_MISMATCH'));
    // An unanchored regexp would match this prefix; wpack anchors it.
    const prefixRe = await runWpack([...base, '--certificate-identity-regexp', 'https://github.com/acme/', '--certificate-oidc-issuer', ISSUER]);
    assert.equal(prefixRe.code, 1);
    assert.ok(codes(prefixRe.stdout).includes('IDENTITY_MISMATCH'));
    const issuer = await runWpack([...base, '--certificate-identity', WORKFLOW, '--certificate-oidc-issuer', 'https://accounts.google.com']);
    assert.equal(issuer.code, 1);
    assert.ok(codes(issuer.stdout).includes('ISSUER_MISMATCH'));
    // The public-good root (the default) does not vouch for the test CA.
    const defaultRoot = await runWpack(['verify', f, '--json', '--certificate-identity', WORKFLOW, '--certificate-oidc-issuer', ISSUER]);
    assert.equal(defaultRoot.code, 1);
    assert.ok(codes(defaultRoot.stdout).includes('SIGNATURE_INVALID'));

    const inspect = await runWpack(['inspect', f, '--json']);
    assert.equal(inspect.code, 0, inspect.stderr);
    const sig = (JSON.parse(inspect.stdout) as { signatures: { kind: string; identity: string; issuer: string; tlogIndex: string; timestamp: string; verifies: string }[] }).signatures[0];
    assert.equal(sig?.kind, 'keyless');
    assert.equal(sig.identity, WORKFLOW);
    assert.equal(sig.issuer, ISSUER);
    assert.match(sig.tlogIndex, /^\d+$/);
    assert.ok(!Number.isNaN(Date.parse(sig.timestamp)));
    assert.equal(sig.verifies, 'no', 'not against the public-good root');
  });

  void test('a token the CA does not accept is a signing failure; the bundle is left unsigned', async () => {
    const f = await fresh('bad-token');
    const run = await runWpack(['sign', f, '--identity-token', 'not-a-jwt', '--fulcio-url', mock.fulcioURL, '--rekor-url', mock.rekorURL]);
    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.equal((await readBundleHead(f)).signatures.length, 0);
  });
});
