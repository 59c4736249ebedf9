/**
 * `wpack admission manifests`: what installs `wpack admission serve` in a
 * cluster, as Kubernetes objects (rendered as YAML by `renderYaml`).
 *
 *   Namespace, ServiceAccount (no API access: the webhook never calls the API
 *   server), ConfigMap (the host policy and every file it names), a
 *   cert-manager self-signed Issuer and Certificate for the Service's DNS
 *   names, Deployment (2 replicas spread across nodes, read-only root, no
 *   privileges), PodDisruptionBudget, Service, and the
 *   ValidatingWebhookConfiguration (failurePolicy Fail, sideEffects None,
 *   its CA injected by cert-manager's cainjector, the webhook's own namespace
 *   excluded so that it can always start).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { WpackError } from '@wpack/core';
import { loadPolicy, parsePolicyText, type PolicyDocument } from '@wpack/verifier';
import { stringify } from 'yaml';

export interface InstallOptions {
  namespace: string;
  /** A container image whose entrypoint is `wpack`. */
  image: string;
  runtimeClasses: readonly string[];
  /** From `policyConfig`. */
  policy: PolicyConfig;
  replicas?: number;
  /** The API server's wait for an answer (1-30 s); the server decides within it, 2 s earlier. */
  timeoutSeconds?: number;
}

/** The policy as the pods see it: policy.json and the files it names, side by side. */
export interface PolicyConfig {
  files: Record<string, string>;
}

const NAME = 'wpack-admission';
const POLICY_DIR = '/etc/wpack/policy';
const TLS_DIR = '/etc/wpack/tls';
const PORT = 8443;

/**
 * Reads and checks a host policy (exactly as the gate loads it), then lays it
 * out for a ConfigMap: every file it names (signer keys, a trusted root, host
 * WIT) by its base name beside policy.json, and the policy's paths rewritten
 * to those names. Comments of the original are not kept.
 */
export async function policyConfig(policyFile: string): Promise<PolicyConfig> {
  await loadPolicy(policyFile);
  const doc = (await parsePolicyText(await readFile(policyFile, 'utf8'), policyFile)) as PolicyDocument;
  const base = dirname(resolve(policyFile));
  const files: Record<string, string> = {};
  const take = async (path: string): Promise<string> => {
    const name = basename(path);
    const text = await readFile(resolve(base, path), 'utf8');
    if (name === 'policy.json' || (files[name] !== undefined && files[name] !== text)) {
      throw new WpackError('USAGE', `${policyFile}: two files the policy names would both be ${name} in the ConfigMap; rename one`);
    }
    files[name] = text;
    return name;
  };
  const out = structuredClone(doc) as PolicyDocument & { host?: { wit?: string[] }; signatures: { trustedRoot?: string; signers: { key?: string }[] } };
  if (out.host?.wit !== undefined) out.host.wit = await Promise.all(out.host.wit.map(take));
  if (out.signatures.trustedRoot !== undefined) out.signatures.trustedRoot = await take(out.signatures.trustedRoot);
  for (const signer of out.signatures.signers) if (signer.key !== undefined) signer.key = await take(signer.key);
  files['policy.json'] = `${JSON.stringify(out, null, 2)}\n`;
  return { files };
}

const labels = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/part-of': 'wpack' };

export function installObjects(o: InstallOptions): Record<string, unknown>[] {
  const ns = o.namespace;
  const timeoutSeconds = o.timeoutSeconds ?? 10;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 3 || timeoutSeconds > 30) throw new WpackError('USAGE', '--timeout-seconds must be a whole number from 3 to 30 (the API server allows 1-30; the server needs 2 s of margin)');
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: ns, labels, ...extra });
  const serverArgs = [
    'admission',
    'serve',
    '--policy',
    `${POLICY_DIR}/policy.json`,
    '--addr',
    `0.0.0.0:${String(PORT)}`,
    '--tls-cert',
    `${TLS_DIR}/tls.crt`,
    '--tls-key',
    `${TLS_DIR}/tls.key`,
    '--timeout',
    `${String(timeoutSeconds - 2)}s`,
    ...o.runtimeClasses.flatMap((c) => ['--runtime-class', c]),
  ];
  const probe = (path: string) => ({ httpGet: { path, port: 'https', scheme: 'HTTPS' }, periodSeconds: 10, timeoutSeconds: 2 });
  const rule = (apiGroups: string[], resources: string[]) => ({ apiGroups, apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources, scope: 'Namespaced' });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(NAME), automountServiceAccountToken: false },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${NAME}-policy`), data: o.policy.files },
    { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: meta(`${NAME}-selfsigned`), spec: { selfSigned: {} } },
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(NAME),
      spec: {
        secretName: `${NAME}-tls`,
        dnsNames: [`${NAME}.${ns}.svc`, `${NAME}.${ns}.svc.cluster.local`],
        issuerRef: { name: `${NAME}-selfsigned`, kind: 'Issuer', group: 'cert-manager.io' },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        duration: '2160h',
        renewBefore: '360h',
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(NAME),
      spec: {
        replicas: o.replicas ?? 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: NAME,
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } }],
            containers: [
              {
                name: 'wpack',
                image: o.image,
                args: serverArgs,
                ports: [{ name: 'https', containerPort: PORT, protocol: 'TCP' }],
                readinessProbe: probe('/readyz'),
                livenessProbe: probe('/healthz'),
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [
                  { name: 'policy', mountPath: POLICY_DIR, readOnly: true },
                  { name: 'tls', mountPath: TLS_DIR, readOnly: true },
                  // Pulled bundles are written here while they are gated.
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'policy', configMap: { name: `${NAME}-policy` } },
              { name: 'tls', secret: { secretName: `${NAME}-tls` } },
              { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
            ],
          },
        },
      },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(NAME), spec: { minAvailable: 1, selector: { matchLabels: labels } } },
    { apiVersion: 'v1', kind: 'Service', metadata: meta(NAME), spec: { selector: labels, ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }] } },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: NAME, labels, annotations: { 'cert-manager.io/inject-ca-from': `${ns}/${NAME}` } },
      webhooks: [
        {
          name: 'pods.admission.wpack.dev',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          matchPolicy: 'Equivalent',
          timeoutSeconds,
          clientConfig: { service: { namespace: ns, name: NAME, path: '/validate', port: 443 } },
          // The webhook's own pods must start even when no replica answers.
          namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [ns] }] },
          rules: [
            rule([''], ['pods', 'pods/ephemeralcontainers']),
            rule(['apps'], ['deployments', 'statefulsets', 'daemonsets', 'replicasets']),
            rule(['batch'], ['jobs', 'cronjobs']),
          ],
        },
      ],
    },
  ];
}

/** Objects as one YAML stream, `---` between documents. */
export function renderYaml(objects: readonly Record<string, unknown>[], header?: string): string {
  const docs = objects.map((o) => stringify(o, { lineWidth: 0 }));
  return `${header !== undefined ? `${header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n` : ''}${docs.map((d) => `---\n${d}`).join('')}`;
}
