import * as Flags from '@oclif/core/flags';
import { installObjects, policyConfig, renderYaml } from '@wpack/admission';
import { WpackError } from '@wpack/core';
import { WpackCommand } from '../../base-command.js';

export default class AdmissionManifests extends WpackCommand {
  static override summary = 'Print the Kubernetes YAML that installs `wpack admission serve` (needs cert-manager).';
  static override description =
    'Namespace, ServiceAccount, the policy (and every file it names) as a ConfigMap, a cert-manager Issuer and ' +
    'Certificate, a Deployment of 2 replicas with a PodDisruptionBudget, a Service, and the ' +
    'ValidatingWebhookConfiguration (failurePolicy Fail, sideEffects None, the CA injected by cert-manager\'s ' +
    'cainjector, the webhook\'s own namespace excluded). Apply it with `kubectl apply -f`.';
  static override examples = [
    '<%= config.bin %> admission manifests --image ghcr.io/acme/wpack:0.1.0 --policy host-policy.json > wpack-admission.yaml',
    '<%= config.bin %> admission manifests --namespace wpack-system --image ghcr.io/acme/wpack:0.1.0 --policy host-policy.json --runtime-class wasmtime-spin -o install.yaml',
  ];
  static override enableJsonFlag = false;
  static override flags = {
    namespace: Flags.string({ description: 'namespace of the webhook (excluded from its own checks)', default: 'wpack-system' }),
    image: Flags.string({ description: 'container image whose entrypoint is wpack', required: true }),
    policy: Flags.file({ description: 'host policy (policy.json) the webhook enforces; the files it names go along', required: true }),
    'runtime-class': Flags.string({ description: 'check only pods with this runtimeClassName (repeatable); without it every pod is checked', multiple: true }),
    replicas: Flags.integer({ description: 'replicas of the webhook', default: 2, min: 1 }),
    'timeout-seconds': Flags.integer({ description: 'how long the API server waits for an answer (3-30)', default: 10 }),
    output: Flags.string({ char: 'o', description: 'write the YAML to this file (atomically) instead of stdout' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AdmissionManifests);
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(flags.namespace)) throw new WpackError('USAGE', `--namespace ${JSON.stringify(flags.namespace)} is not a Kubernetes namespace name (lowercase letters, digits and -)`);
    const objects = installObjects({
      namespace: flags.namespace,
      image: flags.image,
      runtimeClasses: flags['runtime-class'] ?? [],
      policy: await policyConfig(flags.policy),
      replicas: flags.replicas,
      timeoutSeconds: flags['timeout-seconds'],
    });
    const yaml = renderYaml(objects, `wpack admission webhook: ${flags.image}, policy ${flags.policy}\nneeds cert-manager (Issuer, Certificate, cainjector). Apply with: kubectl apply -f <this file>`);
    if (flags.output !== undefined) {
      const { default: writeFileAtomic } = await import('write-file-atomic');
      await writeFileAtomic(flags.output, yaml);
      this.log(`wrote ${String(objects.length)} objects to ${flags.output}`);
    } else process.stdout.write(yaml);
  }
}
