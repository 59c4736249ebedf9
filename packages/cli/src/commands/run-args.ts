import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { runtimeArgs, type RuntimeArgs } from '@wpack/runtime';
import { WpackCommand } from '../base-command.js';
import { bundleDigestFlag, registryFlags } from '../registry-flags.js';
import { withGatedComponent } from '../run-gate.js';

export type RunArgsResult = RuntimeArgs & { digest: string };

export default class RunArgs extends WpackCommand {
  static override summary = 'Print what wasmtime or spin must be told to grant a gated bundle its capabilities.';
  static override description =
    'The gate runs first, exactly as `wpack verify --policy` (its report goes to stderr only when it denies, exit 1). ' +
    'Then, per the capability mapping of RUNTIME.md: the wasmtime command line, or the component table of a spin.toml v2. ' +
    'One warning per capability that runtime can only over-grant (or cannot grant), each saying that `wpack run` enforces it exactly.';
  static override examples = [
    '<%= config.bin %> run-args app.wpack --policy host-policy.json --runtime wasmtime',
    '<%= config.bin %> run-args ghcr.io/acme/app:1.2.0 --policy host-policy.json --runtime spin --json',
  ];
  static override args = { bundle: Args.string({ description: 'a .wpack file, or a registry reference', required: true }) };
  static override flags = {
    ...registryFlags,
    ...bundleDigestFlag,
    policy: Flags.file({ description: 'host policy (policy.json): the gate that must pass first', required: true }),
    runtime: Flags.option({ description: 'the runtime to map the capabilities onto', options: ['wasmtime', 'spin'] as const, required: true })(),
  };

  async run(): Promise<RunArgsResult> {
    const { args, flags } = await this.parse(RunArgs);
    // The report goes to stderr only when the gate denies.
    const gate = { ...flags, quiet: true };
    return withGatedComponent(
      args.bundle,
      gate,
      this.config.version,
      (manifest, _component, digest) => {
        // The capabilities mapped are those of the manifest the gate verified.
        const result = runtimeArgs(manifest.capabilities, flags.runtime, { component: 'component.wasm', name: manifest.name });
        if (!this.jsonEnabled()) {
          if (result.command !== undefined) this.log(result.command.map(shellQuote).join(' '));
          if (result.spinToml !== undefined) process.stdout.write(result.spinToml);
          for (const w of result.warnings) this.logToStderr(`warning: ${w}`);
        }
        return Promise.resolve({ ...result, digest });
      },
      'no run arguments for it',
    );
  }
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
