import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createBundle, readBundleHead } from '@wpack/manifest';
import { signBundle, verifySignatures } from '@wpack/signatures';
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

  void test("GitHub Actions' ambient OIDC credentials are used when no token is given", async () => {
    const f = await fresh('actions');
    const token = await mock.identityToken({ iss: ISSUER, sub: WORKFLOW });
    const seen: string[] = [];
    // Stands in for the Actions token service: bearer-authenticated GET, audience in the query.
    const server = createServer((req, res) => {
      seen.push(`${req.headers.authorization ?? ''} ${req.url ?? ''}`);
      const ok = req.headers.authorization === 'Bearer request-token' && new URL(req.url ?? '/', 'http://x').searchParams.get('audience') === 'sigstore';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { value: token } : { message: 'no' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/token?api-version=2.0`;
      const env = { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token', SIGSTORE_ID_TOKEN: '' };
      const run = await runWpack(['sign', f, '--fulcio-url', mock.fulcioURL, '--rekor-url', mock.rekorURL], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(seen.length, 1);
      const verify = await runWpack(['verify', f, '--trusted-root', rootFile, '--certificate-identity', WORKFLOW, '--certificate-oidc-issuer', ISSUER]);
      assert.equal(verify.code, 0, verify.stdout);
      // A token service that refuses: one clear line, exit 3, nothing appended.
      const g = await fresh('actions-refused');
      const refused = await runWpack(['sign', g, '--fulcio-url', mock.fulcioURL, '--rekor-url', mock.rekorURL], { env: { ...env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' } });
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, /id-token: write/);
      assert.equal((await readBundleHead(g)).signatures.length, 0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  void test('a token the CA does not accept is a signing failure; the bundle is left unsigned', async () => {
    const f = await fresh('bad-token');
    const run = await runWpack(['sign', f, '--identity-token', 'not-a-jwt', '--fulcio-url', mock.fulcioURL, '--rekor-url', mock.rekorURL]);
    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.equal((await readBundleHead(f)).signatures.length, 0);
  });
});
