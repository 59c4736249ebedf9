// The GitHub Action (action.yml at the repository root): its metadata against
// the action schema, and its step, scripts/action-gate.sh, run as the
// composite step runs it — GITHUB_ACTIONS, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY
// and RUNNER_TEMP set, the inputs passed through the env the step declares —
// with the repository's own wpack build in place of the installed one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, runProcess, WPACK_BIN, type RunResult } from './helpers/cli.js';
import { BUNDLE, makeGateWorkspace, POLICY, type GateWorkspace } from './helpers/gate-workspace.js';
import { escapeRegExp } from './helpers/regexp.js';

interface ActionValidator {
  validateAction(src: string): { errors: unknown[] };
  validateWorkflow(src: string): { errors: unknown[] };
}
/** SchemaStore's github-action and github-workflow schemas, as action-validator applies them. */
const validator = createRequire(import.meta.url)('@action-validator/core') as ActionValidator;

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface ActionYml {
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const ACTION_FILE = join(REPO_ROOT, 'action.yml');

let work: GateWorkspace;
let action: ActionYml;
let gateStep: Step;

before(async () => {
  work = await makeGateWorkspace('wpack-action-');
  action = parse(await readFile(ACTION_FILE, 'utf8')) as ActionYml;
  const step = action.runs.steps.find((s) => s.id === 'gate');
  assert.ok(step, 'the action has a step with id gate');
  gateStep = step;
});

after(() => work.cleanup());

interface StepRun extends RunResult {
  outputs: Record<string, string>;
  summary: string;
  temp: string;
}

let runs = 0;

/**
 * Runs the gate step's command the way the runner would: the step's env with
 * `${{ inputs.x }}` filled in (defaults from action.yml), GITHUB_ACTION_PATH
 * the repository root, in the workspace.
 */
async function runStep(inputs: Record<string, string>, env: NodeJS.ProcessEnv = { WPACK: WPACK_BIN }): Promise<StepRun> {
  const dir = join(work.dir, `step-${String(++runs)}`);
  const temp = join(dir, 'runner-temp');
  await mkdir(temp, { recursive: true });
  const outputFile = join(dir, 'github-output');
  const summaryFile = join(dir, 'step-summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const value = (name: string): string => inputs[name] ?? action.inputs[name]?.default ?? '';
  const stepEnv = Object.fromEntries(Object.entries(gateStep.env ?? {}).map(([k, v]) => [k, v.replace(/\$\{\{ inputs\.([a-z-]+) \}\}/g, (_, name: string) => value(name))]));
  const run = await runProcess('bash', ['-c', gateStep.run ?? ''], {
    cwd: work.dir,
    env: { ...stepEnv, GITHUB_ACTIONS: 'true', GITHUB_ACTION_PATH: REPO_ROOT, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: temp, ...env },
  });
  const outputs: Record<string, string> = {};
  for (const line of (await readFile(outputFile, 'utf8')).split('\n').filter(Boolean)) {
    const eq = line.indexOf('=');
    assert.ok(eq > 0 && !(line.slice(0, eq) in outputs), `one name=value line per output: ${line}`);
    outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return { ...run, outputs, summary: await readFile(summaryFile, 'utf8'), temp };
}

/** The report file a run named in its outputs: `file` in a directory of that run's own under RUNNER_TEMP. */
function reportIn(run: StepRun, file: string): string {
  const path = run.outputs.report ?? run.outputs.sarif ?? '';
  assert.match(path, new RegExp(`^${escapeRegExp(run.temp)}/wpack-gate\\.[A-Za-z0-9]{6}/${escapeRegExp(file)}$`));
  return path;
}

void describe('action.yml', () => {
  void test('is valid action metadata, and examples/gate/release.yml a valid workflow (SchemaStore schemas)', async () => {
    const text = await readFile(ACTION_FILE, 'utf8');
    assert.deepEqual(validator.validateAction(text).errors, []);
    const workflow = await readFile(join(REPO_ROOT, 'examples', 'gate', 'release.yml'), 'utf8');
    assert.deepEqual(validator.validateWorkflow(workflow).errors, []);
    const steps = Object.values((parse(workflow) as { jobs: Record<string, { steps: Step[] }> }).jobs).flatMap((j) => j.steps);
    const gate = steps.find((s) => s.uses === 'wpack-dev/wpack@v1');
    assert.deepEqual(Object.keys(gate?.with ?? {}).sort(), ['bundle', 'policy'], 'the example gates with the action');
    // The validator does reject: a composite run step needs its shell.
    assert.notDeepEqual(validator.validateAction(text.replace(/^ {6}shell: bash\n/m, '')).errors, []);
  });

  void test('inputs, outputs and steps as documented', () => {
    assert.equal(action.runs.using, 'composite');
    assert.deepEqual(Object.keys(action.inputs).sort(), ['bundle', 'category', 'format', 'policy', 'upload-sarif', 'version']);
    assert.equal(action.inputs.bundle?.required, true);
    assert.equal(action.inputs.policy?.required, true);
    assert.equal(action.inputs.format?.default, 'sarif');
    assert.equal(action.inputs['upload-sarif']?.default, 'true');
    assert.equal(gateStep.run, 'bash "$GITHUB_ACTION_PATH/scripts/action-gate.sh"');
    for (const [name, output] of Object.entries(action.outputs)) assert.equal(output.value, `\${{ steps.gate.outputs.${name} }}`);
    assert.deepEqual(Object.keys(action.outputs).sort(), ['digest', 'oci-digest', 'report', 'verified']);
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@') === true);
    assert.equal(upload?.uses, 'github/codeql-action/upload-sarif@v3');
    assert.equal(upload.if, "always() && inputs.upload-sarif == 'true' && steps.gate.outputs.sarif != ''");
    assert.equal(upload.with?.sarif_file, '${{ steps.gate.outputs.sarif }}');
    assert.equal(upload.with.category, '${{ inputs.category || steps.gate.outputs.category }}');
  });
});

void describe('the action step (scripts/action-gate.sh)', () => {
  void test('a passing bundle: exit 0, outputs from the one run, SARIF written, the summary appended', async () => {
    const run = await runStep({ bundle: BUNDLE.good, policy: POLICY.passWithWarning });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const sarif = reportIn(run, 'wpack.sarif');
    assert.deepEqual(run.outputs, { category: `wpack-gate/${BUNDLE.good}`, verified: 'true', digest: work.goodDigest, 'oci-digest': '', report: sarif, sarif });
    const log = JSON.parse(await readFile(sarif, 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
    assert.deepEqual(
      log.runs[0]?.results.map((r) => r.ruleId),
      ['IMPORT_VERSION_NEWER'],
    );
    // The log: the text report with its annotation.
    assert.match(run.stdout, /^VERIFIED\b/m);
    assert.match(run.stdout, /^::warning title=wpack world%3A IMPORT_VERSION_NEWER,file=policies\/pass-with-warning.json::/m);
    assert.match(run.summary, /^### wpack verify: ✅ verified \(enforced\)$/m);
  });

  void test('a denied bundle: exit 1, verified=false, SARIF for the upload step, the denial in the summary', async () => {
    const run = await runStep({ bundle: BUNDLE.percent, policy: POLICY.denied });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const sarif = reportIn(run, 'wpack.sarif');
    assert.equal(run.outputs.verified, 'false');
    assert.match(run.outputs.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(run.outputs.sarif, sarif);
    const log = JSON.parse(await readFile(sarif, 'utf8')) as { runs: { results: { ruleId: string; level: string }[] }[] };
    assert.ok(log.runs[0]?.results.some((r) => r.ruleId === 'CAPABILITY_DENIED' && r.level === 'error'));
    assert.match(run.stdout, /^DENIED\b/m);
    assert.match(run.summary, /^### wpack verify: ❌ denied \(enforced\)$/m);
    assert.match(run.summary, /^\| capabilities \| `CAPABILITY_DENIED` \| error \| /m);
  });

  void test('format json: the report is the --json report; no SARIF, so nothing to upload', async () => {
    const run = await runStep({ bundle: BUNDLE.good, policy: POLICY.pass, format: 'json' });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = reportIn(run, 'wpack-verify.json');
    assert.deepEqual(run.outputs, { category: `wpack-gate/${BUNDLE.good}`, verified: 'true', digest: work.goodDigest, 'oci-digest': '', report, sarif: '' });
    assert.equal((JSON.parse(await readFile(report, 'utf8')) as { verified: boolean }).verified, true);
  });

  void test('bad input: exit 2 and no verdict outputs (an unknown format, a missing policy)', async () => {
    const [format, policy] = await Promise.all([runStep({ bundle: BUNDLE.good, policy: POLICY.pass, format: 'xml' }), runStep({ bundle: BUNDLE.good, policy: 'policies/none.json' })]);
    assert.equal(format.code, 2);
    assert.match(format.stdout, /^::error title=wpack gate::format is sarif or json/m);
    assert.equal(policy.code, 2, policy.stdout + policy.stderr);
    assert.deepEqual(policy.outputs, { category: `wpack-gate/${BUNDLE.good}`, sarif: '' });
  });

  void test("without WPACK: the action's own checkout (built, so nothing installed), or another release built from its tag", async () => {
    // A PATH whose git and npm record what they were asked; the "clone" gets a run.js that is this repository's build.
    const bin = join(work.dir, 'fake-bin');
    await mkdir(bin, { recursive: true });
    const calls = join(work.dir, 'tool-calls');
    const wrapper = join(work.dir, 'run-wrapper');
    await writeFile(wrapper, `#!/usr/bin/env bash\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(WPACK_BIN)} "$@"\n`);
    await chmod(wrapper, 0o755);
    await writeFile(
      join(bin, 'git'),
      `#!/usr/bin/env bash\necho "git $*" >> ${JSON.stringify(calls)}\ndest="\${@: -1}"\nmkdir -p "$dest/packages/cli/bin"\ncp ${JSON.stringify(wrapper)} "$dest/packages/cli/bin/run.js"\n`,
    );
    await writeFile(join(bin, 'npm'), `#!/usr/bin/env bash\necho "npm $* in $(basename "$PWD")" >> ${JSON.stringify(calls)}\n`);
    await Promise.all(['git', 'npm'].map((f) => chmod(join(bin, f), 0o755)));
    const env = { WPACK: '', PATH: `${bin}:${process.env.PATH ?? ''}` };
    const byDefault = await runStep({ bundle: BUNDLE.good, policy: POLICY.pass }, env);
    const pinned = await runStep({ bundle: BUNDLE.good, policy: POLICY.pass, version: '1.2.3' }, env);
    const refused = await runStep({ bundle: BUNDLE.good, policy: POLICY.pass, version: '1.2.3; rm -rf /' }, env);
    assert.equal(byDefault.code, 0, byDefault.stdout + byDefault.stderr);
    assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
    assert.equal(byDefault.outputs.verified, 'true');
    assert.equal(pinned.outputs.verified, 'true');
    assert.equal(refused.code, 2);
    assert.match(refused.stdout, /^::error title=wpack gate::version is a release such as 1\.2\.0/m);
    // The checkout is built here, so the default runs it as it is; the pinned release is cloned at its tag and built.
    assert.deepEqual((await readFile(calls, 'utf8')).trim().split('\n'), [
      `git clone --quiet --depth 1 --branch v1.2.3 https://github.com/wpack-dev/wpack ${join(pinned.temp, 'wpack-v1.2.3')}`,
      'npm install --no-fund --no-audit in wpack-v1.2.3',
    ]);
  });

  void test('the code scanning category names the bundle without its tag or digest', async () => {
    const ref = `127.0.0.1:1/acme/app:1.2.0@sha256:${'0'.repeat(64)}`;
    const run = await runStep({ bundle: ref, policy: POLICY.pass });
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.equal(run.outputs.category, 'wpack-gate/127.0.0.1:1/acme/app');
  });


});
