// The manifest and policy schemas are compiled by the build
// (scripts/compile-schemas.mjs) into modules inside each package; no package
// reads schemas/ at run time. A missing or broken validator module is an
// internal error that says to rebuild, never swallowed into a fallback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WpackError } from '@wpack/core';
import { loadSchemaValidators, validateSourceManifest } from '@wpack/manifest';
import { validatePolicyDocument } from '@wpack/verifier';
import { tempDir } from './helpers/tmp.js';

let work: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  work = await tempDir('wpack-schema-validators-');
});

after(() => work.cleanup());

/** Asserts the load failed as an internal error (not a verdict on any input) that says to rebuild. */
function internalRebuildError(err: unknown): true {
  assert.ok(err instanceof Error);
  assert.ok(!(err instanceof WpackError), 'a broken build is not a WpackError (exit 70, not 2)');
  assert.match(err.message, /npm run build/);
  return true;
}

void describe('precompiled schema validators', () => {
  void test('the built validators load and judge documents', () => {
    assert.deepEqual(validatePolicyDocument({ version: 1, host: { worlds: ['wasi:cli/command@0.2.3'] }, signatures: { signers: [{ key: 'k.pub' }] } }), []);
    assert.notDeepEqual(validatePolicyDocument({ version: 2 }), []);
    assert.ok(validateSourceManifest({ name: 'acme:app', version: '1.0.0', component: 'app.wasm' }, 'wpack.json'));
  });

  void test('a missing module is an internal error that says to run the build', async () => {
    await assert.rejects(loadSchemaValidators(pathToFileURL(join(work.dir, 'absent.mjs')), ['validateSource']), internalRebuildError);
  });

  void test('a module that does not load is an internal error that says to run the build', async () => {
    const file = join(work.dir, 'syntax.mjs');
    await writeFile(file, 'export const validateSource = (;\n');
    await assert.rejects(loadSchemaValidators(pathToFileURL(file), ['validateSource']), internalRebuildError);
  });

  void test('a module without the named validator is an internal error that says to run the build', async () => {
    const file = join(work.dir, 'partial.mjs');
    await writeFile(file, 'export const validateSource = () => true;\nexport const validateLocked = 1;\n');
    await assert.rejects(loadSchemaValidators(pathToFileURL(file), ['validateSource', 'validateLocked']), internalRebuildError);
    const loaded = await loadSchemaValidators(pathToFileURL(file), ['validateSource']);
    assert.equal(loaded.validateSource({}), true);
  });
});
