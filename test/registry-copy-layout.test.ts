// `wpack copy` with an OCI image layout on either side: registry → layout
// (which skopeo reads, digests preserved) → layout → registry, with the
// wpack referrer and the signatures kept, so the bundle pulled at the end is
// the one pushed, and its signature verifies.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Digest } from '@wpack/core';
import { createBundle } from '@wpack/manifest';
import { signBundle } from '@wpack/signatures';
import { runProcess, runWpack, type RunResult } from './helpers/cli.js';
import { makeProject } from './helpers/project.js';
import { startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

let work: { dir: string; cleanup: () => Promise<void> };
let bundle: string;
let pubFile: string;
let reg: TestRegistry;
let pushed: string;

before(async () => {
  work = await tempDir('wpack-copy-layout-');
  await makeProject(join(work.dir, 'p'), { resources: { 'r/one.bin': Buffer.alloc(40_000, 3) } });
  bundle = join(work.dir, 'app.wpack');
  await createBundle(join(work.dir, 'p'), bundle);
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await signBundle(bundle, { kind: 'key', privateKey: pair.privateKey });
  pubFile = join(work.dir, 'release.pub');
  await writeFile(pubFile, String(pair.publicKey.export({ type: 'spki', format: 'pem' })));
  reg = await startRegistry('plain');
  const push = await runWpack(['push', bundle, `${reg.host}/acme/app:1.0.0`, '--json']);
  assert.equal(push.code, 0, push.stderr);
  pushed = (JSON.parse(push.stdout) as { digest: string }).digest;
});
after(async () => {
  await reg.stop();
  await work.cleanup();
});

function assertInputError(r: RunResult): void {
  assert.equal(r.code, 2, `exit 2, got ${String(r.code)}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] ?? '', /^wpack: (?!internal error)/);
}

void describe('wpack copy with OCI layouts', () => {
  void test('registry → layout → layout → registry keeps digests, the wpack referrer and the signature', async () => {
    const first = join(work.dir, 'layout-1');
    const second = join(work.dir, 'layout-2');
    const toLayout = await runWpack(['copy', `${reg.host}/acme/app:1.0.0`, `${first}:1.0.0`, '--to-oci-layout', '--json']);
    assert.equal(toLayout.code, 0, toLayout.stderr);
    assert.equal((JSON.parse(toLayout.stdout) as { root: { digest: string } }).root.digest, pushed);

    const raw = await runProcess('skopeo', ['inspect', '--raw', `oci:${first}:1.0.0`], { env: { HOME: work.dir }, timeoutMs: 60_000 });
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(sha256Digest(Buffer.from(raw.stdout)), pushed, 'skopeo reads the manifest bytes the registry holds');

    // Layout to layout by digest; the destination tag is given.
    const between = await runWpack(['copy', `${first}@${pushed}`, `${second}:v1`, '--from-oci-layout', '--to-oci-layout']);
    assert.equal(between.code, 0, between.stderr);
    assert.match(between.stdout, new RegExp(`^copied .* to .*:v1@${pushed}$`, 'm'));

    const back = await runWpack(['copy', `${second}:v1`, `${reg.host}/mirror/app:1.0.0`, '--from-oci-layout']);
    assert.equal(back.code, 0, back.stderr);
    const out = join(work.dir, 'back.wpack');
    const pull = await runWpack(['pull', `${reg.host}/mirror/app:1.0.0`, '-o', out]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.ok((await readFile(out)).equals(await readFile(bundle)), 'the bundle comes back byte for byte, signature included');
    const verify = await runWpack(['verify', `${reg.host}/mirror/app:1.0.0`, '--key', pubFile]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);

    const again = await runWpack(['copy', `${reg.host}/acme/app:1.0.0`, `${first}:1.0.0`, '--to-oci-layout', '--json']);
    assert.equal((JSON.parse(again.stdout) as { copied: number }).copied, 0, 'a second copy into the layout transfers nothing');
  });

  void test('a bad layout path or reference: one line, exit 2', async () => {
    assertInputError(await runWpack(['copy', `${join(work.dir, 'no-such-layout')}:1.0.0`, `${reg.host}/x/app:1`, '--from-oci-layout']));
    assertInputError(await runWpack(['copy', join(work.dir, 'layout-1'), `${reg.host}/x/app:1`, '--from-oci-layout']));
    assertInputError(await runWpack(['copy', `${join(work.dir, 'layout-1')}:absent`, `${reg.host}/x/app:1`, '--from-oci-layout']));
    assertInputError(await runWpack(['copy', `${reg.host}/acme/app:1.0.0`, `${bundle}:1.0.0`, '--to-oci-layout']));
    const json = await runWpack(['copy', `${join(work.dir, 'no-such-layout')}:1.0.0`, `${reg.host}/x/app:1`, '--from-oci-layout', '--json']);
    assert.equal(json.code, 2);
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });
});
