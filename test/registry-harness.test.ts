// The registry harness against the real thing: each mode starts CNCF
// Distribution, answers the distribution API the way that mode should, takes a
// blob push, and is gone (port closed, directory removed) after stop().
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startRegistry, type RegistryMode, type StartRegistryOptions, type TestRegistry } from './helpers/registry.js';

const REPO = 'wpack/harness';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
const SKOPEO_TIMEOUT_MS = 30_000;

interface Reply {
  status: number;
  header(name: string): string | undefined;
  body: Buffer;
}

interface CallInit {
  headers?: Record<string, string>;
  body?: Buffer;
}

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const basic = (username: string, password: string): Record<string, string> => ({
  Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
});
const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

/** One request to the registry: Node's fetch over http; node:https with the registry's CA over https. */
async function call(reg: TestRegistry, method: string, target: string, init: CallInit = {}): Promise<Reply> {
  const url = new URL(target, reg.baseURL);
  if (url.protocol === 'https:') {
    assert.ok(reg.caFile, 'an https registry has a CA file');
    return httpsCall(url, method, init, await readFile(reg.caFile));
  }
  const res = await fetch(url, { method, headers: init.headers ?? {}, ...(init.body ? { body: init.body } : {}) });
  return { status: res.status, header: (name) => res.headers.get(name) ?? undefined, body: Buffer.from(await res.arrayBuffer()) };
}

function httpsCall(url: URL, method: string, init: CallInit, ca: Buffer, servername?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { ...init.headers, ...(init.body ? { 'Content-Length': String(init.body.length) } : {}) };
    const req = httpsRequest(url, { method, headers, ca, agent: false, timeout: 10_000, ...(servername ? { servername } : {}) }, (res) => {
      collect(res).then(resolve, reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.href} timed out`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

async function collect(res: IncomingMessage): Promise<Reply> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const headers: IncomingHttpHeaders = res.headers;
  return {
    status: res.statusCode ?? 0,
    header: (name) => {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    body: Buffer.concat(chunks),
  };
}

/**
 * A GET on a fresh connection (no pooled keep-alive socket that could turn a
 * refused connection into a reset one): the status, or the error's code.
 */
function freshGet(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { agent: false, timeout: 2_000, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

/** Monolithic upload: POST for a session, PUT the bytes to its Location with ?digest=. Returns the digest. */
async function pushBlob(reg: TestRegistry, data: Buffer, auth: Record<string, string> = {}): Promise<string> {
  const digest = sha256(data);
  const start = await call(reg, 'POST', `/v2/${REPO}/blobs/uploads/`, { headers: auth });
  assert.equal(start.status, 202, `upload POST: ${start.body.toString()}`);
  const location = start.header('location');
  assert.ok(location, 'the upload POST names a Location');
  const url = new URL(location, reg.baseURL);
  url.searchParams.set('digest', digest);
  const put = await call(reg, 'PUT', url.href, { headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: data });
  assert.equal(put.status, 201, `upload PUT: ${put.body.toString()}`);
  assert.equal(put.header('docker-content-digest'), digest);
  return digest;
}

async function assertBlob(reg: TestRegistry, digest: string, size: number, auth: Record<string, string> = {}): Promise<void> {
  const head = await call(reg, 'HEAD', `/v2/${REPO}/blobs/${digest}`, { headers: auth });
  assert.equal(head.status, 200);
  assert.equal(head.header('docker-content-digest'), digest);
  assert.equal(head.header('content-length'), String(size));
  // It landed in the harness's storage directory.
  const hex = digest.slice('sha256:'.length);
  await stat(join(reg.storageDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'));
}

/** The auth-params of a WWW-Authenticate challenge with the given scheme. */
function challenge(header: string | undefined, scheme: string): Record<string, string> {
  assert.ok(header, 'a WWW-Authenticate header');
  assert.match(header, new RegExp(`^${scheme} `));
  const params: Record<string, string> = {};
  for (const m of header.slice(scheme.length + 1).matchAll(/(\w+)="([^"]*)"/g)) {
    if (m[1] !== undefined && m[2] !== undefined) params[m[1]] = m[2];
  }
  return params;
}

/** A `type:name:actions` scope, actions sorted: Distribution lists them in no fixed order. */
function parseScope(scope: string | undefined): { type: string; name: string; actions: string[] } {
  assert.ok(scope !== undefined, 'a scope');
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').sort() };
}

interface TokenReply {
  status: number;
  token?: string;
  json?: Record<string, unknown>;
}

async function requestToken(reg: TestRegistry, scope: string, credentials?: { username: string; password: string }): Promise<TokenReply> {
  assert.ok(reg.realm !== undefined && reg.service !== undefined);
  const url = new URL(reg.realm);
  url.searchParams.set('service', reg.service);
  url.searchParams.append('scope', scope);
  const res = await fetch(url, { headers: credentials ? basic(credentials.username, credentials.password) : {} });
  const json = (await res.json()) as Record<string, unknown>;
  const token = json['token'];
  return typeof token === 'string' ? { status: res.status, token, json } : { status: res.status, json };
}

function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  assert.ok(payload !== undefined);
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Starts a registry and reports how long that took. */
async function start(t: { diagnostic(message: string): void }, mode: RegistryMode, options?: StartRegistryOptions): Promise<TestRegistry> {
  const began = performance.now();
  const reg = await startRegistry(mode, options);
  t.diagnostic(`${mode}${options?.tls === true ? '+tls' : ''} registry ready in ${(performance.now() - began).toFixed(0)} ms at ${reg.baseURL}`);
  return reg;
}

/** stop(): the port refuses connections, the directory is gone, and a second stop() is harmless. */
async function assertStopped(reg: TestRegistry): Promise<void> {
  await reg.stop();
  assert.equal(await freshGet(`${reg.baseURL}/v2/`), 'ECONNREFUSED');
  await assert.rejects(stat(reg.storageDir), { code: 'ENOENT' });
  await reg.stop();
}

/** `skopeo inspect --raw` with a throwaway HOME, auth file and registries config; bounded. */
async function skopeoInspectRaw(reference: string): Promise<Buffer> {
  const home = await mkdtemp(join(tmpdir(), 'wpack-skopeo-'));
  try {
    await writeFile(join(home, 'auth.json'), '{"auths":{}}\n');
    await writeFile(join(home, 'registries.conf'), '');
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_RUNTIME_DIR: home,
      REGISTRY_AUTH_FILE: join(home, 'auth.json'),
      CONTAINERS_REGISTRIES_CONF: join(home, 'registries.conf'),
    };
    const args = ['--command-timeout', '20s', '--registries.d', home, 'inspect', '--raw', '--tls-verify=false', reference];
    return await new Promise<Buffer>((resolve, reject) => {
      const child = spawn('skopeo', args, { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: SKOPEO_TIMEOUT_MS, killSignal: 'SIGKILL' });
      const out: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (code === 0) resolve(Buffer.concat(out));
        else reject(new Error(`skopeo ${args.join(' ')} failed (${String(code ?? signal)}): ${stderr}`));
      });
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

void describe('test registry harness (CNCF Distribution, real process)', () => {
  void test('plain: open /v2/, blob and OCI manifest push, skopeo reads the same manifest bytes', async (t) => {
    const reg = await start(t, 'plain');
    try {
      assert.match(reg.host, /^127\.0\.0\.1:\d+$/);
      assert.equal(reg.baseURL, `http://${reg.host}`);
      const base = await call(reg, 'GET', '/v2/');
      assert.equal(base.status, 200);
      assert.equal(base.header('docker-distribution-api-version'), 'registry/2.0');

      const data = Buffer.from('wpack registry harness: plain\n');
      await assertBlob(reg, await pushBlob(reg, data), data.length);

      const config = Buffer.from('{}');
      const configDigest = await pushBlob(reg, config);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_EMPTY, digest: configDigest, size: config.length },
          layers: [],
        }),
      );
      const put = await call(reg, 'PUT', `/v2/${REPO}/manifests/v1`, { headers: { 'Content-Type': OCI_MANIFEST }, body: manifest });
      assert.equal(put.status, 201, put.body.toString());
      assert.equal(put.header('docker-content-digest'), sha256(manifest));
      const get = await call(reg, 'GET', `/v2/${REPO}/manifests/v1`, { headers: { Accept: OCI_MANIFEST } });
      assert.equal(get.status, 200);
      assert.equal(get.header('content-type'), OCI_MANIFEST);
      assert.deepEqual(get.body, manifest);

      const raw = await skopeoInspectRaw(`docker://${reg.host}/${REPO}:v1`);
      assert.deepEqual(raw, manifest, `skopeo returned: ${raw.toString()}`);
    } finally {
      await reg.stop();
    }
    await assertStopped(reg);
  });

  void test('htpasswd: Basic challenge, wrong password refused, the user pushes and reads', async (t) => {
    const reg = await start(t, 'htpasswd');
    try {
      assert.ok(reg.username !== undefined && reg.password !== undefined);
      const anonymous = await call(reg, 'GET', '/v2/');
      assert.equal(anonymous.status, 401);
      assert.equal(typeof challenge(anonymous.header('www-authenticate'), 'Basic')['realm'], 'string');
      assert.equal((await call(reg, 'GET', '/v2/', { headers: basic(reg.username, `${reg.password}x`) })).status, 401);
      const auth = basic(reg.username, reg.password);
      assert.equal((await call(reg, 'GET', '/v2/', { headers: auth })).status, 200);

      const data = Buffer.from('wpack registry harness: htpasswd\n');
      const digest = await pushBlob(reg, data, auth);
      await assertBlob(reg, digest, data.length, auth);
      assert.equal((await call(reg, 'HEAD', `/v2/${REPO}/blobs/${digest}`)).status, 401);
    } finally {
      await reg.stop();
    }
    await assertStopped(reg);
  });

  void test('token: Bearer challenge, scoped ES256 tokens, the writer pushes, the read-only user cannot', async (t) => {
    const reg = await start(t, 'token');
    try {
      const { username, password, readOnlyUser, realm, service } = reg;
      assert.ok(username !== undefined && password !== undefined && readOnlyUser && realm !== undefined && service !== undefined);
      assert.match(realm, /^http:\/\/127\.0\.0\.1:\d+\//);

      const anonymous = await call(reg, 'GET', '/v2/');
      assert.equal(anonymous.status, 401);
      const params = challenge(anonymous.header('www-authenticate'), 'Bearer');
      assert.equal(params['realm'], realm);
      assert.equal(params['service'], service);

      const scope = `repository:${REPO}:pull,push`;
      const issued = await requestToken(reg, scope, { username, password });
      assert.equal(issued.status, 200);
      assert.ok(issued.token !== undefined);
      assert.equal(issued.json?.['access_token'], issued.token);
      assert.equal(issued.json?.['expires_in'], 300);
      assert.equal(typeof issued.json?.['issued_at'], 'string');
      const claims = jwtClaims(issued.token);
      assert.equal(claims['sub'], username);
      assert.equal(claims['aud'], service);
      assert.deepEqual(claims['access'], [{ type: 'repository', name: REPO, actions: ['pull', 'push'] }]);
      const auth = bearer(issued.token);
      assert.equal((await call(reg, 'GET', '/v2/', { headers: auth })).status, 200);

      // The upload is challenged with the scope it needs.
      const challenged = await call(reg, 'POST', `/v2/${REPO}/blobs/uploads/`);
      assert.equal(challenged.status, 401);
      const needed = challenge(challenged.header('www-authenticate'), 'Bearer')['scope'];
      assert.deepEqual(parseScope(needed), { type: 'repository', name: REPO, actions: ['pull', 'push'] }, needed);

      const data = Buffer.from('wpack registry harness: token\n');
      const digest = await pushBlob(reg, data, auth);
      await assertBlob(reg, digest, data.length, auth);

      // The read-only user asks for push as well, and gets pull only.
      const readOnly = await requestToken(reg, scope, readOnlyUser);
      assert.equal(readOnly.status, 200);
      assert.ok(readOnly.token !== undefined);
      assert.deepEqual(jwtClaims(readOnly.token)['access'], [{ type: 'repository', name: REPO, actions: ['pull'] }]);
      const readAuth = bearer(readOnly.token);
      await assertBlob(reg, digest, data.length, readAuth);
      const denied = await call(reg, 'POST', `/v2/${REPO}/blobs/uploads/`, { headers: readAuth });
      assert.ok(denied.status === 401 || denied.status === 403, `read-only upload POST answered ${String(denied.status)}`);

      // A token for another repository does not open this one.
      const other = await requestToken(reg, 'repository:wpack/other:pull', { username, password });
      assert.ok(other.token !== undefined);
      assert.equal((await call(reg, 'HEAD', `/v2/${REPO}/blobs/${digest}`, { headers: bearer(other.token) })).status, 401);

      // The token server refuses unknown users, wrong passwords and no credentials.
      assert.equal((await requestToken(reg, scope, { username: 'nobody', password })).status, 401);
      assert.equal((await requestToken(reg, scope, { username, password: `${password}x` })).status, 401);
      assert.equal((await requestToken(reg, scope)).status, 401);
    } finally {
      await reg.stop();
    }
    await assertStopped(reg);
  });

  void test('tls: https with a certificate from the harness CA, for 127.0.0.1 and localhost', async (t) => {
    const reg = await start(t, 'tls');
    try {
      assert.equal(reg.baseURL, `https://${reg.host}`);
      assert.ok(reg.caFile !== undefined);
      const ca = await readFile(reg.caFile);
      assert.match(ca.toString(), /^-----BEGIN CERTIFICATE-----/);
      const url = new URL('/v2/', reg.baseURL);
      assert.equal((await call(reg, 'GET', '/v2/')).status, 200);
      assert.equal((await httpsCall(url, 'GET', {}, ca, 'localhost')).status, 200);
      // Not trusted without the CA, and the certificate does not name other hosts.
      await assert.rejects(httpsCall(url, 'GET', {}, Buffer.from('')), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
      await assert.rejects(httpsCall(url, 'GET', {}, ca, 'example.test'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });

      const data = Buffer.from('wpack registry harness: tls\n');
      await assertBlob(reg, await pushBlob(reg, data), data.length);
    } finally {
      await reg.stop();
    }
    await assertStopped(reg);
  });

  void test('token with { tls: true }: the same token flow over https', async (t) => {
    const reg = await start(t, 'token', { tls: true });
    try {
      assert.equal(reg.mode, 'token');
      assert.equal(reg.baseURL, `https://${reg.host}`);
      assert.ok(reg.caFile !== undefined && reg.username !== undefined && reg.password !== undefined);
      const anonymous = await call(reg, 'GET', '/v2/');
      assert.equal(anonymous.status, 401);
      assert.equal(challenge(anonymous.header('www-authenticate'), 'Bearer')['realm'], reg.realm);
      const issued = await requestToken(reg, `repository:${REPO}:pull,push`, { username: reg.username, password: reg.password });
      assert.ok(issued.token !== undefined);
      const data = Buffer.from('wpack registry harness: token over tls\n');
      await assertBlob(reg, await pushBlob(reg, data, bearer(issued.token)), data.length, bearer(issued.token));
    } finally {
      await reg.stop();
    }
    await assertStopped(reg);
  });
});
