import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Flags from '@oclif/core/flags';
import { admissionMetrics, ImageVerdicts, startAdmissionServer } from '@wpack/admission';
import { sha256Digest } from '@wpack/core';
import { parseListenAddress } from '@wpack/runtime';
import { loadPolicy } from '@wpack/verifier';
import { WpackCommand } from '../../base-command.js';
import { parseDuration } from '../../duration.js';
import { clientOptions, registryFlags } from '../../registry-flags.js';

export default class AdmissionServe extends WpackCommand {
  static override summary = 'Run the gate as a Kubernetes validating admission webhook and a Gatekeeper external data provider.';
  static override description =
    'An HTTPS server: POST /validate answers admission.k8s.io/v1 AdmissionReviews for Pods and the pod templates of ' +
    'Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs: every image is resolved to its digest and ' +
    'run through the gate, as `wpack verify <ref> --policy` does. POST /externaldata is an OPA Gatekeeper external data ' +
    'provider. GET /healthz, /readyz and /metrics (Prometheus). Verdicts are cached by policy, repository and digest, ' +
    'never by tag; one pull per image however many reviews ask at once. A registry failure or a timeout denies (fail ' +
    'closed). One JSON log line per review on stdout. The certificate is re-read when its files change.';
  static override examples = [
    '<%= config.bin %> admission serve --policy host-policy.json --tls-cert tls/tls.crt --tls-key tls/tls.key',
    '<%= config.bin %> admission serve --policy /etc/wpack/policy.json --addr 0.0.0.0:8443 --tls-cert /tls/tls.crt --tls-key /tls/tls.key --runtime-class wasmtime-spin',
  ];
  static override enableJsonFlag = false;
  static override flags = {
    ...registryFlags,
    policy: Flags.file({ description: 'host policy (policy.json) every image must pass', required: true }),
    addr: Flags.string({ description: 'HOST:PORT to listen on (port 0 picks a free one)', default: '0.0.0.0:8443' }),
    'tls-cert': Flags.file({ description: 'PEM certificate (chain) the API server sees; re-read when it changes', required: true }),
    'tls-key': Flags.file({ description: 'PEM private key of the certificate', required: true }),
    'runtime-class': Flags.string({ description: 'check only pods with this runtimeClassName (repeatable); without it every pod is checked', multiple: true }),
    'cache-ttl': Flags.string({ description: 'how long a verdict on a digest is kept', default: '10m' }),
    'tag-ttl': Flags.string({ description: 'how long a tag\'s resolution to a digest is kept (0s: resolve on every review)', default: '5s' }),
    timeout: Flags.string({ description: 'a review not decided in this time is denied (keep it under the webhook\'s timeoutSeconds)', default: '8s' }),
    'tls-reload-interval': Flags.string({ description: 'how often the certificate files are checked for a change', default: '10s' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AdmissionServe);
    const address = parseListenAddress(flags.addr);
    const ttlMs = parseDuration('cache-ttl', flags['cache-ttl']);
    const tagTtlMs = flags['tag-ttl'] === '0s' || flags['tag-ttl'] === '0' ? 0 : parseDuration('tag-ttl', flags['tag-ttl']);
    const timeoutMs = parseDuration('timeout', flags.timeout);
    const reloadIntervalMs = parseDuration('tls-reload-interval', flags['tls-reload-interval']);
    const policy = await loadPolicy(flags.policy);
    const policyDigest = sha256Digest(await readFile(flags.policy));
    const log = (record: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(record)}\n`);
    const scratch = await mkdtemp(join(tmpdir(), 'wpack-admission-'));
    try {
      const metrics = admissionMetrics();
      const verdicts = new ImageVerdicts({ policy, policyDigest, client: clientOptions(flags), ttlMs, tagTtlMs, scratch, events: metrics.events });
      const server = await startAdmissionServer({
        verdicts,
        metrics,
        ...address,
        certFile: flags['tls-cert'],
        keyFile: flags['tls-key'],
        reloadIntervalMs,
        runtimeClasses: flags['runtime-class'] ?? [],
        timeoutMs,
        log,
      });
      const shown = server.address.host.includes(':') ? `[${server.address.host}]` : server.address.host;
      log({ time: new Date().toISOString(), event: 'listening', url: `https://${shown}:${String(server.address.port)}`, policy: flags.policy, policyDigest });
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          log({ time: new Date().toISOString(), event: 'stopping', signal });
          void server.close().then(() => verdicts.close()).then(resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    // Closed gracefully: a review still waiting on a stalled registry must not keep the process alive.
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event: 'stopped' })}\n`, () => process.exit(0));
  }
}
