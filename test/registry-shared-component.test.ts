// Two bundles of one component (same component.wasm, different wpack.json)
// share the component's OCI manifest, so their wpack referrers and signature
// referrers hang off the same subject. A pull must rebuild the bundle that
// was meant — never one bundle's wpack.json with the other's signatures.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle, readBundle } from '@wpack/manifest';
import { runWpack } from './helpers/cli.js';
import { makeProject } from './helpers/project.js';
import { startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

void describe('bundles that share a component in one repository', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let reg: TestRegistry;
  const file = (n: string): string => join(work.dir, n);

  before(async () => {
    work = await tempDir();
    reg = await startRegistry('plain');
    const keygen = await runWpack(['keygen', '-o', file('k')]);
    assert.equal(keygen.code, 0, keygen.stderr);
    for (const [name, caps] of [
      ['narrow', ['stdio:stdout']],
      ['wide', ['stdio:stdout', 'env:*']],
    ] as const) {
      await makeProject(file(name), { fixture: 'cli-command', capabilities: [...caps] });
      await createBundle(file(name), file(`${name}.wpack`));
      const sign = await runWpack(['sign', file(`${name}.wpack`), '--key', file('k.key')]);
      assert.equal(sign.code, 0, sign.stderr);
      const push = await runWpack(['push', file(`${name}.wpack`), `${reg.host}/acme/app:${name}`]);
      assert.equal(push.code, 0, push.stderr);
    }
  });
  after(async () => {
    await reg.stop();
    await work.cleanup();
  });

  void test('a pull by tag rebuilds the bundle pushed under that tag, byte for byte, with its own signature', async () => {
    for (const name of ['narrow', 'wide']) {
      const out = file(`pulled-${name}.wpack`);
      const pull = await runWpack(['pull', `${reg.host}/acme/app:${name}`, '-o', out]);
      assert.equal(pull.code, 0, pull.stderr);
      assert.ok((await readFile(out)).equals(await readFile(file(`${name}.wpack`))), `${name}: not byte-identical`);
      const verify = await runWpack(['verify', `${reg.host}/acme/app:${name}`, '--key', file('k.pub'), '--json']);
      assert.equal(verify.code, 0, verify.stdout);
      assert.equal((JSON.parse(verify.stdout) as { digest: string }).digest, (await readBundle(file(`${name}.wpack`))).digest);
    }
  });

  void test('by component digest it is ambiguous (exit 2, naming both bundles) until --bundle-digest picks one', async () => {
    const inspect = JSON.parse((await runWpack(['push', file('narrow.wpack'), `${reg.host}/acme/app:narrow`, '--json'])).stdout) as { digest: string };
    const byDigest = `${reg.host}/acme/app@${inspect.digest}`;
    const ambiguous = await runWpack(['pull', byDigest, '-o', file('x.wpack'), '--json']);
    assert.equal(ambiguous.code, 2, ambiguous.stdout);
    assert.equal((JSON.parse(ambiguous.stdout) as { error: { code: string } }).error.code, 'AMBIGUOUS_BUNDLE');
    const wide = (await readBundle(file('wide.wpack'))).digest;
    const narrow = (await readBundle(file('narrow.wpack'))).digest;
    const message = (JSON.parse(ambiguous.stdout) as { error: { message: string } }).error.message;
    assert.ok(message.includes(wide) && message.includes(narrow), message);

    const picked = await runWpack(['verify', byDigest, '--bundle-digest', wide, '--key', file('k.pub'), '--json']);
    assert.equal(picked.code, 0, picked.stdout);
    assert.equal((JSON.parse(picked.stdout) as { digest: string }).digest, wide);
  });
});
