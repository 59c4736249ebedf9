// `wpack admission manifests`: the install YAML, each object validated
// against the Kubernetes OpenAPI schemas of its kind (kubernetes-models,
// generated from the Kubernetes and cert-manager schemas), and the policy in
// its ConfigMap loading as the same policy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { Issuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer';
import { ValidatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parseAllDocuments } from 'yaml';
import { generateKeyPair } from '@wpack/signatures';
import { loadPolicy } from '@wpack/verifier';
import { runWpack } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

type Obj = Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> } };

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Namespace,
  ServiceAccount,
  ConfigMap,
  Issuer,
  Certificate,
  Deployment,
  PodDisruptionBudget,
  Service,
  ValidatingWebhookConfiguration,
};

let work: { dir: string; cleanup: () => Promise<void> };
let objects: Obj[];

before(async () => {
  work = await tempDir('wpack-admission-manifests-');
  await mkdir(join(work.dir, 'keys'));
  await writeFile(join(work.dir, 'keys', 'release.pub'), generateKeyPair().publicPem);
  await writeFile(
    join(work.dir, 'policy.json'),
    `{
  // the host's policy, with a comment
  "version": 1,
  "host": { "worlds": ["wasi:cli/command@0.2.12"] },
  "signatures": { "signers": [{ "key": "keys/release.pub" }] },
  "capabilities": { "allow": ["stdio:*"] },
}
`,
  );
  const r = await runWpack(['admission', 'manifests', '--namespace', 'wasm-guard', '--image', 'ghcr.io/acme/wpack:0.1.0', '--policy', 'policy.json', '--runtime-class', 'wasmtime-spin', '-o', 'install.yaml'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(await readFile(join(work.dir, 'install.yaml'), 'utf8'));
  objects = docs.map((d) => d.toJS() as Obj);
});

after(() => work.cleanup());

void describe('wpack admission manifests', () => {
  void test('every object is valid against its kind\'s schema', () => {
    assert.deepEqual(objects.map((o) => o.kind), ['Namespace', 'ServiceAccount', 'ConfigMap', 'Issuer', 'Certificate', 'Deployment', 'PodDisruptionBudget', 'Service', 'ValidatingWebhookConfiguration']);
    for (const o of objects) {
      const Model = MODELS[o.kind];
      assert.ok(Model !== undefined, o.kind);
      assert.doesNotThrow(() => new Model(o as never).validate(), o.kind);
    }
    // The validation does reject what is wrong.
    const deployment = objects.find((o) => o.kind === 'Deployment') as Obj;
    assert.throws(() => new Deployment({ ...deployment, spec: { ...(deployment.spec as object), replicas: 'two' } } as never).validate());
  });

  void test('the webhook fails closed, has no side effects, and never checks its own namespace', () => {
    const config = objects.find((o) => o.kind === 'ValidatingWebhookConfiguration') as Obj & { webhooks: Record<string, unknown>[] };
    assert.equal(config.metadata.annotations?.['cert-manager.io/inject-ca-from'], 'wasm-guard/wpack-admission');
    const [hook] = config.webhooks;
    assert.equal(hook?.failurePolicy, 'Fail');
    assert.equal(hook?.sideEffects, 'None');
    assert.equal(hook?.timeoutSeconds, 10);
    assert.deepEqual(hook?.admissionReviewVersions, ['v1']);
    assert.deepEqual(hook?.namespaceSelector, { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['wasm-guard'] }] });
    assert.deepEqual((hook?.clientConfig as { service: unknown }).service, { namespace: 'wasm-guard', name: 'wpack-admission', path: '/validate', port: 443 });
    const resources = (hook?.rules as { resources: string[] }[]).flatMap((r) => r.resources);
    assert.deepEqual(resources.sort(), ['cronjobs', 'daemonsets', 'deployments', 'jobs', 'pods', 'pods/ephemeralcontainers', 'replicasets', 'statefulsets']);
    const cert = objects.find((o) => o.kind === 'Certificate') as Obj & { spec: { dnsNames: string[]; secretName: string } };
    assert.deepEqual(cert.spec.dnsNames, ['wpack-admission.wasm-guard.svc', 'wpack-admission.wasm-guard.svc.cluster.local']);
  });

  void test('two replicas with a disruption budget run the server with the policy, the certificate and the runtime classes', () => {
    const deployment = objects.find((o) => o.kind === 'Deployment') as Obj & { spec: { replicas: number; template: { spec: { containers: { args: string[]; image: string }[]; volumes: { secret?: { secretName: string } }[] } } } };
    assert.equal(deployment.spec.replicas, 2);
    const [container] = deployment.spec.template.spec.containers;
    assert.equal(container?.image, 'ghcr.io/acme/wpack:0.1.0');
    assert.deepEqual(container?.args.slice(0, 2), ['admission', 'serve']);
    assert.ok(container?.args.join(' ').includes('--runtime-class wasmtime-spin'));
    assert.ok(container?.args.join(' ').includes('--timeout 8s'), 'the server decides before the API server gives up');
    assert.ok(deployment.spec.template.spec.volumes.some((v) => v.secret?.secretName === 'wpack-admission-tls'));
    const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget') as Obj & { spec: { minAvailable: number } };
    assert.equal(pdb.spec.minAvailable, 1);
  });

  void test('the ConfigMap holds the policy and the files it names, and loads as the same policy', async () => {
    const map = objects.find((o) => o.kind === 'ConfigMap') as Obj & { data: Record<string, string> };
    assert.deepEqual(Object.keys(map.data).sort(), ['policy.json', 'release.pub']);
    const mounted = join(work.dir, 'mounted');
    await mkdir(mounted);
    for (const [name, text] of Object.entries(map.data)) await writeFile(join(mounted, name), text);
    const there = await loadPolicy(join(mounted, 'policy.json'));
    const here = await loadPolicy(join(work.dir, 'policy.json'));
    // The same policy; only where it and its key were read from differ.
    const same = (p: typeof here) => ({ ...p, source: '', files: p.files.map((f) => basename(f)), signatures: { ...p.signatures, keys: p.signatures.keys.map((k) => ({ ...k, source: basename(k.source) })) } });
    assert.deepEqual(same(there), same(here));
    assert.equal(here.signatures.keys.length, 1);
  });

  void test('bad input exits 2 with one line', async () => {
    for (const extra of [['--namespace', 'Bad_NS'], ['--timeout-seconds', '45'], ['--policy', 'missing.json']]) {
      const r = await runWpack(['admission', 'manifests', '--image', 'ghcr.io/acme/wpack:0.1.0', '--policy', 'policy.json', ...extra], { cwd: work.dir });
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
