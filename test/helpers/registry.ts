// A real OCI registry for tests: CNCF Distribution (`docker-registry serve`,
// Debian's build of 2.8) as a child process on 127.0.0.1, with its storage in a
// fresh temp directory, in one of four set-ups:
//
//   plain     no auth, http
//   htpasswd  Basic auth (bcrypt htpasswd file), http
//   token     Bearer token auth against ./token-issuer.ts, http
//   tls       no auth, https with a certificate from a generated CA
//
// `{ tls: true }` adds https to htpasswd or token as well. Certificates and
// keys come from the openssl CLI, the htpasswd file from `htpasswd`.
//
// Each registry gets a clean environment (Distribution reads any REGISTRY_*
// variable as a config override). Every registry still running when the test
// process exits is killed and its directory removed, so a forgotten stop()
// neither keeps the process alive nor leaks a server.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTokenIssuer, type TokenIssuer, type TokenRequest } from './token-issuer.js';

export type RegistryMode = 'plain' | 'htpasswd' | 'token' | 'tls';

export interface TestRegistry {
  mode: RegistryMode;
  /** host:port, e.g. "127.0.0.1:41234" (what goes in a reference). */
  host: string;
  /** "http://127.0.0.1:41234" or "https://127.0.0.1:41234" for tls. */
  baseURL: string;
  /** For htpasswd and token: a user with push/pull rights (token: also delete). */
  username?: string;
  password?: string;
  /** For tls: the PEM CA file that signed the registry's certificate (for 127.0.0.1 and localhost SANs). */
  caFile?: string;
  /** For token: the token endpoint (realm) URL, the service name, and a second user that may only pull. */
  realm?: string;
  service?: string;
  readOnlyUser?: { username: string; password: string };
  /** For token: an OAuth2 refresh token of the writer (what `docker login` stores as `identitytoken`). */
  identityToken?: string;
  /** For token: the token requests the issuer saw so far. */
  tokenRequests?: () => TokenRequest[];
  /** The registry's storage directory (temp). */
  storageDir: string;
  /** Kills the registry, closes the token server, removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Serve https (implied by mode 'tls'; adds TLS to 'htpasswd' and 'token'). */
  tls?: boolean;
}

const REGISTRY_COMMAND = 'docker-registry';
const READY_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 50;
const PROBE_TIMEOUT_MS = 1_000;
const TERM_GRACE_MS = 3_000;
const KILL_WAIT_MS = 2_000;
const BIND_ATTEMPTS = 5;
const TOOL_TIMEOUT_MS = 20_000;
const OUTPUT_LIMIT = 64 * 1024;

const SERVICE = 'wpack-test-registry';
const ISSUER = 'wpack-test-token-issuer';
const BASIC_REALM = 'wpack-test-registry';
/**
 * Every response of a harness registry carries this header with a value unique
 * to that start, so the readiness check cannot mistake another server that took
 * the port (say, a parallel test's registry) for its own.
 */
const INSTANCE_HEADER = 'X-Wpack-Test-Registry';

/** Registries not yet stopped, killed synchronously if the process exits first. */
interface Live {
  dir: string;
  child?: ChildProcess;
}
const live = new Set<Live>();
let exitHookInstalled = false;

function track(entry: Live): void {
  live.add(entry);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const { child, dir } of live) {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

export async function startRegistry(mode: RegistryMode, options: StartRegistryOptions = {}): Promise<TestRegistry> {
  if (!['plain', 'htpasswd', 'token', 'tls'].includes(mode)) throw new Error(`unknown registry mode: ${String(mode)}`);
  const tls = mode === 'tls' || options.tls === true;
  const dir = await mkdtemp(join(tmpdir(), 'wpack-registry-'));
  const entry: Live = { dir };
  track(entry);
  let issuer: TokenIssuer | undefined;
  const teardown = async (): Promise<void> => {
    if (entry.child) await stopChild(entry.child);
    await issuer?.close();
    await rm(dir, { recursive: true, force: true });
    live.delete(entry);
  };

  try {
    const storageDir = join(dir, 'storage');
    await mkdir(storageDir);
    const secret = (): string => randomBytes(12).toString('hex');
    const extra: Partial<Omit<TestRegistry, 'mode' | 'host' | 'baseURL' | 'storageDir' | 'stop'>> = {};
    const sections: string[] = [];

    if (mode === 'htpasswd') {
      const username = 'wpack-tester';
      const password = secret();
      const file = join(dir, 'htpasswd');
      // Distribution only accepts bcrypt entries; cost 4 keeps each check fast.
      await runTool('htpasswd', ['-B', '-C', '4', '-b', '-c', file, username, password], dir);
      extra.username = username;
      extra.password = password;
      sections.push(yaml({ auth: { htpasswd: { realm: BASIC_REALM, path: file } } }));
    }

    if (mode === 'token') {
      const username = 'wpack-tester';
      const password = secret();
      const readOnlyUser = { username: 'wpack-reader', password: secret() };
      const identityToken = secret();
      const bundle = join(dir, 'token-signer.pem');
      const keyFile = join(dir, 'token-signer.key');
      await runTool('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile], dir);
      const config = await opensslConfig(dir, 'token-signer', 'wpack test token signer', [
        'basicConstraints = critical,CA:TRUE',
        'keyUsage = critical,digitalSignature,keyCertSign',
        'subjectKeyIdentifier = hash',
      ]);
      await runTool('openssl', ['req', '-x509', '-new', '-key', keyFile, '-config', config, '-extensions', 'ext', '-days', '2', '-out', bundle], dir);
      issuer = await startTokenIssuer({
        issuer: ISSUER,
        service: SERVICE,
        key: createPrivateKey(await readFile(keyFile)),
        certificate: Buffer.from(new X509Certificate(await readFile(bundle)).raw),
        users: [
          { username, password, actions: ['pull', 'push', 'delete'], identityToken },
          { ...readOnlyUser, actions: ['pull'] },
        ],
      });
      const started = issuer;
      Object.assign(extra, { username, password, readOnlyUser, identityToken, tokenRequests: () => started.requests(), realm: issuer.realm, service: SERVICE } satisfies typeof extra);
      sections.push(yaml({ auth: { token: { realm: issuer.realm, service: SERVICE, issuer: ISSUER, rootcertbundle: bundle } } }));
    }

    let tlsConfig: { certificate: string; key: string } | undefined;
    let ca: Buffer | undefined;
    if (tls) {
      const made = await makeServerCertificate(dir);
      tlsConfig = { certificate: made.certificate, key: made.key };
      ca = await readFile(made.caFile);
      extra.caFile = made.caFile;
    }

    const scheme = tls ? 'https' : 'http';
    const expected = mode === 'htpasswd' || mode === 'token' ? 401 : 200;
    const instance = secret();
    const { child, port } = await launch(dir, entry, { expected, instance, scheme, ca }, (port) =>
      [
        'version: 0.1',
        yaml({ log: { level: 'warn', accesslog: { disabled: true } } }),
        yaml({
          storage: {
            filesystem: { rootdirectory: storageDir },
            delete: { enabled: true },
            maintenance: { uploadpurging: { enabled: false } },
          },
        }),
        yaml({
          http: {
            addr: `127.0.0.1:${String(port)}`,
            secret: secret(),
            headers: { [INSTANCE_HEADER]: [instance] },
            ...(tlsConfig ? { tls: tlsConfig } : {}),
          },
        }),
        ...sections,
      ].join('\n'),
    );
    entry.child = child;

    let stopping: Promise<void> | undefined;
    const host = `127.0.0.1:${String(port)}`;
    return {
      mode,
      host,
      baseURL: `${scheme}://${host}`,
      storageDir,
      ...extra,
      stop: () => (stopping ??= teardown()),
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}

/**
 * Starts the registry on a free port and waits until `GET /v2/` answers the
 * expected status with its instance header. The port is picked by binding port 0 and closing it, so
 * another process may take it first; a registry that then fails to bind is
 * retried on a new port, a bounded number of times.
 */
async function launch(
  dir: string,
  entry: Live,
  ready: { expected: number; instance: string; scheme: 'http' | 'https'; ca: Buffer | undefined },
  config: (port: number) => string,
): Promise<{ child: ChildProcess; port: number }> {
  const configFile = join(dir, 'config.yml');
  let lastOutput = '';
  for (let attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
    const port = await freePort();
    await writeFile(configFile, config(port) + '\n');
    const child = spawn(REGISTRY_COMMAND, ['serve', configFile], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    entry.child = child;
    let output = '';
    const collect = (chunk: string): void => {
      output = (output + chunk).slice(-OUTPUT_LIMIT);
    };
    child.stdout?.setEncoding('utf8').on('data', collect);
    child.stderr?.setEncoding('utf8').on('data', collect);
    let spawnError: Error | undefined;
    child.on('error', (err) => (spawnError = err));
    const exit = new Promise<undefined>((resolve) => child.once('exit', () => resolve(undefined)));
    // Only the pending work of a test keeps the process alive, not the registry.
    child.unref();
    (child.stdout as Socket | null)?.unref();
    (child.stderr as Socket | null)?.unref();

    const url = `${ready.scheme}://127.0.0.1:${String(port)}/v2/`;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last: Probe | undefined;
    for (;;) {
      if (spawnError) throw new Error(`cannot run ${REGISTRY_COMMAND}: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) break;
      // An exit (e.g. the port was taken) ends a probe that would otherwise hang.
      last = await Promise.race([probe(url, ready.ca), exit]);
      if (last?.status === ready.expected && last.instance === ready.instance) return { child, port };
      if (Date.now() >= deadline) {
        await stopChild(child);
        const seen = last === undefined ? 'no answer' : `${String(last.status)}${last.instance === ready.instance ? '' : ' from another server'}`;
        throw new Error(
          `${REGISTRY_COMMAND} did not answer GET ${url} with ${String(ready.expected)} within ${String(READY_TIMEOUT_MS)} ms` +
            ` (last: ${seen}); its output:\n${output}`,
        );
      }
      await sleep(POLL_INTERVAL_MS);
    }
    // The registry exited before it was ready.
    await stopChild(child);
    lastOutput = output;
    if (!/address already in use/i.test(output)) {
      throw new Error(`${REGISTRY_COMMAND} exited (${String(child.exitCode ?? child.signalCode)}) before it was ready; its output:\n${output}`);
    }
  }
  throw new Error(`${REGISTRY_COMMAND} could not bind a free port in ${String(BIND_ATTEMPTS)} attempts; last output:\n${lastOutput}`);
}

/** SIGTERM, then SIGKILL if it has not exited after a grace period; each wait bounded. */
async function stopChild(child: ChildProcess): Promise<void> {
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  if (exited()) return;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  if (await within(exit, TERM_GRACE_MS)) return;
  child.kill('SIGKILL');
  if (!(await within(exit, KILL_WAIT_MS))) throw new Error(`${REGISTRY_COMMAND} (pid ${String(child.pid)}) did not exit after SIGKILL`);
}

interface Probe {
  status: number;
  instance: string | undefined;
}

/** The answer to one GET (no keep-alive), or undefined when it cannot connect or times out. */
function probe(url: string, ca: Buffer | undefined): Promise<Probe | undefined> {
  return new Promise((resolve) => {
    const onResponse = (res: IncomingMessage): void => {
      res.resume();
      const instance = res.headers[INSTANCE_HEADER.toLowerCase()];
      resolve({ status: res.statusCode ?? 0, instance: Array.isArray(instance) ? instance.join(',') : instance });
    };
    const req = ca
      ? httpsRequest(url, { method: 'GET', agent: false, ca, timeout: PROBE_TIMEOUT_MS }, onResponse)
      : httpRequest(url, { method: 'GET', agent: false, timeout: PROBE_TIMEOUT_MS }, onResponse);
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A CA (EC P-256) and a server certificate it signed for IP:127.0.0.1 and
 * DNS:localhost, both valid for two days, in `dir/<sub>/`. Given `ca` (from an
 * earlier call), the certificate is signed by that CA instead of a new one.
 */
export async function makeServerCertificate(
  dir: string,
  sub = 'tls',
  ca?: { caFile: string; caKey: string },
): Promise<{ caFile: string; caKey: string; certificate: string; key: string }> {
  const tlsDir = join(dir, sub);
  await mkdir(tlsDir);
  const caKey = ca?.caKey ?? join(tlsDir, 'ca.key');
  const caFile = ca?.caFile ?? join(tlsDir, 'ca.pem');
  const key = join(tlsDir, 'server.key');
  const csr = join(tlsDir, 'server.csr');
  const certificate = join(tlsDir, 'server.pem');
  const ecKey = (out: string): string[] => ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out];

  if (ca === undefined) {
    await runTool('openssl', ecKey(caKey), tlsDir);
    const caConfig = await opensslConfig(tlsDir, 'ca', 'wpack test CA', [
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
    ]);
    await runTool('openssl', ['req', '-x509', '-new', '-key', caKey, '-config', caConfig, '-extensions', 'ext', '-days', '2', '-out', caFile], tlsDir);
  }

  await runTool('openssl', ecKey(key), tlsDir);
  const serverConfig = await opensslConfig(tlsDir, 'server', '127.0.0.1', [
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature',
    'extendedKeyUsage = serverAuth',
    'subjectAltName = IP:127.0.0.1,DNS:localhost',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
  ]);
  await runTool('openssl', ['req', '-new', '-key', key, '-config', serverConfig, '-out', csr], tlsDir);
  await runTool(
    'openssl',
    ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', '2', '-extfile', serverConfig, '-extensions', 'ext', '-out', certificate],
    tlsDir,
  );
  return { caFile, caKey, certificate, key };
}

/** An openssl config with a fixed subject (no prompts) and an [ext] section. */
async function opensslConfig(dir: string, name: string, commonName: string, extensions: string[]): Promise<string> {
  const file = join(dir, `${name}.cnf`);
  const text = ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = ${commonName}`, '[ext]', ...extensions, ''].join('\n');
  await writeFile(file, text);
  return file;
}

/** Runs a tool to completion (bounded), failing with its stderr. */
function runTool(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, timeout: TOOL_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`${command} ${args[0] ?? ''} failed: ${err.message}\n${stderr}`));
        else resolve();
      },
    );
  });
}

/**
 * A YAML block mapping. Scalars and arrays are written as JSON (strings,
 * numbers, booleans, flow sequences), which YAML reads as the same values.
 */
function yaml(value: Record<string, unknown>, indent = ''): string {
  return Object.entries(value)
    .map(([key, v]) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? `${indent}${key}:\n${yaml(v as Record<string, unknown>, indent + '  ')}`
        : `${indent}${key}: ${JSON.stringify(v)}`,
    )
    .join('\n');
}

function within(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
