// The GitHub Actions job summary of `wpack verify --policy`: real runs with
// GITHUB_STEP_SUMMARY naming a file that already holds another step's
// summary. The verdict, the digests and signers, and the findings table,
// errors first, then warnings, then info.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { markdownCell } from 'wpack';
import type { GateFinding } from '@wpack/verifier';
import { runWpack } from './helpers/cli.js';
import { BUNDLE, makeGateWorkspace, POLICY, type GateWorkspace } from './helpers/gate-workspace.js';

interface VerifyJson {
  verified: boolean;
  digest: string;
  signers: string[];
  findings: GateFinding[];
}

const EARLIER = '## An earlier step\n\nits own summary\n';

let work: GateWorkspace;

before(async () => {
  work = await makeGateWorkspace('wpack-job-summary-');
  // Names with a `|`, which a table cell must escape.
  await copyFile(join(work.dir, BUNDLE.percent), join(work.dir, 'pi|pe.wpack'));
  await copyFile(join(work.dir, POLICY.denied), join(work.dir, 'policies/de|nied.json'));
});

after(() => work.cleanup());

/** Runs verify in GitHub Actions with a summary file that already has content; its exit, its --json report (of another run) and what it appended. */
async function summarise(bundle: string, policy: string, file: string): Promise<{ code: number | null; json: VerifyJson; appended: string }> {
  const summary = join(work.dir, file);
  await writeFile(summary, EARLIER);
  const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
  const [run, json] = await Promise.all([
    runWpack(['verify', bundle, '--policy', policy], { cwd: work.dir, env }),
    runWpack(['verify', bundle, '--policy', policy, '--json'], { cwd: work.dir, env: { GITHUB_ACTIONS: 'false', GITHUB_STEP_SUMMARY: '' } }),
  ]);
  const text = await readFile(summary, 'utf8');
  assert.ok(text.startsWith(EARLIER), `the earlier content is kept:\n${text}`);
  return { code: run.code, json: JSON.parse(json.stdout) as VerifyJson, appended: text.slice(EARLIER.length) };
}

/** The cells of the findings table's rows, split at unescaped `|`. */
function findingRows(markdown: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.indexOf('| Step | Code | Severity | Message |');
  assert.ok(start >= 0, markdown);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows;
}

const SEVERITY_ORDER = ['error', 'warning', 'info'];
const expectedRows = (findings: GateFinding[]): string[][] =>
  SEVERITY_ORDER.flatMap((s) => findings.filter((f) => f.severity === s)).map((f) => [f.step, `\`${f.code}\``, f.severity, markdownCell(f.message)]);

void describe('wpack verify --policy: the GitHub job summary', () => {
  void test('a pass: verdict, digest and signer, and every finding, warnings before info', async () => {
    const { code, json, appended } = await summarise(BUNDLE.good, POLICY.passWithWarning, 'pass.md');
    assert.equal(code, 0);
    assert.match(appended, /^\n### wpack verify: ✅ verified \(enforced\)$/m);
    assert.ok(appended.includes(`| Bundle digest | \`${work.goodDigest}\` |`), appended);
    assert.ok(appended.includes(`| Bundle | \`${BUNDLE.good}\` |`), appended);
    assert.ok(appended.includes(`| Policy | \`${POLICY.passWithWarning}\` |`), appended);
    assert.equal(json.signers.length, 1);
    assert.match(appended, /^\| Signers \| key .+ \|$/m);
    assert.ok(!appended.includes('OCI digest'), 'a local file has no OCI digest');
    assert.match(appended, /^0 errors, 1 warning$/m);
    const rows = findingRows(appended);
    assert.deepEqual(rows, expectedRows(json.findings));
    assert.deepEqual(
      rows.map((r) => r[2]),
      ['warning', 'info', 'info', 'info', 'info', 'info'],
    );
  });

  void test('a denial: errors first, then warnings, then info; | escaped in names', async () => {
    const { code, json, appended } = await summarise('pi|pe.wpack', 'policies/de|nied.json', 'denied.md');
    assert.equal(code, 1);
    assert.match(appended, /^### wpack verify: ❌ denied \(enforced\)$/m);
    assert.ok(appended.includes('| Bundle | `pi\\|pe.wpack` |'), appended);
    assert.ok(appended.includes('| Policy | `policies/de\\|nied.json` |'), appended);
    assert.ok(appended.includes(`| Bundle digest | \`${json.digest}\` |`), appended);
    const rows = findingRows(appended);
    assert.deepEqual(rows, expectedRows(json.findings));
    assert.deepEqual(
      rows.filter((r) => r[2] !== 'info').map((r) => [r[2], r[1]]),
      [
        ['error', '`CAPABILITY_NOT_GRANTED`'],
        ['error', '`CAPABILITY_DENIED`'],
        ['warning', '`IMPORT_VERSION_NEWER`'],
        ['warning', '`CAPABILITY_UNUSED`'],
      ],
    );
    assert.equal(rows.length, json.findings.length);
  });

  void test('mode warn: denied, not enforced, exit 0', async () => {
    const { code, appended } = await summarise(BUNDLE.good, POLICY.warn, 'warn.md');
    assert.equal(code, 0);
    assert.match(appended, /^### wpack verify: ❌ denied \(mode: warn, not enforced\)$/m);
  });

  void test('an empty GITHUB_STEP_SUMMARY is no file: nothing written, nothing fails', async () => {
    const run = await runWpack(['verify', BUNDLE.good, '--policy', POLICY.pass], { cwd: work.dir, env: { GITHUB_ACTIONS: 'false', GITHUB_STEP_SUMMARY: '' } });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
  });

  void test('a table cell escapes |, line breaks and HTML', () => {
    assert.equal(markdownCell('a|b\nc\r\nd <e> & f'), 'a\\|b<br>c<br>d &lt;e&gt; &amp; f');
  });
});
