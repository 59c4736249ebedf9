import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { test } from 'node:test';
import { buildFixtures, FIXTURE_NAMES, fixturePath } from './fixtures/build.js';
import type { FixtureName } from './fixtures/build.js';

const COMPONENT_PREAMBLE = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
const CORE_MODULE_PREAMBLE = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

async function preamble(name: FixtureName): Promise<Buffer> {
  return (await readFile(fixturePath(name))).subarray(0, 8);
}

void test('buildFixtures returns an absolute path for every fixture', async () => {
  const set = await buildFixtures();
  assert.deepEqual(Object.keys(set).sort(), [...FIXTURE_NAMES].sort());
  for (const name of FIXTURE_NAMES) {
    assert.ok(isAbsolute(set[name]), `${name}: ${set[name]}`);
    assert.equal(set[name], fixturePath(name));
  }
});

void test('every component fixture starts with the component preamble', async () => {
  await buildFixtures();
  for (const name of FIXTURE_NAMES) {
    if (name === 'core-module') continue;
    assert.deepEqual(await preamble(name), COMPONENT_PREAMBLE, name);
  }
});

void test('the core-module fixture is a core wasm module, not a component', async () => {
  await buildFixtures();
  assert.deepEqual(await preamble('core-module'), CORE_MODULE_PREAMBLE);
});

void test('a second build reuses the cached outputs', async () => {
  const set = await buildFixtures();
  const before = await Promise.all(FIXTURE_NAMES.map(async (name) => (await stat(set[name])).mtimeMs));
  await buildFixtures();
  const after = await Promise.all(FIXTURE_NAMES.map(async (name) => (await stat(set[name])).mtimeMs));
  assert.deepEqual(after, before);
});
