// Credentials from `docker login` that are not a password: an identity token
// (what Docker stores as `identitytoken` for Azure Container Registry and
// other OAuth2 registries) is exchanged for an access token with the OAuth2
// refresh_token grant, a form POST to the realm (distribution docs
// "oauth.md"), against the real registry and the test token issuer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle } from '@wpack/manifest';
import { runWpack } from './helpers/cli.js';
import { makeProject } from './helpers/project.js';
import { startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

let work: { dir: string; cleanup: () => Promise<void> };
let bundle: string;
let reg: TestRegistry;

before(async () => {
  work = await tempDir('wpack-auth-');
  await makeProject(join(work.dir, 'p'), { resources: { 'notes.txt': 'hi\n' } });
  bundle = join(work.dir, 'app.wpack');
  await createBundle(join(work.dir, 'p'), bundle);
  reg = await startRegistry('token');
});
after(async () => {
  await reg.stop();
  await work.cleanup();
});

/** A Docker config holding only an identity token for the registry. */
async function identityConfig(name: string, identitytoken: string): Promise<NodeJS.ProcessEnv> {
  const dir = join(work.dir, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [reg.host]: { identitytoken } } }));
  return { DOCKER_CONFIG: dir };
}

void describe('identity tokens (OAuth2 refresh_token grant)', () => {
  void test('push and pull with only an identitytoken in the Docker config', async () => {
    assert.ok(reg.identityToken !== undefined && reg.tokenRequests !== undefined);
    const env = await identityConfig('good', reg.identityToken);
    const before = reg.tokenRequests().length;
    const push = await runWpack(['push', bundle, `${reg.host}/acme/app:1.0.0`], { env });
    assert.equal(push.code, 0, push.stderr);
    const out = join(work.dir, 'pulled.wpack');
    const pull = await runWpack(['pull', `${reg.host}/acme/app:1.0.0`, '-o', out], { env });
    assert.equal(pull.code, 0, pull.stderr);
    assert.ok((await readFile(out)).equals(await readFile(bundle)), 'byte-identical round trip');

    const requests = reg.tokenRequests().slice(before);
    assert.ok(requests.length > 0);
    assert.deepEqual([...new Set(requests.map((r) => r.method))], ['POST'], 'every token came from the refresh_token grant');
    for (const r of requests) {
      assert.equal(r.form?.grant_type, 'refresh_token');
      assert.equal(r.form?.refresh_token, reg.identityToken);
      assert.equal(r.form?.client_id, 'wpack');
      assert.equal(r.form?.service, reg.service);
      assert.match(r.form?.scope ?? '', /^repository:acme\/app:pull/);
    }
  });

  void test('a wrong identity token: exit 3, one line naming the identity token, not a password', async () => {
    const env = await identityConfig('bad', 'not-the-token');
    const push = await runWpack(['push', bundle, `${reg.host}/acme/app:2.0.0`], { env });
    assert.equal(push.code, 3, push.stderr);
    const lines = push.stderr.trim().split('\n');
    assert.equal(lines.length, 1, push.stderr);
    assert.match(lines[0] ?? '', /identity token/);
    assert.doesNotMatch(lines[0] ?? '', /password/);
    const json = await runWpack(['pull', `${reg.host}/acme/app:1.0.0`, '-o', join(work.dir, 'x.wpack'), '--json'], { env });
    assert.equal(json.code, 3, json.stdout);
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
  });
});
