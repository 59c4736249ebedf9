import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { generateKeyPairSync, sign } from 'node:crypto';
import { bundleFromJSON, bundleToJSON, type Bundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness, type Witness } from '@sigstore/sign';
import { PolicyError, Verifier, toSignedEntity, toTrustMaterial, type VerifierOptions } from '@sigstore/verify';
import { startSigstoreMock, type SigstoreMock } from './helpers/sigstore-mock.js';

const ISSUER = 'https://token.actions.example.test';
const SUBJECT = 'https://example.test/wpack/release.yml@refs/heads/main';
const PAYLOAD = Buffer.from('{"hello":"world"}');

/** Signs PAYLOAD keylessly against the mock, with a TSA timestamp when it has one. */
async function signKeyless(mock: SigstoreMock, token: string): Promise<Bundle> {
  const witnesses: Witness[] = [new RekorWitness({ rekorBaseURL: mock.rekorURL })];
  if (mock.tsaURL !== undefined) witnesses.push(new TSAWitness({ tsaBaseURL: mock.tsaURL }));
  const builder = new DSSEBundleBuilder({
    signer: new FulcioSigner({ fulcioBaseURL: mock.fulcioURL, identityProvider: { getToken: () => Promise.resolve(token) } }),
    witnesses,
  });
  const bundle = await builder.create({ data: PAYLOAD, type: 'application/vnd.in-toto+json' });
  // Round-trip through the serialized form, as a bundle stored on disk would be.
  return bundleFromJSON(JSON.parse(JSON.stringify(bundleToJSON(bundle))));
}

function verifier(mock: SigstoreMock, options: VerifierOptions = { tlogThreshold: 1, ctlogThreshold: 1, tsaThreshold: 1 }): Verifier {
  return new Verifier(toTrustMaterial(TrustedRoot.fromJSON(mock.trustedRoot)), options);
}

/** Resolves true when connecting to the URL's port is refused. */
function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`connect to ${url} timed out`));
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') resolve(true);
      else reject(err);
    });
  });
}

void describe('sigstore mock (withTsa)', () => {
  let mock: SigstoreMock;
  let urls: string[] = [];
  let started = false;

  before(async () => {
    mock = await startSigstoreMock({ withTsa: true });
    started = true;
    urls = [mock.fulcioURL, mock.rekorURL, mock.tsaURL ?? assert.fail('no tsaURL')];
  });

  after(async () => {
    if (!started) return; // startSigstoreMock closes what it started when it fails
    await mock.close();
    await mock.close(); // idempotent
    for (const url of urls) assert.equal(await refused(url), true, `${url} still accepts connections`);
  });

  void test('serves only loopback addresses and a trusted root with CA, CT log, tlog and TSA', () => {
    for (const url of urls) assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(new Set(urls).size, 3, 'one server per service');
    const root = TrustedRoot.fromJSON(mock.trustedRoot);
    assert.equal(root.mediaType, 'application/vnd.dev.sigstore.trustedroot+json;version=0.1');
    assert.equal(root.certificateAuthorities.length, 1);
    assert.equal(root.ctlogs.length, 1);
    assert.equal(root.tlogs.length, 1);
    assert.equal(root.timestampAuthorities.length, 1);
    assert.equal(root.timestampAuthorities[0]?.certChain?.certificates.length, 2);
    assert.equal(root.tlogs[0]?.baseUrl, mock.rekorURL);
    const start = root.certificateAuthorities[0]?.validFor?.start;
    assert.ok(start && start.getTime() <= Date.now() && start.getTime() % 1000 === 0);
  });

  void test('keyless DSSE sign (Fulcio, Rekor, TSA) verifies against the trusted root', async (t) => {
    const token = await mock.identityToken({ iss: ISSUER, sub: SUBJECT });
    const t0 = performance.now();
    const bundle = await signKeyless(mock, token);
    const t1 = performance.now();
    const v = verifier(mock);
    const signer = v.verify(toSignedEntity(bundle), { subjectAlternativeName: SUBJECT, extensions: { issuer: ISSUER } });
    const t2 = performance.now();
    t.diagnostic(`sign ${(t1 - t0).toFixed(0)} ms, verify ${(t2 - t1).toFixed(0)} ms`);

    assert.equal(signer.identity?.subjectAlternativeName, SUBJECT);
    assert.equal(signer.identity?.extensions?.issuer, ISSUER);
    assert.equal(bundle.content.$case, 'dsseEnvelope');
    assert.equal(bundle.verificationMaterial.content.$case, 'certificate');
    assert.equal(bundle.verificationMaterial.tlogEntries.length, 1);
    assert.equal(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length, 1);
    const integrated = Number(bundle.verificationMaterial.tlogEntries[0]?.integratedTime);
    assert.ok(Math.abs(integrated * 1000 - Date.now()) < 60_000, 'tlog time is the current time');

    // Both timestamps (tlog and TSA) count and verify.
    verifier(mock, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 2 }).verify(toSignedEntity(bundle));

    // The wrong issuer or subject is refused by policy.
    assert.throws(
      () => v.verify(toSignedEntity(bundle), { subjectAlternativeName: SUBJECT, extensions: { issuer: 'https://accounts.example.test' } }),
      (err: unknown) => err instanceof PolicyError && /issuer/.test(err.message),
    );
    assert.throws(
      () => v.verify(toSignedEntity(bundle), { subjectAlternativeName: 'https://example.test/other', extensions: { issuer: ISSUER } }),
      PolicyError,
    );
  });

  void test('an e-mail identity becomes the subject alternative name', async () => {
    const token = await mock.identityToken({ iss: ISSUER, sub: 'user-123', email: 'dev@example.test' });
    const bundle = await signKeyless(mock, token);
    const signer = verifier(mock).verify(toSignedEntity(bundle), {
      subjectAlternativeName: 'dev@example.test',
      extensions: { issuer: ISSUER },
    });
    assert.equal(signer.identity?.subjectAlternativeName, 'dev@example.test');
  });

  void test('Fulcio refuses a token the mock did not mint', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const input = `${part({ alg: 'ES256', typ: 'JWT' })}.${part({ iss: ISSUER, sub: SUBJECT, aud: 'sigstore', iat: now, exp: now + 600 })}`;
    const forged = `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    await assert.rejects(signKeyless(mock, forged), /signing certificate/);
  });

  void test("a bundle does not verify against another mock's trusted root", async () => {
    const bundle = await signKeyless(mock, await mock.identityToken({ iss: ISSUER, sub: SUBJECT }));
    const other = await startSigstoreMock({ withTsa: true });
    try {
      assert.throws(() => verifier(other).verify(toSignedEntity(bundle)), /certificate|timestamp|tlog/i);
    } finally {
      await other.close();
    }
  });
});

void describe('sigstore mock (without TSA)', () => {
  void test('no TSA endpoint; the tlog time alone satisfies the timestamp threshold', async () => {
    const mock = await startSigstoreMock();
    try {
      assert.equal(mock.tsaURL, undefined);
      assert.equal(TrustedRoot.fromJSON(mock.trustedRoot).timestampAuthorities.length, 0);
      const bundle = await signKeyless(mock, await mock.identityToken({ iss: ISSUER, sub: SUBJECT }));
      assert.equal(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length ?? 0, 0);
      const signer = verifier(mock).verify(toSignedEntity(bundle), { subjectAlternativeName: SUBJECT, extensions: { issuer: ISSUER } });
      assert.equal(signer.identity?.extensions?.issuer, ISSUER);
    } finally {
      await mock.close();
    }
    assert.equal(await refused(mock.fulcioURL), true);
    assert.equal(await refused(mock.rekorURL), true);
  });
});
