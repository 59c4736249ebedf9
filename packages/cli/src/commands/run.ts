import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { denialSink, preloadRuntime, resolveGrants, runComponent } from '@wpack/runtime';
import { WpackCommand } from '../base-command.js';
import { toStderr, withGatedComponent } from '../run-gate.js';
import { bundleDigestFlag, registryFlags } from '../registry-flags.js';

export default class Run extends WpackCommand {
  static override summary = 'Run a bundle\'s wasi:cli/run in-process, after the gate, with exactly the capabilities it was granted.';
  static override description =
    'The gate runs first, exactly as `wpack verify --policy` (its report goes to stderr: stdout belongs to the component). ' +
    'A bundle that is denied, tampered with or unsigned exits 1 and is never loaded. Then the component runs on ' +
    'WASI implementations that enforce its declared capabilities: one preopen per --dir (whose guest path must lie in a ' +
    'filesystem: capability; read-only under filesystem:read), only the --env variables an env: capability names, ' +
    'sockets to the addresses and ports of its network: capabilities, outgoing HTTP to the origins of its http:outbound: ' +
    'capabilities, stdio, terminal, exit, clocks and random by their capabilities. Each refusal ' +
    'prints `wpack: denied <kind> <what>: <why>` (and a JSON line in --audit-log). The exit code is the component\'s.';
  static override examples = [
    '<%= config.bin %> run app.wpack --policy host-policy.json --dir ./data::/data --env APP_MODE=fast -- input.txt',
    '<%= config.bin %> run ghcr.io/acme/app:1.2.0 --policy host-policy.json --quiet',
  ];
  static override enableJsonFlag = false;
  static override strict = false;
  static override args = { bundle: Args.string({ description: 'a .wpack file, or a registry reference', required: true }) };
  static override flags = {
    ...registryFlags,
    ...bundleDigestFlag,
    policy: Flags.file({ description: 'host policy (policy.json): the gate that must pass first', required: true }),
    dir: Flags.string({ description: 'preopen HOST::GUEST (or GUEST, the same path on the host); repeatable', multiple: true }),
    env: Flags.string({ description: 'NAME=VALUE, or NAME for the host\'s value; only names an env: capability grants; repeatable', multiple: true }),
    'audit-log': Flags.string({ description: 'append one JSON line per refusal to this file' }),
    quiet: Flags.boolean({ description: 'print the gate\'s report only when it denies' }),
  };

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(Run);
    const guestArgs = argv.slice(1).map(String);
    // The WASI library loads while the gate runs; the component waits for the verdict.
    preloadRuntime();
    await withGatedComponent(args.bundle, flags, this.config.version, async (manifest, component, _digest, policy) => {
      const grants = resolveGrants(manifest.capabilities, {
        dirs: flags.dir ?? [],
        env: flags.env ?? [],
        args: guestArgs,
        program: manifest.name,
        // What the gate trusts: no --dir may let the component rewrite it for the next run.
        protect: [
          ...policy.files.map((path) => ({ path, what: path === policy.source ? 'the policy' : 'a file the policy names' })),
          ...(flags['audit-log'] !== undefined ? [{ path: flags['audit-log'], what: 'the audit log' }] : []),
          ...(flags['ca-file'] !== undefined ? [{ path: flags['ca-file'], what: 'the registry CA' }] : []),
        ],
      });
      const denials = denialSink({ auditLog: flags['audit-log'], write: toStderr });
      const outcome = await runComponent(component, { grants, denials, notice: (l) => toStderr(`${l}\n`) });
      if (outcome.trap !== undefined) toStderr(`wpack: the component trapped: ${outcome.trap}\n`);
      process.exitCode = outcome.code;
    });
  }
}
