import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { denialSink, preloadRuntime, parseListenAddress, resolveGrants, serveComponent } from '@wpack/runtime';
import { WpackCommand } from '../base-command.js';
import { toStderr, withGatedComponent } from '../run-gate.js';
import { bundleDigestFlag, registryFlags } from '../registry-flags.js';

export default class Serve extends WpackCommand {
  static override summary = 'Serve HTTP with a bundle\'s wasi:http/incoming-handler, after the gate, with exactly the capabilities it was granted.';
  static override description =
    'The gate runs first, exactly as `wpack verify --policy`; a bundle that does not pass exits 1 and is never loaded. ' +
    'The component must export wasi:http/incoming-handler and declare http:inbound. Its requests run on the same ' +
    'enforcing WASI implementations as `wpack run` (env, outgoing HTTP, sockets, stdio, clocks, random by grant). ' +
    'At most --max-in-flight requests are answered at once (503 beyond); a request the component does not answer in ' +
    '--request-timeout gets 504; a trap answers 500 and the instance is replaced. One access-log line per request on ' +
    'stderr. SIGINT or SIGTERM stops accepting, lets the requests in flight finish, then exits 0.';
  static override examples = [
    '<%= config.bin %> serve app.wpack --policy host-policy.json --addr 127.0.0.1:8080',
    '<%= config.bin %> serve ghcr.io/acme/api:1.2.0 --policy host-policy.json --addr 0.0.0.0:8080 --env API_MODE=prod --quiet',
  ];
  static override enableJsonFlag = false;
  static override args = { bundle: Args.string({ description: 'a .wpack file, or a registry reference', required: true }) };
  static override flags = {
    ...registryFlags,
    ...bundleDigestFlag,
    policy: Flags.file({ description: 'host policy (policy.json): the gate that must pass first', required: true }),
    addr: Flags.string({ description: 'HOST:PORT to listen on (port 0 picks a free one)', default: '127.0.0.1:8080' }),
    env: Flags.string({ description: 'NAME=VALUE, or NAME for the host\'s value; only names an env: capability grants; repeatable', multiple: true }),
    'max-in-flight': Flags.integer({ description: 'requests answered at once; more get 503', default: 64, min: 1 }),
    'request-timeout': Flags.integer({ description: 'seconds before an unanswered request gets 504', default: 30, min: 1 }),
    'audit-log': Flags.string({ description: 'append one JSON line per refusal to this file' }),
    quiet: Flags.boolean({ description: 'print the gate\'s report only when it denies' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Serve);
    const address = parseListenAddress(flags.addr);
    // The WASI library loads while the gate runs; the component waits for the verdict.
    preloadRuntime();
    await withGatedComponent(args.bundle, flags, this.config.version, async (manifest, component) => {
      const grants = resolveGrants(manifest.capabilities, { env: flags.env ?? [], program: manifest.name });
      const denials = denialSink({ auditLog: flags['audit-log'], write: toStderr });
      const serving = await serveComponent(component, {
        grants,
        denials,
        ...address,
        maxInFlight: flags['max-in-flight'],
        requestTimeoutMs: flags['request-timeout'] * 1000,
        notice: (l) => toStderr(`${l}\n`),
        accessLog: (l) => toStderr(`${l}\n`),
      });
      const shown = serving.address.host.includes(':') ? `[${serving.address.host}]` : serving.address.host;
      toStderr(`wpack serve: ${manifest.name} ${manifest.version} listening on http://${shown}:${String(serving.address.port)}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          toStderr(`wpack serve: ${signal}: finishing the requests in flight, then stopping\n`);
          void serving.close().then(resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      toStderr(`wpack serve: stopped after ${String(serving.requests)} requests\n`);
    });
  }
}
