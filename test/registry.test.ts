import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle, readBundle } from '@wpack/manifest';
import { signBundle } from '@wpack/signatures';
import { buildFixtures } from './fixtures/build.js';
import { makeProject } from './helpers/project.js';
import { runProcess, runShell, runWpack, type RunResult } from './helpers/cli.js';
import { startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

let work: { dir: string; cleanup: () => Promise<void> };
let bundle: string; // signed, with a resource

before(async () => {
  work = await tempDir();
  await makeProject(join(work.dir, 'p'), { resources: { 'data/model.bin': Buffer.alloc(300_000, 9), 'notes.txt': 'hi\n' } });
  bundle = join(work.dir, 'app.wpack');
  await createBundle(join(work.dir, 'p'), bundle, { sourceDateEpoch: 1_700_000_000 });
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  await signBundle(bundle, { kind: 'key', privateKey: key });
  await signBundle(bundle, { kind: 'key', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
});
after(() => work.cleanup());

/** An isolated Docker config per test: nothing of the machine's leaks in. */
async function dockerConfig(name: string): Promise<NodeJS.ProcessEnv> {
  const dir = join(work.dir, `docker-${name}`);
  await mkdir(dir, { recursive: true });
  return { DOCKER_CONFIG: dir };
}

function skopeo(args: string[]): Promise<RunResult> {
  const home = join(work.dir, 'skopeo-home');
  return runProcess('skopeo', ['--command-timeout', '30s', ...args], { env: { HOME: home, REGISTRY_AUTH_FILE: join(home, 'auth.json') }, timeoutMs: 60_000 });
}

const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function roundTrip(reg: TestRegistry, env: NodeJS.ProcessEnv, extra: string[] = []): Promise<string> {
  const ref = `${reg.host}/acme/app:1.2.0`;
  const push = await runWpack(['push', bundle, ref, '--json', ...extra], { env });
  assert.equal(push.code, 0, push.stderr);
  const pushed = JSON.parse(push.stdout) as { digest: string; referrers: unknown[] };
  assert.equal(pushed.referrers.length, 3, 'the wpack referrer and two signatures');
  const out = join(work.dir, `pulled-${reg.mode}.wpack`);
  const pull = await runWpack(['pull', ref, '-o', out, '--json', ...extra], { env });
  assert.equal(pull.code, 0, pull.stderr);
  assert.ok((await readFile(out)).equals(await readFile(bundle)), 'push then pull is byte-identical');
  const byDigest = await runWpack(['pull', `${reg.host}/acme/app@${pushed.digest}`, '-o', `${out}.2`, ...extra], { env });
  assert.equal(byDigest.code, 0, byDigest.stderr);
  assert.ok((await readFile(`${out}.2`)).equals(await readFile(bundle)));
  return pushed.digest;
}

void describe('push and pull against a real registry (Distribution 2.8)', () => {
  void test('plain: byte-identical round trip; skopeo sees the same manifest; a re-push uploads nothing', async () => {
    const reg = await startRegistry('plain');
    try {
      const env = await dockerConfig('plain');
      const digest = await roundTrip(reg, env);
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/acme/app:1.2.0`]);
      assert.equal(raw.code, 0, raw.stderr);
      assert.equal(sha(Buffer.from(raw.stdout)), digest, 'skopeo reads the manifest wpack pushed, digest preserved');
      const manifest = JSON.parse(raw.stdout) as { config: { mediaType: string }; layers: { mediaType: string }[] };
      assert.equal(manifest.config.mediaType, 'application/vnd.wasm.config.v0+json');
      assert.deepEqual(manifest.layers.map((l) => l.mediaType), ['application/wasm']);
      const again = await runWpack(['push', bundle, `${reg.host}/acme/app:1.2.0`, '--json'], { env });
      assert.equal(again.code, 0, again.stderr);
      assert.equal((JSON.parse(again.stdout) as { digest: string; uploaded: number }).uploaded, 0);
      assert.equal((JSON.parse(again.stdout) as { digest: string }).digest, digest, 're-push: same digest');
    } finally {
      await reg.stop();
    }
  });

  void test('htpasswd: wpack login writes Docker config; a wrong password is one line, exit 3', async () => {
    const reg = await startRegistry('htpasswd');
    try {
      const env = await dockerConfig('htpasswd');
      const anonymous = await runWpack(['push', bundle, `${reg.host}/acme/app:1.2.0`], { env });
      assert.equal(anonymous.code, 3);
      assert.match(anonymous.stderr, /requires credentials.*login/);
      const wrong = await runShell(`printf %s nope | node "$WPACK" login ${reg.host} -u ${reg.username ?? ''} --password-stdin`, { env });
      assert.equal(wrong.code, 3, wrong.stderr);
      assert.equal(wrong.stderr.trim().split('\n').length, 1, wrong.stderr);
      const login = await runShell(`printf %s '${reg.password ?? ''}' | node "$WPACK" login ${reg.host} -u ${reg.username ?? ''} --password-stdin`, { env });
      assert.equal(login.code, 0, login.stderr);
      const config = JSON.parse(await readFile(join(env.DOCKER_CONFIG ?? '', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
      assert.equal(Buffer.from(config.auths[reg.host]?.auth ?? '', 'base64').toString(), `${reg.username ?? ''}:${reg.password ?? ''}`);
      await roundTrip(reg, env);
      const logout = await runWpack(['logout', reg.host], { env });
      assert.equal(logout.code, 0);
      assert.equal((await runWpack(['pull', `${reg.host}/acme/app:1.2.0`, '-o', join(work.dir, 'x.wpack')], { env })).code, 3);
    } finally {
      await reg.stop();
    }
  });

  void test('token auth: push and pull with scoped tokens; a pull-only user cannot push (exit 3, one line)', async () => {
    const reg = await startRegistry('token');
    try {
      const env = await dockerConfig('token');
      const ro = reg.readOnlyUser;
      assert.ok(ro);
      await writeFile(join(env.DOCKER_CONFIG ?? '', 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`${reg.username ?? ''}:${reg.password ?? ''}`).toString('base64') } } }));
      await roundTrip(reg, env);
      const roEnv = await dockerConfig('token-ro');
      await writeFile(join(roEnv.DOCKER_CONFIG ?? '', 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`${ro.username}:${ro.password}`).toString('base64') } } }));
      const denied = await runWpack(['push', bundle, `${reg.host}/acme/other:1.0.0`], { env: roEnv });
      assert.equal(denied.code, 3, denied.stderr);
      assert.equal(denied.stderr.trim().split('\n').length, 1, denied.stderr);
      assert.match(denied.stderr, /permission/);
      const pull = await runWpack(['pull', `${reg.host}/acme/app:1.2.0`, '-o', join(work.dir, 'ro.wpack')], { env: roEnv });
      assert.equal(pull.code, 0, pull.stderr);
    } finally {
      await reg.stop();
    }
  });

  void test('TLS: --ca-file trusts the registry; without it the push fails with one line, exit 3', async () => {
    const reg = await startRegistry('tls');
    try {
      const env = await dockerConfig('tls');
      const untrusted = await runWpack(['push', bundle, `${reg.host}/acme/app:1.2.0`, '--no-plain-http'], { env });
      assert.equal(untrusted.code, 3, untrusted.stderr);
      assert.equal(untrusted.stderr.trim().split('\n').length, 1, untrusted.stderr);
      await roundTrip(reg, env, ['--no-plain-http', '--ca-file', reg.caFile ?? '']);
    } finally {
      await reg.stop();
    }
  });

  void test('a registry serving wrong bytes for a digest is refused; no file is left', async () => {
    const reg = await startRegistry('plain');
    try {
      const env = await dockerConfig('corrupt');
      const push = await runWpack(['push', bundle, `${reg.host}/acme/app:1.2.0`], { env });
      assert.equal(push.code, 0, push.stderr);
      const component = (await readBundle(bundle)).manifest.files[0];
      assert.ok(component);
      const hex = component.digest.slice('sha256:'.length);
      const data = join(reg.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
      const bytes = await readFile(data);
      bytes[100] = (bytes[100] as number) ^ 0xff;
      await writeFile(data, bytes);
      const out = join(work.dir, 'corrupt', 'x.wpack');
      await mkdir(join(work.dir, 'corrupt'));
      const pull = await runWpack(['pull', `${reg.host}/acme/app:1.2.0`, '-o', out], { env });
      assert.equal(pull.code, 3, pull.stderr);
      assert.match(pull.stderr, /digest/);
      assert.deepEqual(await readdir(join(work.dir, 'corrupt')), [], 'no partial or unverified file');
    } finally {
      await reg.stop();
    }
  });

  void test("a component another tool placed (skopeo copy from an OCI layout, other media types, null config) pulls with an inferred manifest", async () => {
    const reg = await startRegistry('plain');
    try {
      const fixtures = await buildFixtures();
      const layout = join(work.dir, 'layout');
      await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
      const put = async (b: Buffer): Promise<string> => {
        const d = sha(b);
        await writeFile(join(layout, 'blobs', 'sha256', d.slice(7)), b);
        return d;
      };
      const wasm = await readFile(fixtures['http-proxy']);
      const config = Buffer.from(JSON.stringify({ created: null, author: null, architecture: 'wasm', os: 'wasip2', layerDigests: [sha(wasm)], component: null }));
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.wasm.config.v0+json', digest: await put(config), size: config.length },
          layers: [{ mediaType: 'application/vnd.wasm.content.layer.v1+wasm', digest: await put(wasm), size: wasm.length }],
        }),
      );
      const mdigest = await put(manifest);
      await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      await writeFile(
        join(layout, 'index.json'),
        JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: mdigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': '2.0.0' } }] }),
      );
      const copy = await skopeo(['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:2.0.0`, `docker://${reg.host}/other/service:2.0.0`]);
      assert.equal(copy.code, 0, copy.stderr);
      const out = join(work.dir, 'inferred.wpack');
      const pull = await runWpack(['pull', `${reg.host}/other/service:2.0.0`, '-o', out, '--json'], { env: await dockerConfig('inferred') });
      assert.equal(pull.code, 0, pull.stderr);
      const result = JSON.parse(pull.stdout) as { inferred: boolean; digest: string };
      assert.equal(result.inferred, true);
      assert.equal(result.digest, mdigest);
      const contents = await readBundle(out);
      assert.equal(contents.manifest.name, 'oci:service');
      assert.equal(contents.manifest.version, '2.0.0');
      assert.ok(contents.manifest.capabilities.includes('http:inbound'));
      assert.ok(contents.manifest.interface.exports.some((e) => e.name === 'wasi:http/incoming-handler@0.2.12'));
    } finally {
      await reg.stop();
    }
  });
});
