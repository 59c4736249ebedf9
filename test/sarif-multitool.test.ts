// The SARIF of real `wpack verify` runs against Microsoft's SARIF multitool:
// the SARIF 2.1.0 schema and rules, and GitHub's ingestion rules
// (`--rule-kind Gh`), which code scanning enforces on upload. Plus what the
// multitool does not check: help and help URIs for every rule, and
// fingerprints that stay put across re-runs.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { findingHelpUrl } from 'wpack';
import { GATE_FINDING_CODES } from '@wpack/verifier';
import { runProcess, runWpack } from './helpers/cli.js';
import { BUNDLE, makeGateWorkspace, POLICY, type GateWorkspace } from './helpers/gate-workspace.js';

/** The multitool's self-contained binary (the package resolves to its path). */
const MULTITOOL = createRequire(import.meta.url)('@microsoft/sarif-multitool') as string;

let work: GateWorkspace;

before(async () => {
  work = await makeGateWorkspace('wpack-sarif-multitool-');
  // The package's postinstall marks the binary executable, and npm 11 runs no
  // install script it was not told to allow. The tarball's own mode (0744)
  // suffices for whoever installed it; anyone else, or an unpacker that drops
  // modes, gets it marked here.
  const { mode } = await stat(MULTITOOL);
  if ((mode & 0o100) === 0) await chmod(MULTITOOL, mode | 0o100);
});

after(() => work.cleanup());

/** `wpack verify <bundle> --policy <policy> --format sarif --output <file>` in the workspace; the parsed log. */
async function verifySarif(bundle: string, policy: string, file: string, expectedExit: number): Promise<Log> {
  const run = await runWpack(['verify', bundle, '--policy', policy, '--format', 'sarif', '--output', file], { cwd: work.dir, env: { GITHUB_ACTIONS: 'false', GITHUB_STEP_SUMMARY: '' } });
  assert.equal(run.code, expectedExit, run.stdout + run.stderr);
  return JSON.parse(await readFile(join(work.dir, file), 'utf8')) as Log;
}

/**
 * Runs `sarif-multitool validate` on a file and returns its error-level
 * results. The multitool exits 0 whatever it finds ("Analysis completed
 * successfully" means it ran), so the verdict is read from the SARIF log it
 * writes with -o: a result's level is its own, else its rule's default.
 */
async function multitoolErrors(file: string, ruleKind: 'Sarif' | 'Gh'): Promise<string[]> {
  const out = `${file}.${ruleKind}.validation.sarif`;
  const args = ['validate', file, '-o', out, '--log', 'ForceOverwrite', ...(ruleKind === 'Gh' ? ['--rule-kind', 'Gh'] : [])];
  const run = await runProcess(MULTITOOL, args, { cwd: work.dir, timeoutMs: 120_000 });
  assert.equal(run.code, 0, `sarif-multitool ${args.join(' ')} exited ${String(run.code)}:\n${run.stdout}${run.stderr}`);
  const log = JSON.parse(await readFile(join(work.dir, out), 'utf8')) as Log;
  const errors: string[] = [];
  for (const r of log.runs) {
    assert.ok(r.invocations?.every((i) => i.executionSuccessful), `the multitool did not complete:\n${run.stdout}`);
    const rules = r.tool.driver.rules ?? [];
    for (const result of r.results ?? []) {
      const level = result.level ?? rules.find((x) => x.id === result.ruleId)?.defaultConfiguration?.level ?? 'warning';
      if (level === 'error') errors.push(`${result.ruleId ?? '?'}: ${(result.message.arguments ?? []).join(' | ') || (result.message.text ?? '')}`);
    }
  }
  // The console lines say the same in words: shown when something failed.
  if (errors.length > 0) errors.push(run.stdout);
  return errors;
}

const resultsOf = (log: Log): Result[] => log.runs[0]?.results ?? [];
const rulesOf = (log: Log): ReportingDescriptor[] => log.runs[0]?.tool.driver.rules ?? [];

void describe('wpack verify --format sarif, checked by the SARIF multitool', () => {
  const cases = [
    { name: 'a denial with several codes', bundle: BUNDLE.percent, policy: POLICY.denied, exit: 1, file: 'denied.sarif', codes: ['CAPABILITY_DENIED', 'CAPABILITY_NOT_GRANTED', 'CAPABILITY_UNUSED', 'IMPORT_VERSION_NEWER'] },
    { name: 'a pass with a warning', bundle: BUNDLE.good, policy: POLICY.passWithWarning, exit: 0, file: 'warned.sarif', codes: ['IMPORT_VERSION_NEWER'] },
  ];
  for (const c of cases) {
    void test(`${c.name}: valid SARIF, and valid for GitHub code scanning`, async () => {
      const log = await verifySarif(c.bundle, c.policy, c.file, c.exit);
      assert.deepEqual([...new Set(resultsOf(log).map((r) => r.ruleId))].sort(), c.codes);
      const [sarif, github] = await Promise.all([multitoolErrors(c.file, 'Sarif'), multitoolErrors(c.file, 'Gh')]);
      assert.deepEqual(sarif, [], `sarif-multitool validate:\n${sarif.join('\n')}`);
      assert.deepEqual(github, [], `sarif-multitool validate --rule-kind Gh:\n${github.join('\n')}`);
    });
  }

  void test('the checks themselves fail a log that GitHub rejects', async () => {
    // The output of wpack before rules had help (GH2012): the multitool must say so, or the tests above prove nothing.
    const log = await verifySarif(BUNDLE.good, POLICY.passWithWarning, 'stripped.sarif', 0);
    for (const rule of rulesOf(log)) delete rule.help;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(work.dir, 'stripped.sarif'), JSON.stringify(log));
    const errors = await multitoolErrors('stripped.sarif', 'Gh');
    assert.ok(errors.some((e) => e.startsWith('GH2012')), errors.join('\n'));
  });
});

void describe('wpack verify --format sarif: rules and fingerprints', () => {
  void test("every rule has help (why and fix, as text and Markdown) and its docs section's URL", async () => {
    const log = await verifySarif(BUNDLE.percent, POLICY.denied, 'rules.sarif', 1);
    assert.ok(rulesOf(log).length >= 4);
    for (const rule of rulesOf(log)) {
      assert.ok(rule.id in GATE_FINDING_CODES, rule.id);
      assert.equal(rule.helpUri, findingHelpUrl(rule.id));
      assert.equal(rule.helpUri, `https://github.com/wpack-dev/wpack/blob/main/docs/gate.md#${rule.id.toLowerCase()}`);
      assert.match(rule.help?.text ?? '', /Why it matters: .+How to fix it: /s, rule.id);
      assert.match(rule.help?.markdown ?? '', /\*\*Why it matters:\*\* .+\*\*How to fix it:\*\* /s, rule.id);
      assert.ok(rule.help?.markdown?.includes(`(${findingHelpUrl(rule.id)})`), rule.id);
    }
  });

  void test('results keep their policy-file location and fingerprints that a re-run repeats', async () => {
    const [first, second] = await Promise.all([verifySarif(BUNDLE.percent, POLICY.denied, 'run1.sarif', 1), verifySarif(BUNDLE.percent, POLICY.denied, 'run2.sarif', 1)]);
    const fingerprints = (log: Log) => resultsOf(log).map((r) => r.partialFingerprints?.['wpackFinding/v1']);
    const prints = fingerprints(first);
    assert.ok(prints.every((p) => typeof p === 'string' && /^[0-9a-f]{64}$/.test(p)), JSON.stringify(prints));
    assert.equal(new Set(prints).size, prints.length, 'every result is an alert of its own');
    assert.deepEqual(fingerprints(second), prints);
    for (const r of resultsOf(first)) assert.equal(r.locations?.[0]?.physicalLocation?.artifactLocation?.uri, POLICY.denied);

    // The same problem in a rebuilt bundle (another digest, the same name) is the same alert.
    const good = await verifySarif(BUNDLE.good, POLICY.denied, 'good.sarif', 1);
    const denied = (log: Log) => resultsOf(log).find((r) => r.ruleId === 'CAPABILITY_DENIED')?.partialFingerprints;
    assert.deepEqual(denied(good), denied(first));
    // Another policy file is another alert.
    const other = await verifySarif(BUNDLE.percent, POLICY.oddName, 'other.sarif', 1);
    assert.notDeepEqual(denied(other), denied(first));
  });
});
