import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle } from '@wpack/manifest';
import { signBundle } from '@wpack/signatures';
import { copy, OciLayoutTarget, parseReference, RemoteRepository } from '@wpack/registry-client';
import { makeProject } from './helpers/project.js';
import { runProcess, runWpack } from './helpers/cli.js';
import { startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

let work: { dir: string; cleanup: () => Promise<void> };
let bundle: string;
let a: TestRegistry;
let b: TestRegistry;
let pubFile: string;

before(async () => {
  work = await tempDir();
  await makeProject(join(work.dir, 'p'), { resources: { 'r/one.bin': Buffer.alloc(50_000, 1) } });
  bundle = join(work.dir, 'app.wpack');
  await createBundle(join(work.dir, 'p'), bundle);
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await signBundle(bundle, { kind: 'key', privateKey: pair.privateKey });
  pubFile = join(work.dir, 'release.pub');
  await writeFile(pubFile, String(pair.publicKey.export({ type: 'spki', format: 'pem' })));
  [a, b] = await Promise.all([startRegistry('plain'), startRegistry('plain')]);
  const push = await runWpack(['push', bundle, `${a.host}/acme/app:1.0.0`]);
  assert.equal(push.code, 0, push.stderr);
});

after(async () => {
  await Promise.all([a.stop(), b.stop()]);
  await work.cleanup();
});

void describe('copy and inspect by reference', () => {
  void test('wpack copy moves the bundle with every referrer; pulling from the copy is byte-identical', async () => {
    const run = await runWpack(['copy', `${a.host}/acme/app:1.0.0`, `${b.host}/mirror/app:1.0.0`, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { copied: number; skipped: number };
    assert.ok(result.copied >= 7, `component manifest, config, layer, empty config, wpack.json, resource, referrers: ${String(result.copied)}`);
    const out = join(work.dir, 'from-copy.wpack');
    const pull = await runWpack(['pull', `${b.host}/mirror/app:1.0.0`, '-o', out]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.ok((await readFile(out)).equals(await readFile(bundle)));
    const again = await runWpack(['copy', `${a.host}/acme/app:1.0.0`, `${b.host}/mirror/app:1.0.0`, '--json']);
    assert.equal((JSON.parse(again.stdout) as { copied: number }).copied, 0, 'a second copy transfers nothing');
  });

  void test('copy to an OCI layout directory that skopeo reads, and from it to a registry', async () => {
    const layout = join(work.dir, 'layout');
    const src = RemoteRepository.open(parseReference(`${a.host}/acme/app:1.0.0`));
    const dir = new OciLayoutTarget(layout);
    try {
      const result = await copy(src, '1.0.0', dir, '1.0.0');
      const raw = await runProcess('skopeo', ['inspect', '--raw', `oci:${layout}:1.0.0`], { env: { HOME: work.dir }, timeoutMs: 60_000 });
      assert.equal(raw.code, 0, raw.stderr);
      assert.equal((JSON.parse(raw.stdout) as { config: { mediaType: string } }).config.mediaType, 'application/vnd.wasm.config.v0+json');
      assert.equal((await dir.referrers(result.root)).length, 2, 'the wpack referrer and the signature');
      const dst = RemoteRepository.open(parseReference(`${b.host}/from-layout/app:1.0.0`));
      try {
        await copy(dir, '1.0.0', dst, '1.0.0');
      } finally {
        await dst.close();
      }
      const out = join(work.dir, 'from-layout.wpack');
      const pull = await runWpack(['pull', `${b.host}/from-layout/app:1.0.0`, '-o', out]);
      assert.equal(pull.code, 0, pull.stderr);
      assert.ok((await readFile(out)).equals(await readFile(bundle)));
    } finally {
      await src.close();
    }
  });

  void test('wpack inspect <ref> shows the same bundle digest and the OCI digest it read', async () => {
    const file = await runWpack(['inspect', bundle, '--json']);
    const ref = await runWpack(['inspect', `${a.host}/acme/app:1.0.0`, '--json']);
    assert.equal(ref.code, 0, ref.stderr);
    const fromFile = JSON.parse(file.stdout) as { digest: string };
    const fromRef = JSON.parse(ref.stdout) as { digest: string; ociDigest: string; signatures: unknown[] };
    assert.equal(fromRef.digest, fromFile.digest);
    assert.match(fromRef.ociDigest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(fromRef.signatures.length, 1);
    const missing = await runWpack(['inspect', `${a.host}/acme/nothing:1.0.0`]);
    assert.equal(missing.code, 3, missing.stderr);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
  });

  void test('wpack verify <ref> verifies what the registry holds and prints the digest it verified', async () => {
    const ok = await runWpack(['verify', `${a.host}/acme/app:1.0.0`, '--key', pubFile, '--json']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const result = JSON.parse(ok.stdout) as { verified: boolean; ociDigest: string; digest: string };
    assert.equal(result.verified, true);
    assert.match(result.ociDigest, /^sha256:[0-9a-f]{64}$/);
    const human = await runWpack(['verify', `${a.host}/acme/app:1.0.0`, '--key', pubFile]);
    assert.match(human.stdout, new RegExp(`^VERIFIED .*@${result.ociDigest}`, 'm'));
    const stranger = join(work.dir, 'stranger.pub');
    await writeFile(stranger, String(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' })));
    const denied = await runWpack(['verify', `${a.host}/acme/app:1.0.0`, '--key', stranger]);
    assert.equal(denied.code, 1, denied.stdout);
    const missing = await runWpack(['verify', `${a.host}/acme/absent:1.0.0`, '--key', pubFile]);
    assert.equal(missing.code, 3, missing.stderr);
  });

  void test('tags are listed; a chunked upload and a cross-repository mount store the same blob', async () => {
    const repo = RemoteRepository.open(parseReference(`${a.host}/acme/chunks:x`));
    try {
      const { describe: describeBlob } = await import('@wpack/registry-client');
      const data = Buffer.alloc(5 * 1024 * 1024 + 123, 7);
      const desc = describeBlob('application/octet-stream', data);
      assert.equal(await repo.pushBlob(desc, data, { chunkSize: 1024 * 1024 }), 'pushed');
      assert.ok((await repo.fetchBlobBytes(desc)).equals(data));
      const other = RemoteRepository.open(parseReference(`${a.host}/acme/mounted:x`));
      try {
        assert.equal(await other.pushBlob(desc, data, { mountFrom: 'acme/chunks' }), 'mounted');
        assert.equal(await other.exists(desc), true);
      } finally {
        await other.close();
      }
      const app = RemoteRepository.open(parseReference(`${a.host}/acme/app:1.0.0`));
      try {
        const tags = await app.tags();
        assert.ok(tags.includes('1.0.0'));
        assert.ok(tags.some((t) => t.startsWith('sha256-')), 'the referrers fallback tag');
      } finally {
        await app.close();
      }
    } finally {
      await repo.close();
    }
  });
});

void describe('registry client units', () => {
  void test('references: Docker Hub defaults, ports, digests, and clear errors', async () => {
    const { parseReference: p } = await import('@wpack/registry-client');
    assert.deepEqual(p('alpine'), { registry: 'docker.io', repository: 'library/alpine' });
    assert.deepEqual(p('ghcr.io/acme/app:1.2.0'), { registry: 'ghcr.io', repository: 'acme/app', tag: '1.2.0' });
    assert.deepEqual(p('localhost:5000/a/b@sha256:' + 'a'.repeat(64)), { registry: 'localhost:5000', repository: 'a/b', digest: 'sha256:' + 'a'.repeat(64) });
    assert.deepEqual(p('127.0.0.1:5000/a:t@sha256:' + 'b'.repeat(64)), { registry: '127.0.0.1:5000', repository: 'a', tag: 't', digest: 'sha256:' + 'b'.repeat(64) });
    for (const bad of ['ghcr.io/Acme/app', 'ghcr.io/acme/app@sha256:xyz', 'ghcr.io/acme/app:bad tag', '']) assert.throws(() => p(bad), /invalid reference/);
  });

  void test('WWW-Authenticate challenges and retry delays', async () => {
    const { parseChallenge, retryDelay, DEFAULT_RETRY } = await import('@wpack/registry-client');
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'reg', scope: 'repository:a/b:pull' },
    });
    assert.equal(parseChallenge('Basic realm="x"')?.scheme, 'basic');
    assert.equal(parseChallenge('Negotiate abc'), undefined);
    assert.equal(retryDelay(DEFAULT_RETRY, 1, '2'), 2000);
    assert.equal(retryDelay(DEFAULT_RETRY, 1, '999'), DEFAULT_RETRY.maxDelayMs);
    for (let n = 1; n < 8; n++) assert.ok(retryDelay(DEFAULT_RETRY, n, null) <= DEFAULT_RETRY.maxDelayMs);
  });

  void test("Docker config: inline auths, a credential helper, exact host matching", async () => {
    const { dockerCredentials } = await import('@wpack/registry-client');
    const dir = join(work.dir, 'dockercfg');
    const bin = join(work.dir, 'bin');
    await mkdir(dir, { recursive: true });
    await mkdir(bin, { recursive: true });
    // A credential helper speaking the docker-credential-helpers protocol.
    await writeFile(join(bin, 'docker-credential-wpacktest'), '#!/bin/sh\nread host\nif [ "$host" = "helped.example" ]; then echo \'{"ServerURL":"helped.example","Username":"hu","Secret":"hs"}\'; else echo "credentials not found in native keychain"; exit 1; fi\n');
    await chmod(join(bin, 'docker-credential-wpacktest'), 0o755);
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: { 'ghcr.io': { auth: Buffer.from('u:p').toString('base64') }, 'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') } },
        credHelpers: { 'helped.example': 'wpacktest' },
      }),
    );
    const env = { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const old = process.env.PATH;
    process.env.PATH = env.PATH;
    try {
      assert.deepEqual(await dockerCredentials('ghcr.io', env), { username: 'u', password: 'p' });
      assert.deepEqual(await dockerCredentials('docker.io', env), { username: 'hub', password: 'pw' });
      assert.deepEqual(await dockerCredentials('helped.example', env), { username: 'hu', password: 'hs' });
      assert.equal(await dockerCredentials('ghcr.io.evil.example', env), undefined);
      assert.equal(await dockerCredentials('io', env), undefined);
    } finally {
      process.env.PATH = old;
    }
  });
});

void describe('registry client: delete and redirects', () => {
  void test('delete by digest removes a manifest', async () => {
    const { describe: describeBlob, OCI_MANIFEST } = await import('@wpack/registry-client');
    const repo = RemoteRepository.open(parseReference(`${a.host}/acme/deleteme:x`));
    try {
      const config = Buffer.from('{}');
      const cdesc = describeBlob('application/vnd.oci.empty.v1+json', config);
      await repo.pushBlob(cdesc, config);
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: cdesc, layers: [] }));
      const mdesc = describeBlob(OCI_MANIFEST, manifest);
      await repo.pushManifest(mdesc, manifest, 'x');
      assert.equal(await repo.exists(mdesc), true);
      await repo.delete(mdesc);
      assert.equal(await repo.exists(mdesc), false);
    } finally {
      await repo.close();
    }
  });

  void test('Authorization is never sent to another origin on a redirect', async () => {
    const { createServer } = await import('node:http');
    const { RegistryHttp } = await import('@wpack/registry-client');
    const seenAtStorage: (string | undefined)[] = [];
    const storage = createServer((req, res) => {
      seenAtStorage.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('blob');
    });
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
    const storagePort = (storage.address() as { port: number }).port;
    let authorizedAtRegistry = false;
    const registry = createServer((req, res) => {
      if (req.headers.authorization === undefined) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
        return;
      }
      authorizedAtRegistry = true;
      // Distribution with a CDN or S3 backend answers blob GETs with a redirect like this.
      res.writeHead(307, { location: `http://127.0.0.1:${String(storagePort)}/bucket/blob` }).end();
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${String((registry.address() as { port: number }).port)}`;
    const http = new RegistryHttp(host, { credentials: { username: 'u', password: 'p' } });
    try {
      const res = await http.request('GET', '/v2/acme/app/blobs/sha256:' + 'a'.repeat(64), { scopes: [] });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'blob');
      assert.equal(authorizedAtRegistry, true);
      assert.deepEqual(seenAtStorage, [undefined], 'the storage origin got no credentials');
    } finally {
      await http.close();
      await new Promise<void>((resolve) => registry.close(() => resolve()));
      await new Promise<void>((resolve) => storage.close(() => resolve()));
    }
  });

  void test('a registry that redirects forever is refused after 10 redirects', async () => {
    const { createServer } = await import('node:http');
    const { RegistryHttp, RegistryError } = await import('@wpack/registry-client');
    let hits = 0;
    const loop = createServer((req, res) => {
      hits++;
      res.writeHead(307, { location: req.url ?? '/' }).end();
    });
    await new Promise<void>((resolve) => loop.listen(0, '127.0.0.1', resolve));
    const http = new RegistryHttp(`127.0.0.1:${String((loop.address() as { port: number }).port)}`);
    try {
      await assert.rejects(http.request('GET', '/v2/a/blobs/sha256:' + 'b'.repeat(64), { scopes: [] }), (e: unknown) => e instanceof RegistryError && e.code === 'PROTOCOL' && /redirects/.test(e.message));
      assert.equal(hits, 11);
    } finally {
      await http.close();
      await new Promise<void>((resolve) => loop.close(() => resolve()));
    }
  });

  void test('copy between registries behind htpasswd: concurrent first requests do not count as a wrong password', async () => {
    const src = await startRegistry('htpasswd');
    const dst = await startRegistry('htpasswd');
    const config = await tempDir();
    try {
      const auth = (r: TestRegistry): { auth: string } => ({ auth: Buffer.from(`${r.username ?? ''}:${r.password ?? ''}`).toString('base64') });
      await writeFile(join(config.dir, 'config.json'), JSON.stringify({ auths: { [src.host]: auth(src), [dst.host]: auth(dst) } }));
      const env = { DOCKER_CONFIG: config.dir };
      const push = await runWpack(['push', bundle, `${src.host}/acme/app:1.0.0`], { env });
      assert.equal(push.code, 0, push.stderr);
      // copy sends several blob requests at once before it knows the registry wants Basic credentials.
      const run = await runWpack(['copy', `${src.host}/acme/app:1.0.0`, `${dst.host}/mirror/app:1.0.0`], { env });
      assert.equal(run.code, 0, run.stderr);
      const out = join(work.dir, 'from-htpasswd-copy.wpack');
      const pull = await runWpack(['pull', `${dst.host}/mirror/app:1.0.0`, '-o', out], { env });
      assert.equal(pull.code, 0, pull.stderr);
      assert.ok((await readFile(out)).equals(await readFile(bundle)));
      // A wrong password is still refused, once credentials were really sent.
      await writeFile(join(config.dir, 'config.json'), JSON.stringify({ auths: { [src.host]: auth(src), [dst.host]: { auth: Buffer.from(`${dst.username ?? ''}:nope`).toString('base64') } } }));
      const wrong = await runWpack(['copy', `${src.host}/acme/app:1.0.0`, `${dst.host}/other/app:1.0.0`], { env });
      assert.equal(wrong.code, 3, wrong.stderr);
      assert.match(wrong.stderr, /credentials/);
    } finally {
      await Promise.all([src.stop(), dst.stop(), config.cleanup()]);
    }
  });
});
