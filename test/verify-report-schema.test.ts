// The --json report of `wpack verify` is a documented, stable format
// (schemas/verify-report.schema.json): every finding code the gate can emit
// is in the schema, and real reports validate against it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createBundle } from '@wpack/manifest';
import { GATE_FINDING_CODES } from '@wpack/verifier';
import { REPO_ROOT, runWpack } from './helpers/cli.js';
import { makeProject } from './helpers/project.js';
import { tempDir } from './helpers/tmp.js';

// ajv 8 as the manifest package has it (the root one is eslint's ajv 6).
const require = createRequire(join(REPO_ROOT, 'packages', 'manifest', 'package.json'));
type Validate = ((doc: unknown) => boolean) & { errors?: unknown };
const { Ajv2020 } = require('ajv/dist/2020') as { Ajv2020: new (options: object) => { compile(schema: object): Validate } };
const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'verify-report.schema.json'), 'utf8')) as {
  $defs: { finding: { properties: { code: { enum: string[] } } } };
};
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

void describe('verify --json report schema', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let bundle: string;
  let policy: string;

  before(async () => {
    work = await tempDir();
    await makeProject(join(work.dir, 'p'), { fixture: 'cli-command', capabilities: ['stdio:stdout', 'env:UNUSED'] });
    bundle = join(work.dir, 'app.wpack');
    await createBundle(join(work.dir, 'p'), bundle);
    const keygen = await runWpack(['keygen', '-o', join(work.dir, 'k')]);
    assert.equal(keygen.code, 0, keygen.stderr);
    const sign = await runWpack(['sign', bundle, '--key', join(work.dir, 'k.key')]);
    assert.equal(sign.code, 0, sign.stderr);
    policy = join(work.dir, 'policy.json');
    await writeFile(
      policy,
      JSON.stringify({ version: 1, host: { worlds: ['wasi:cli/command@0.2.3'] }, signatures: { signers: [{ key: 'k.pub' }] }, capabilities: { allow: ['stdio:stdout'] } }),
    );
  });
  after(() => work.cleanup());

  void test('the schema lists exactly the finding codes the gate can emit', () => {
    assert.deepEqual([...schema.$defs.finding.properties.code.enum].sort(), Object.keys(GATE_FINDING_CODES).sort());
  });

  void test('a denied gate report, a quick check and an unsigned quick check all validate', async () => {
    const reports = [
      await runWpack(['verify', bundle, '--policy', policy, '--json']),
      await runWpack(['verify', bundle, '--key', join(work.dir, 'k.pub'), '--json']),
      await runWpack(['verify', bundle, '--policy', policy, '--format', 'json']),
    ];
    assert.deepEqual(
      reports.map((r) => r.code),
      [1, 0, 1],
    );
    for (const r of reports) {
      const doc = JSON.parse(r.stdout) as { findings: { code: string }[] };
      assert.ok(validate(doc), JSON.stringify(validate.errors));
      assert.ok(doc.findings.length > 0);
    }
    // The denied one names its reasons: the undeclared imports and the ungranted, unused capability.
    const denied = JSON.parse(reports[0]?.stdout ?? '{}') as { verified: boolean; findings: { code: string; severity: string }[] };
    assert.equal(denied.verified, false);
    const errors = new Set(denied.findings.filter((f) => f.severity === 'error').map((f) => f.code));
    assert.deepEqual([...errors].sort(), ['CAPABILITY_NOT_GRANTED', 'CAPABILITY_UNDECLARED']);
  });
});
