// The gate's command line (DESIGN §7-8): `wpack verify --policy` output formats
// (text, --json, --format json|sarif, --output, GitHub annotations) and exit
// codes, `wpack extract --policy`, and `wpack policy init`. Real subprocesses,
// local files only; the scenario matrix of the gate itself is in
// gate-scenarios.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle } from '@wpack/manifest';
import { GATE_FINDING_CODES, GATE_STEPS, loadPolicy, type GateFinding } from '@wpack/verifier';
import { keyHint, loadPublicKey } from '@wpack/signatures';
import { makeProject } from './helpers/project.js';
import { makeGateWorkspace, POLICY, type GateWorkspace } from './helpers/gate-workspace.js';
import { runWpack, type RunResult } from './helpers/cli.js';
import { NO_NETWORK_ENV, REFUSED_MARK } from './helpers/no-network.js';

interface VerifyJson {
  verified: boolean;
  enforced: boolean;
  digest: string;
  name: string;
  version: string;
  policy?: string;
  signers: string[];
  findings: GateFinding[];
}

interface Sarif {
  $schema?: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version?: string; rules?: { id: string }[] } };
    results?: {
      ruleId: string;
      level: string;
      message: { text: string };
      locations?: { physicalLocation?: { artifactLocation?: { uri?: string } } }[];
    }[];
  }[];
}

/** Runs wpack in `cwd`, never as if inside GitHub Actions (annotations, job summary) unless the test says so. */
function wpack(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runWpack(args, { cwd, env: { GITHUB_ACTIONS: 'false', GITHUB_STEP_SUMMARY: '', ...env } });
}

const shared = new Map<string, Promise<RunResult>>();

/** A run in work/ that several tests look at (no env changes): started once, awaited by each. */
function once(args: string[]): Promise<RunResult> {
  const key = args.join('\0');
  let run = shared.get(key);
  if (run === undefined) {
    run = wpack(args, work.dir);
    shared.set(key, run);
  }
  return run;
}

/** The `--json` report of a bundle under a policy, run once. */
const jsonReport = (bundle: string, policy: string): Promise<RunResult> => once(['verify', bundle, '--policy', policy, '--json']);

function parseJson<T>(run: RunResult): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    return assert.fail(`stdout is not JSON (exit ${String(run.code)}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

const notInfo = (findings: GateFinding[]): GateFinding[] => findings.filter((f) => f.severity !== 'info');
const count = (findings: GateFinding[], severity: GateFinding['severity']): number => findings.filter((f) => f.severity === severity).length;

/** `::error` / `::warning` workflow command lines of an output. */
function annotations(output: string): string[] {
  return output.split('\n').filter((l) => l.startsWith('::error') || l.startsWith('::warning'));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

let work: GateWorkspace;
let goodDigest: string;

before(async () => {
  work = await makeGateWorkspace('wpack-gate-cli-');
  goodDigest = work.goodDigest;
});

after(() => work.cleanup());

void describe('wpack verify --policy: output formats', () => {
  void test('the text report shows every finding under its step, the verdict and the digest', async () => {
    const [text, json] = await Promise.all([once(['verify', 'good.wpack', '--policy', POLICY.denied]), jsonReport('good.wpack', POLICY.denied)]);
    assert.equal(text.code, 1, text.stderr);
    assert.equal(text.stderr, '');
    const result = parseJson<VerifyJson>(json);
    const lines = text.stdout.split('\n');
    assert.match(lines[0] ?? '', /^DENIED\b/);
    assert.ok((lines[0] ?? '').includes(goodDigest), lines[0]);
    for (const step of GATE_STEPS) assert.ok(result.findings.some((f) => f.step === step), `a finding for step ${step}`);
    for (const f of result.findings) {
      assert.ok(
        lines.some((l) => l.includes(`[${f.step}] ${f.code}: ${f.message}`)),
        `the text report shows ${f.step}/${f.code}`,
      );
    }
    // Steps appear in pipeline order.
    const order = GATE_STEPS.map((s) => lines.findIndex((l) => l.includes(`[${s}] `)));
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
    );

    const passed = await once(['verify', 'good.wpack', '--policy', POLICY.pass]);
    assert.equal(passed.code, 0, passed.stdout + passed.stderr);
    assert.match(passed.stdout, /^VERIFIED\b/);
    for (const step of GATE_STEPS) assert.match(passed.stdout, new RegExp(`\\[${step}\\] [A-Z_]+:`), step);
  });

  void test('--json: verified, enforced, digest, and findings with code, severity, step and message', async () => {
    const run = await jsonReport('good.wpack', POLICY.denied);
    assert.equal(run.code, 1, run.stderr);
    const result = parseJson<VerifyJson>(run);
    assert.equal(result.verified, false);
    assert.equal(result.enforced, true);
    assert.equal(result.digest, goodDigest);
    assert.equal(result.name, 'acme:app');
    assert.equal(result.version, '1.2.0');
    assert.equal(result.signers.length, 1);
    assert.ok(result.findings.length >= GATE_STEPS.length);
    for (const f of result.findings) {
      assert.ok(f.code in GATE_FINDING_CODES, f.code);
      assert.ok(['error', 'warning', 'info'].includes(f.severity), f.severity);
      assert.equal(f.step, GATE_FINDING_CODES[f.code].step, `${f.code} belongs to step ${f.step}`);
      assert.equal(typeof f.message, 'string');
      assert.ok(f.message.length > 0);
    }
    const problems = notInfo(result.findings).map((f) => [f.severity, f.code]);
    assert.deepEqual(problems, [
      ['warning', 'IMPORT_VERSION_NEWER'],
      ['error', 'CAPABILITY_DENIED'],
    ]);

    const passed = parseJson<VerifyJson>(await jsonReport('good.wpack', POLICY.pass));
    assert.equal(passed.verified, true);
    assert.equal(passed.enforced, true);
    assert.deepEqual(notInfo(passed.findings), []);
  });

  void test('--format json prints the same JSON as --json', async () => {
    const [flag, format] = await Promise.all([
      jsonReport('good.wpack', POLICY.denied),
      wpack(['verify', 'good.wpack', '--policy', POLICY.denied, '--format', 'json'], work.dir),
    ]);
    assert.equal(format.code, 1, format.stderr);
    assert.deepEqual(parseJson<VerifyJson>(format), parseJson<VerifyJson>(flag));
  });

  void test('--format sarif: SARIF 2.1.0, one result per error or warning, every rule id defined', async () => {
    const [run, json] = await Promise.all([
      wpack(['verify', 'percent.wpack', '--policy', POLICY.denied, '--format', 'sarif'], work.dir),
      jsonReport('percent.wpack', POLICY.denied),
    ]);
    assert.equal(run.code, 1, run.stderr);
    const findings = parseJson<VerifyJson>(json).findings;
    const sarif = parseJson<Sarif>(run);
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs.length, 1);
    const driver = sarif.runs[0]?.tool.driver;
    assert.equal(driver?.name, 'wpack');
    const ruleIds = new Set((driver?.rules ?? []).map((r) => r.id));
    const results = sarif.runs[0]?.results ?? [];
    assert.equal(results.length, count(findings, 'error') + count(findings, 'warning'));
    assert.equal(results.filter((r) => r.level === 'error').length, count(findings, 'error'));
    assert.equal(results.filter((r) => r.level === 'warning').length, count(findings, 'warning'));
    for (const r of results) {
      assert.ok(ruleIds.has(r.ruleId), `rule ${r.ruleId} is defined in driver.rules`);
      assert.ok(['error', 'warning'].includes(r.level), r.level);
      assert.ok(r.message.text.length > 0);
      const uri = r.locations?.[0]?.physicalLocation?.artifactLocation?.uri;
      assert.equal(typeof uri, 'string', `result ${r.ruleId} has a location`);
      assert.ok((uri ?? '').length > 0);
    }
    assert.deepEqual(
      [...new Set(results.map((r) => r.ruleId))].sort(),
      [...new Set(notInfo(findings).map((f) => f.code))].sort(),
    );
  });

  void test('--output writes the formatted report to the file; stdout gets the text report', async () => {
    const run = await wpack(['verify', 'good.wpack', '--policy', POLICY.denied, '--format', 'sarif', '--output', 'report.sarif'], work.dir);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^DENIED\b/);
    assert.ok(run.stdout.includes('[capabilities] CAPABILITY_DENIED'));
    const sarif = JSON.parse(await readFile(join(work.dir, 'report.sarif'), 'utf8')) as Sarif;
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs[0]?.results?.length, 2);

    const asJson = await wpack(['verify', 'good.wpack', '--policy', POLICY.pass, '--format', 'json', '--output', 'report.json'], work.dir);
    assert.equal(asJson.code, 0, asJson.stderr);
    assert.match(asJson.stdout, /^VERIFIED\b/);
    const written = JSON.parse(await readFile(join(work.dir, 'report.json'), 'utf8')) as VerifyJson;
    assert.equal(written.verified, true);
    assert.equal(written.digest, goodDigest);
  });

  void test('--sarif-output writes SARIF too, in the same run as --format json --output and the text report', async () => {
    const run = await wpack(['verify', 'good.wpack', '--policy', POLICY.denied, '--format', 'json', '--output', 'both.json', '--sarif-output', 'both.sarif'], work.dir);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^DENIED\b/);
    const written = JSON.parse(await readFile(join(work.dir, 'both.json'), 'utf8')) as VerifyJson;
    const sarif = JSON.parse(await readFile(join(work.dir, 'both.sarif'), 'utf8')) as Sarif;
    assert.equal(written.verified, false);
    assert.deepEqual(
      sarif.runs[0]?.results?.map((r) => r.ruleId),
      notInfo(written.findings).map((f) => f.code),
    );

    // With --json on stdout and no --format: the SARIF file and the JSON verdict, nothing else.
    const json = await wpack(['verify', 'good.wpack', '--policy', POLICY.pass, '--json', '--sarif-output', 'pass.sarif'], work.dir);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(parseJson<VerifyJson>(json).verified, true);
    const passed = JSON.parse(await readFile(join(work.dir, 'pass.sarif'), 'utf8')) as Sarif;
    assert.equal(passed.version, '2.1.0');
    assert.deepEqual(passed.runs[0]?.results, []);
  });

  void test('GITHUB_ACTIONS=true: one ::error per error and ::warning per warning, %, CR, LF and property characters escaped', async () => {
    const [run, json, plain] = await Promise.all([
      wpack(['verify', 'percent.wpack', '--policy', POLICY.oddName], work.dir, { GITHUB_ACTIONS: 'true' }),
      jsonReport('percent.wpack', POLICY.oddName),
      wpack(['verify', 'percent.wpack', '--policy', POLICY.oddName], work.dir),
    ]);
    assert.equal(run.code, 1, run.stderr);
    const findings = parseJson<VerifyJson>(json).findings;
    assert.ok(findings.some((f) => f.severity === 'error' && f.message.includes('%')), 'a finding message holds a %');
    assert.ok(findings.some((f) => f.severity === 'warning' && f.message.includes('%')), 'a warning message holds a %');
    const lines = annotations(run.stdout);
    assert.equal(lines.filter((l) => l.startsWith('::error ')).length, count(findings, 'error'));
    assert.equal(lines.filter((l) => l.startsWith('::warning ')).length, count(findings, 'warning'));
    for (const line of lines) {
      const m = /^::(error|warning) ([^:]*)::(.*)$/.exec(line);
      assert.ok(m, `workflow command format: ${line}`);
      const [, , props = '', data = ''] = m;
      const title = /(?:^|,)title=([^,]*)/.exec(props)?.[1];
      assert.match(title ?? '', /^wpack (integrity|signatures|world|capabilities|limits)%3A [A-Z_]+$/, `title of ${line}`);
      assert.match(props, /(?:^|,)file=policies\/po%2Cli%3Acy\.json(?:,|$)/, `file of ${line}`);
      assert.doesNotMatch(data, /%(?!25|0D|0A)/, `a bare % in ${line}`);
      assert.doesNotMatch(line, /\r/);
    }
    const percentLines = lines.filter((l) => l.includes('/data/100%25'));
    assert.ok(percentLines.some((l) => l.startsWith('::error ')), 'the not-granted error names the capability, % escaped');
    assert.ok(percentLines.some((l) => l.startsWith('::warning ')), 'the unused warning names the capability, % escaped');
    // Annotations sit beside the human report, not instead of it, and each is one line:
    // without them stdout is exactly the report printed outside GitHub Actions.
    assert.match(run.stdout, /^DENIED\b/);
    assert.deepEqual(
      run.stdout.split('\n').filter((l) => !l.startsWith('::')),
      plain.stdout.split('\n'),
    );
  });

  void test('GITHUB_ACTIONS=true with machine output on stdout: annotations go to stderr and stdout stays parseable', async () => {
    const [json, sarif] = await Promise.all([
      wpack(['verify', 'good.wpack', '--policy', POLICY.denied, '--json'], work.dir, { GITHUB_ACTIONS: 'true' }),
      wpack(['verify', 'good.wpack', '--policy', POLICY.denied, '--format', 'sarif'], work.dir, { GITHUB_ACTIONS: 'true' }),
    ]);
    assert.equal(sarif.code, 1);
    assert.equal(parseJson<Sarif>(sarif).version, '2.1.0');
    assert.equal(annotations(sarif.stdout).length, 0);
    assert.deepEqual(
      annotations(sarif.stderr).map((l) => l.slice(0, l.indexOf(' '))),
      ['::warning', '::error'],
    );
    assert.equal(json.code, 1);
    const result = parseJson<VerifyJson>(json);
    assert.equal(annotations(json.stdout).length, 0);
    assert.equal(annotations(json.stderr).length, notInfo(result.findings).length, `--json drops the annotations; stderr was: ${JSON.stringify(json.stderr)}`);
  });
});

void describe('wpack verify --policy: exit codes', () => {
  void test('0 when it passes, 1 when denied, 0 when denied under mode warn', async () => {
    const [pass, denied, warn, warnText] = await Promise.all([
      once(['verify', 'good.wpack', '--policy', POLICY.pass]),
      once(['verify', 'good.wpack', '--policy', POLICY.denied]),
      wpack(['verify', 'good.wpack', '--policy', POLICY.warn, '--json'], work.dir),
      wpack(['verify', 'good.wpack', '--policy', POLICY.warn], work.dir, { GITHUB_ACTIONS: 'true' }),
    ]);
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    assert.equal(denied.code, 1, denied.stderr);
    assert.equal(warn.code, 0, warn.stderr);
    const result = parseJson<VerifyJson>(warn);
    assert.equal(result.verified, false);
    assert.equal(result.enforced, false);
    assert.ok(result.findings.some((f) => f.code === 'CAPABILITY_DENIED' && f.severity === 'error'));
    assert.equal(warnText.code, 0, warnText.stderr);
    assert.match(warnText.stdout, /^DENIED\b/);
    // Every finding is still annotated, but nothing fails the workflow in warn mode.
    const lines = annotations(warnText.stdout);
    assert.equal(lines.length, notInfo(result.findings).length);
    assert.ok(lines.every((l) => l.startsWith('::warning ')), lines.join('\n'));
  });

  void test('2 for a bad policy, one stderr line per problem with its JSON pointer; nothing on stdout', async () => {
    const [run, json] = await Promise.all([wpack(['verify', 'good.wpack', '--policy', POLICY.bad], work.dir), wpack(['verify', 'good.wpack', '--policy', POLICY.bad, '--json'], work.dir)]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    const problemLines = run.stderr.split('\n').filter((l) => /^ {2}\//.test(l));
    assert.deepEqual(problemLines.map((l) => l.trim().slice(0, l.trim().indexOf(':'))).sort(), ['/capabilities/allow/1', '/host/worlds/1', '/signatures/signers/0/key']);
    assert.equal(json.code, 2);
    const err = parseJson<{ error: { code: string; exitCode: number } }>(json);
    assert.equal(err.error.code, 'POLICY_INVALID');
    assert.equal(err.error.exitCode, 2);
  });

  void test('2 for a policy file that does not exist', async () => {
    const run = await wpack(['verify', 'good.wpack', '--policy', 'policies/none.json', '--json'], work.dir);
    assert.equal(run.code, 2);
  });

  void test('2 for --policy together with --key (usage)', async () => {
    const run = await wpack(['verify', 'good.wpack', '--policy', POLICY.pass, '--key', 'keys/release.pub'], work.dir);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
  });

  void test('2 for a bundle file that does not exist (absolute path), without touching the network', async () => {
    const run = await wpack(['verify', join(work.dir, 'missing.wpack'), '--policy', POLICY.pass], work.dir, NO_NETWORK_ENV);
    assert.equal(run.code, 2, run.stderr);
    assert.ok(!run.stderr.includes(REFUSED_MARK), run.stderr);
  });

  void test('2 for a bundle file that does not exist (./relative path), without touching the network', async () => {
    const run = await wpack(['verify', './missing.wpack', '--policy', POLICY.pass], work.dir, NO_NETWORK_ENV);
    assert.ok(!run.stderr.includes(REFUSED_MARK), `a ./path is not a registry reference, yet a DNS lookup was attempted:\n${run.stderr}`);
    assert.equal(run.code, 2, run.stderr);
  });
});

void describe('wpack extract --policy', () => {
  void test('denied: exit 1 and the target directory is never created', async () => {
    const [run, json] = await Promise.all([
      wpack(['extract', 'good.wpack', 'out-denied', '--policy', POLICY.denied], work.dir),
      wpack(['extract', 'good.wpack', 'out-denied-json', '--policy', POLICY.denied, '--json'], work.dir),
    ]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^DENIED\b/);
    assert.equal(await exists(join(work.dir, 'out-denied')), false);
    assert.equal(json.code, 1);
    assert.equal(parseJson<{ error: { code: string; exitCode: number } }>(json).error.exitCode, 1);
    assert.equal(await exists(join(work.dir, 'out-denied-json')), false);
    assert.ok(!(await readdir(work.dir)).some((n) => n.startsWith('out-denied')), 'no temporary directory is left beside the target');
  });

  void test('denied with --force: an existing target is left untouched', async () => {
    const target = join(work.dir, 'keep');
    await mkdir(target);
    await writeFile(join(target, 'mine.txt'), 'precious');
    const run = await wpack(['extract', 'good.wpack', 'keep', '--force', '--policy', POLICY.denied], work.dir);
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(await readdir(target), ['mine.txt']);
    assert.equal(await readFile(join(target, 'mine.txt'), 'utf8'), 'precious');
  });

  void test('passing: the files are extracted, exit 0, and --json carries the verification', async () => {
    const run = await wpack(['extract', 'good.wpack', 'out-ok', '--policy', POLICY.pass, '--json'], work.dir);
    assert.equal(run.code, 0, run.stderr);
    const result = parseJson<{ directory: string; digest: string; files: string[]; verification?: VerifyJson }>(run);
    assert.equal(result.directory, join(work.dir, 'out-ok'));
    assert.equal(result.digest, goodDigest);
    assert.equal(result.verification?.verified, true);
    assert.equal(result.verification?.enforced, true);
    assert.equal(result.verification?.digest, goodDigest);
    assert.ok((result.verification?.findings.length ?? 0) > 0);
    assert.deepEqual([...result.files].sort(), ['component.wasm', 'signatures/1.sigstore.json', 'wpack.json']);
    const top = (await readdir(join(work.dir, 'out-ok'))).sort();
    assert.ok(top.includes('component.wasm') && top.includes('wpack.json'), top.join(', '));
    const wasm = await readFile(join(work.dir, 'out-ok', 'component.wasm'));
    assert.equal(wasm.subarray(0, 4).toString('hex'), '0061736d');
  });
});

void describe('wpack policy init', () => {
  let dir: string;
  /** The hint of the key `wpack keygen` wrote. */
  let hint: string;
  /** What `policy init` allows for wasi:http/proxy: everything it imports that needs no narrowing. */
  const GENERATED_ALLOW = ['clock:monotonic', 'clock:wall', 'random:secure', 'stdio:stdout', 'stdio:stderr', 'stdio:stdin', 'http:inbound'];
  const NARROWED = 'http:outbound:https://api.acme.com';

  before(async () => {
    dir = join(work.dir, 'init');
    await mkdir(dir);
    const keygen = await wpack(['keygen', '-o', 'release'], dir);
    assert.equal(keygen.code, 0, keygen.stderr);
    hint = keyHint(loadPublicKey(await readFile(join(dir, 'release.pub'))));
    // One bundle declaring only what the generated policy allows, one also declaring a narrowed outbound host.
    await makeProject(join(dir, 'plain'), { fixture: 'http-proxy', capabilities: GENERATED_ALLOW });
    await makeProject(join(dir, 'outbound'), { fixture: 'http-proxy', capabilities: [...GENERATED_ALLOW, NARROWED] });
    await createBundle(join(dir, 'plain'), join(dir, 'plain.wpack'));
    await createBundle(join(dir, 'outbound'), join(dir, 'outbound.wpack'));
    const signed = await Promise.all(['plain.wpack', 'outbound.wpack'].map((f) => wpack(['sign', f, '--key', 'release.key'], dir)));
    for (const s of signed) assert.equal(s.code, 0, s.stderr);
  });

  void test('the written policy loads, and a bundle signed by its key passes once the host narrows outbound HTTP', async () => {
    const init = await wpack(['policy', 'init', '--world', 'wasi:http/proxy@0.2.3', '--key', 'release.pub', '-o', 'p.json'], dir);
    assert.equal(init.code, 0, init.stderr);
    const policy = await loadPolicy(join(dir, 'p.json'));
    assert.deepEqual(policy.host.worlds, [{ name: 'wasi:http/proxy', version: '0.2.3' }]);
    assert.deepEqual(
      policy.signatures.keys.map((k) => k.hint),
      [hint],
    );
    assert.equal(policy.mode, 'enforce');
    assert.deepEqual(policy.allow.map((a) => a.text).sort(), [...GENERATED_ALLOW].sort());
    assert.deepEqual(policy.deny, []);

    // As generated: everything but the outgoing-handler import (left to narrow, deny by default) passes.
    const asIs = await wpack(['verify', 'plain.wpack', '--policy', 'p.json', '--json'], dir);
    assert.equal(asIs.code, 1, asIs.stderr);
    const report = parseJson<VerifyJson>(asIs);
    assert.ok(report.findings.some((f) => f.code === 'SIGNATURE_VERIFIED'));
    assert.ok(report.findings.some((f) => f.code === 'WORLD_COMPATIBLE'));
    assert.deepEqual(
      report.findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.subject]),
      [['CAPABILITY_UNDECLARED', 'wasi:http/outgoing-handler@0.2.12']],
    );

    // Narrowed as its comment says (comments kept): the bundle declaring that host passes.
    const text = await readFile(join(dir, 'p.json'), 'utf8');
    const edited = text.replace(/"http:inbound"\n/, `"http:inbound",\n      ${JSON.stringify(NARROWED)}\n`);
    assert.notEqual(edited, text);
    await writeFile(join(dir, 'p-narrowed.json'), edited);
    const passed = await wpack(['verify', 'outbound.wpack', '--policy', 'p-narrowed.json'], dir);
    assert.equal(passed.code, 0, passed.stdout + passed.stderr);
    assert.match(passed.stdout, /^VERIFIED\b/);
  });

  void test('refuses to overwrite an existing file without --force (exit 2)', async () => {
    await writeFile(join(dir, 'taken.json'), 'mine');
    const refused = await wpack(['policy', 'init', '--world', 'wasi:http/proxy@0.2.3', '--key', 'release.pub', '-o', 'taken.json'], dir);
    assert.equal(refused.code, 2);
    assert.equal(await readFile(join(dir, 'taken.json'), 'utf8'), 'mine');
    const forced = await wpack(['policy', 'init', '--world', 'wasi:http/proxy@0.2.3', '--key', 'release.pub', '-o', 'taken.json', '--force'], dir);
    assert.equal(forced.code, 0, forced.stderr);
    await loadPolicy(join(dir, 'taken.json'));
  });

  void test('an unknown world exits 2 and writes nothing', async () => {
    const runs = await Promise.all(
      ['wasi:foo/bar@0.2.0', 'wasi:foo/bar', 'nonsense'].map((w, i) => wpack(['policy', 'init', '--world', w, '--key', 'release.pub', '-o', `unknown-${String(i)}.json`], dir)),
    );
    for (const [i, run] of runs.entries()) {
      assert.equal(run.code, 2, `world #${String(i)}: ${run.stderr}`);
      assert.equal(await exists(join(dir, `unknown-${String(i)}.json`)), false);
    }
  });

  void test('a world at a version wpack does not know exits 2 rather than writing a policy verify rejects', async () => {
    const run = await wpack(['policy', 'init', '--world', 'wasi:cli/command@0.3.0', '--key', 'release.pub', '-o', 'v030.json'], dir);
    const written = await exists(join(dir, 'v030.json'));
    const loads = written ? await loadPolicy(join(dir, 'v030.json')).then(() => 'loads', (err: unknown) => `does not load: ${(err as Error).message}`) : 'not written';
    assert.equal(run.code, 2, `exit ${String(run.code)}; the written policy ${loads}`);
    assert.equal(written, false);
  });

  void test('several --world values are unioned', async () => {
    const [union, proxy, command] = await Promise.all([
      wpack(['policy', 'init', '--world', 'wasi:http/proxy@0.2.3', '--world', 'wasi:cli/command@0.2.3', '--key', 'release.pub', '-o', 'union.json', '--json'], dir),
      wpack(['policy', 'init', '--world', 'wasi:http/proxy@0.2.3', '--key', 'release.pub', '-o', 'only-proxy.json', '--json'], dir),
      wpack(['policy', 'init', '--world', 'wasi:cli/command@0.2.3', '--key', 'release.pub', '-o', 'only-command.json', '--json'], dir),
    ]);
    for (const r of [union, proxy, command]) assert.equal(r.code, 0, r.stderr);
    const result = parseJson<{ path: string; worlds: string[]; allow: string[] }>(union);
    assert.equal(result.path, join(dir, 'union.json'));
    assert.deepEqual(result.worlds, ['wasi:http/proxy@0.2.3', 'wasi:cli/command@0.2.3']);
    const expected = new Set([...parseJson<{ allow: string[] }>(proxy).allow, ...parseJson<{ allow: string[] }>(command).allow]);
    assert.deepEqual([...result.allow].sort(), [...expected].sort());
    assert.equal(new Set(result.allow).size, result.allow.length, 'no capability twice');
    assert.ok(result.allow.includes('http:inbound') && result.allow.includes('exit'), result.allow.join(', '));
    const policy = await loadPolicy(join(dir, 'union.json'));
    assert.deepEqual(policy.host.worlds, [
      { name: 'wasi:http/proxy', version: '0.2.3' },
      { name: 'wasi:cli/command', version: '0.2.3' },
    ]);
    assert.deepEqual(policy.allow.map((a) => a.text).sort(), [...expected].sort());
  });

  void test('without a signer it is a usage error (exit 2) and writes nothing', async () => {
    // Deny by default: a policy naming no signer could never pass a bundle.
    const run = await wpack(['policy', 'init', '--world', 'wasi:http/proxy@0.2.3', '-o', 'unsigned.json', '--json'], dir);
    const out = JSON.parse(run.stdout || '{}') as { error?: { code: string } };
    assert.equal(run.code, 2, run.stdout);
    assert.equal(out.error?.code, 'SIGNER_REQUIRED');
    assert.equal(await exists(join(dir, 'unsigned.json')), false);
  });
});
