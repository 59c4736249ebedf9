// `import:<ns:pkg/iface>@<version>` means the same versions in a manifest (what
// a declaration satisfies) and in a policy (what a pattern grants): a short
// version is its whole range, `@1` being track 1 and `@0.2` track 0.2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grants, parseCapability, parseCapabilityPattern, requirementFor } from '../src/index.js';

const IFACE = 'acme:kv/store';

/** Whether a manifest declaring `import:<IFACE>@<declared>` satisfies an import of `<IFACE>@<imported>`. */
function satisfies(declared: string, imported: string): boolean {
  const need = requirementFor(`${IFACE}@${imported}`, 'import');
  assert.ok(need !== null);
  return need.satisfiedBy(parseCapability(`import:${IFACE}@${declared}`));
}

/** Whether a policy allowing `import:<IFACE>@<allowed>` grants a declared `import:<IFACE>@<declared>`. */
function granted(allowed: string, declared: string): boolean {
  return grants(parseCapabilityPattern(`import:${IFACE}@${allowed}`), parseCapability(`import:${IFACE}@${declared}`));
}

void test('a declared @1 satisfies imports at 1.0.0 and 1.4.2; a policy @1 grants declared @1.0 and @1.0.0', () => {
  assert.equal(satisfies('1', '1.0.0'), true);
  assert.equal(satisfies('1', '1.4.2'), true);
  assert.equal(granted('1', '1.0'), true);
  assert.equal(granted('1', '1.0.0'), true);
  assert.equal(granted('1', '1'), true);
  assert.equal(granted('1', '1.9.3'), true);
});

void test('a short version stops at a dot boundary: @1 is not @10, @0.2 is not @0.20', () => {
  assert.equal(satisfies('1', '10.0.0'), false);
  assert.equal(granted('1', '10.0.0'), false);
  assert.equal(satisfies('0.2', '0.20.1'), false);
  assert.equal(granted('0.2', '0.20.1'), false);
  assert.equal(satisfies('0.2', '0.2.3'), true);
  assert.equal(granted('0.2', '0.2.3'), true);
});

void test('a narrower allow does not grant a broader declaration: @1.0 does not grant @1, @1.0.0 does not grant @1.0', () => {
  assert.equal(granted('1.0', '1'), false);
  assert.equal(granted('1.0.0', '1.0'), false);
  assert.equal(granted('1.0.0', '1.0.0'), true);
  assert.equal(granted('2', '1.0.0'), false);
});

void test('the same text covers the same versions on both sides', () => {
  const specs = ['1', '1.0', '1.0.0', '1.2', '0.2', '0.2.3', '2'];
  const versions = ['1.0.0', '1.0.7', '1.2.0', '10.0.0', '0.2.3', '0.2.12', '0.20.0', '2.0.0'];
  for (const spec of specs) {
    for (const v of versions) {
      assert.equal(granted(spec, v), satisfies(spec, v), `@${spec} vs ${v}: a policy and a manifest disagree`);
    }
  }
});

void test('a versionless name stands for every version on both sides', () => {
  assert.equal(requirementFor(`${IFACE}@3.1.0`, 'import')?.satisfiedBy(parseCapability(`import:${IFACE}`)), true);
  assert.equal(grants(parseCapabilityPattern(`import:${IFACE}`), parseCapability(`import:${IFACE}@3.1.0`)), true);
  assert.equal(grants(parseCapabilityPattern(`import:${IFACE}@3`), parseCapability(`import:${IFACE}`)), false);
});
