// `wpack policy export`: a host policy's signer rules for Kyverno (validated
// with @kubernetes-models/kyverno, generated from Kyverno's CRDs) and for
// sigstore policy-controller (validated against its vendored CRD schema,
// fixtures/crds/), with what each cannot check said plainly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageValidatingPolicy } from '@kubernetes-models/kyverno/policies.kyverno.io/v1/ImageValidatingPolicy';
import { parseAllDocuments } from 'yaml';
import { globToRegExp } from '@wpack/admission';
import { generateKeyPair, WPACK_PREDICATE_TYPE } from '@wpack/signatures';
import { runWpack } from './helpers/cli.js';
import { crdSchema, structuralProblems } from './helpers/crd.js';
import { tempDir } from './helpers/tmp.js';

const CRD = fileURLToPath(new URL('../fixtures/crds/policy-controller-clusterimagepolicy.yaml', import.meta.url));
const ALLOW = ['stdio:stdout', 'clock:wall', 'http:outbound:https://api.acme.com'];

let work: { dir: string; cleanup: () => Promise<void> };
let pem: string;

async function policy(file: string, signers: unknown[], extra: Record<string, unknown> = {}): Promise<void> {
  await writeFile(
    join(work.dir, file),
    JSON.stringify({ version: 1, scopes: ['ghcr.io/acme/*'], host: { worlds: ['wasi:http/proxy@0.2.12'] }, signatures: { signers, ...extra }, capabilities: { allow: ALLOW } }),
  );
}

async function exported(args: string[]): Promise<{ header: string; objects: Record<string, unknown>[] }> {
  const r = await runWpack(['policy', 'export', ...args], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  const header = r.stdout.split('\n---\n')[0] ?? '';
  return { header, objects: parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, unknown>) };
}

const KEYLESS = { keyless: { issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v*' } };

before(async () => {
  work = await tempDir('wpack-policy-export-');
  pem = generateKeyPair().publicPem;
  await writeFile(join(work.dir, 'release.pub'), pem);
  await policy('both.json', [{ key: 'release.pub' }, KEYLESS]);
  await policy('keys-only.json', [{ key: 'release.pub' }]);
  await policy('two-of.json', [KEYLESS, { keyless: { issuer: 'https://accounts.google.com', subjectRegExp: 'release@acme\\.com' } }], { minimum: 2 });
});

after(() => work.cleanup());

void describe('wpack policy export', () => {
  void test('kyverno: a valid ImageValidatingPolicy requiring the wpack attestation from the policy\'s signers, capabilities by exact text', async () => {
    const { header, objects } = await exported(['--to', 'kyverno', '--policy', 'both.json']);
    assert.equal(objects.length, 1);
    const [ivp] = objects as [Record<string, unknown> & { spec: Record<string, unknown> }];
    assert.doesNotThrow(() => new ImageValidatingPolicy(ivp as never).validate());
    assert.throws(() => new ImageValidatingPolicy({ ...ivp, spec: { ...ivp.spec, validationActions: ['Block'] } } as never).validate(), 'the schema check can fail');
    const spec = ivp.spec as { matchImageReferences: unknown; attestors: { name: string; cosign: { key?: { data: string }; keyless?: { identities: { issuer: string; subjectRegExp: string }[] } } }[]; attestations: unknown; validations: { expression: string }[] };
    assert.deepEqual(spec.matchImageReferences, [{ glob: 'ghcr.io/acme/*' }, { glob: 'ghcr.io/acme/*:*' }, { glob: 'ghcr.io/acme/*@*' }], 'the repository glob, with a tag, with a digest');
    assert.equal(spec.attestors[0]?.cosign.key?.data, pem);
    const identity = spec.attestors[1]?.cosign.keyless?.identities[0];
    assert.equal(identity?.issuer, KEYLESS.keyless.issuer);
    assert.deepEqual(spec.attestations, [{ name: 'wpack', intoto: { type: WPACK_PREDICATE_TYPE } }]);
    const expressions = spec.validations.map((v) => v.expression).join('\n');
    for (const category of ['containers', 'initContainers', 'ephemeralContainers']) assert.ok(expressions.includes(`images.${category}.all(image,`), category);
    assert.ok(expressions.includes('verifyAttestationSignatures(image, attestations.wpack, [attestors.key0, attestors.keyless0]) >= 1'));
    assert.ok(expressions.includes(JSON.stringify(ALLOW).replace(/,/g, ', ')), 'the allow list, exact');
    assert.match(header, /Kyverno cannot check:\n#\s+- the WIT world/);
    assert.match(header, /images outside the policy's scopes/);
    assert.match(header, /wpack admission serve makes every one of those checks/);
  });

  void test('policy-controller: a ClusterImagePolicy valid against the CRD schema, keyless bundle-format authorities, a Rego capability check', async () => {
    const { header, objects } = await exported(['--to', 'policy-controller', '--policy', 'both.json', '--name', 'wasm-apps']);
    const [cip] = objects as [Record<string, unknown> & { metadata: { name: string }; spec: Record<string, unknown> }];
    assert.equal(cip.apiVersion, 'policy.sigstore.dev/v1beta1');
    assert.equal(cip.kind, 'ClusterImagePolicy');
    assert.equal(cip.metadata.name, 'wasm-apps');
    const schema = await crdSchema(CRD, 'v1beta1');
    assert.deepEqual(structuralProblems(cip, schema), []);
    assert.notDeepEqual(structuralProblems({ ...cip, spec: { ...cip.spec, authoritiez: [] } }, schema), [], 'an undeclared field is caught');
    const authorities = cip.spec.authorities as { signatureFormat: string; keyless: { identities: { subjectRegExp: string }[] }; attestations: { predicateType: string; policy: { type: string; data: string } }[] }[];
    assert.equal(authorities.length, 1, 'only the keyless signer: bundle-format key signatures are not read by policy-controller');
    assert.equal(authorities[0]?.signatureFormat, 'bundle');
    assert.equal(authorities[0]?.attestations[0]?.predicateType, WPACK_PREDICATE_TYPE);
    const rego = authorities[0]?.attestations[0]?.policy.data ?? '';
    assert.match(rego, /^package sigstore$/m);
    assert.match(rego, /^default isCompliant = false$/m);
    for (const cap of ALLOW) assert.ok(rego.includes(JSON.stringify(cap)), cap);
    assert.match(header, /key signer\(s\): policy-controller verifies bundle-format signatures only for keyless authorities/);
  });

  void test('what a controller cannot express is refused with one line and exit 2', async () => {
    for (const [args, message] of [
      [['--to', 'policy-controller', '--policy', 'keys-only.json'], /keyless authorities, and this policy trusts keys only/],
      [['--to', 'policy-controller', '--policy', 'two-of.json'], /requires 2 distinct signers/],
      [['--to', 'istio', '--policy', 'both.json'], /Expected --to=istio to be one of: kyverno, policy-controller/],
      [['--to', 'kyverno', '--policy', 'both.json', '--name', 'Not_A_Name'], /not a Kubernetes object name/],
    ] as [string[], RegExp][]) {
      const r = await runWpack(['policy', 'export', ...args], { cwd: work.dir });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
    }
    const two = await exported(['--to', 'kyverno', '--policy', 'two-of.json']);
    assert.ok(JSON.stringify(two.objects).includes('>= 2'), 'Kyverno counts the verified attestors');
  });

  void test('an allow entry that meets a deny entry is left out of the exact list: the export never admits what wpack denies', async () => {
    await writeFile(
      join(work.dir, 'with-deny.json'),
      JSON.stringify({
        version: 1,
        host: { worlds: ['wasi:cli/command@0.2.12'] },
        signatures: { signers: [KEYLESS] },
        capabilities: { allow: ['stdio:stdout', 'env:*', 'env:APP_MODE', 'env:AWS_REGION'], deny: ['env:AWS_*'] },
      }),
    );
    for (const to of ['kyverno', 'policy-controller']) {
      const { objects } = await exported(['--to', to, '--policy', 'with-deny.json']);
      const text = JSON.stringify(objects);
      assert.ok(text.includes('env:APP_MODE') && text.includes('stdio:stdout'), to);
      assert.ok(!text.includes('env:*') && !text.includes('env:AWS_REGION'), `${to}: env:* and env:AWS_REGION meet env:AWS_* and are left out`);
    }
  });

  void test('a keyless subject glob becomes an anchored regular expression that means the same', () => {
    const re = new RegExp(globToRegExp(KEYLESS.keyless.subject));
    assert.ok(re.test('https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0'));
    assert.ok(!re.test('https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main'));
    assert.ok(!re.test('https://github.com/acmeXapp/.github/workflows/release.yml@refs/tags/v1'), 'a dot is a dot');
    assert.ok(!re.test('xhttps://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1'), 'anchored');
    assert.equal(globToRegExp('a?c'), '^a.c$');
  });

  void test('the vendored CRD is the one named in its README', async () => {
    const readme = await readFile(join(CRD, '..', 'README.md'), 'utf8');
    assert.match(readme, /f925c0c1a412910787a7f045581fa9d5ed09a20a/);
    assert.match(await readFile(CRD, 'utf8'), /name: clusterimagepolicies\.policy\.sigstore\.dev/);
  });
});
