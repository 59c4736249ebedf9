import * as Flags from '@oclif/core/flags';
import { exportPolicy, renderYaml } from '@wpack/admission';
import { WpackCommand } from '../../base-command.js';

export default class PolicyExport extends WpackCommand {
  static override summary = 'Translate a host policy\'s signer rules for Kyverno or sigstore policy-controller.';
  static override description =
    'For clusters that already run one of those controllers: a Kyverno ImageValidatingPolicy or a policy-controller ' +
    'ClusterImagePolicy that requires the wpack attestation on every matching image, signed by the policy\'s trusted ' +
    'signers, and checks its declared capabilities against the policy\'s allow list by exact text. Neither controller ' +
    'can check the WIT world, that the component imports what it declares, or capability containment; the output ' +
    'says so in its header and annotations. `wpack admission serve` makes all of those checks.';
  static override examples = [
    '<%= config.bin %> policy export --to kyverno --policy host-policy.json > wpack-kyverno.yaml',
    '<%= config.bin %> policy export --to policy-controller --policy host-policy.json -o wpack-cip.yaml',
  ];
  static override enableJsonFlag = false;
  static override flags = {
    to: Flags.option({ description: 'the controller to export for', options: ['kyverno', 'policy-controller'] as const, required: true })(),
    policy: Flags.file({ description: 'host policy (policy.json) to translate', required: true }),
    name: Flags.string({ description: 'name of the exported object (default: wpack-<policy file name>)' }),
    output: Flags.string({ char: 'o', description: 'write the YAML to this file (atomically) instead of stdout' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PolicyExport);
    const exported = await exportPolicy(flags.policy, flags.to, flags.name !== undefined ? { name: flags.name } : {});
    const controller = flags.to === 'kyverno' ? 'Kyverno' : 'policy-controller';
    const header = [
      `wpack host policy ${flags.policy}, exported for ${controller}.`,
      `${controller} checks: the wpack attestation's signature by the policy's trusted signers, and its declared capabilities by exact text.`,
      `${controller} cannot check:`,
      ...exported.limits.map((l) => `  - ${l}`),
      'wpack admission serve makes every one of those checks.',
    ].join('\n');
    const yaml = renderYaml(exported.objects, header);
    if (flags.output !== undefined) {
      const { default: writeFileAtomic } = await import('write-file-atomic');
      await writeFileAtomic(flags.output, yaml);
      this.log(`wrote ${flags.output}`);
    } else process.stdout.write(yaml);
  }
}
