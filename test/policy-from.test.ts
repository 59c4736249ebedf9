// `wpack policy init --from <bundle>`: the policy under which that bundle
// passes the gate (DESIGN §6-7), and a --world without a version. Real
// components (test/fixtures), real bundles made and signed by the CLI, real
// subprocesses; keyless signatures against the local Sigstore mock. The
// acceptance check for every drafted policy is the gate itself:
// `wpack verify <bundle> --policy <it> --json` exits 0 with neither errors nor
// warnings.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPolicy, type GateFinding } from '@wpack/verifier';
import { keyHint, loadPublicKey } from '@wpack/signatures';
import { buildFixtures, type FixtureName } from './fixtures/build.js';
import { runWpack, type RunResult } from './helpers/cli.js';
import { startSigstoreMock, type SigstoreMock } from './helpers/sigstore-mock.js';
import { tempDir } from './helpers/tmp.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const WORKFLOW = 'https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/v0.1.0';

interface InitJson {
  path: string;
  worlds: string[];
  provides: string[];
  allow: string[];
  signers: unknown[];
  from?: { source: string; name: string; version: string; digest: string };
  warnings?: string[];
}

let work: { dir: string; cleanup: () => Promise<void> };
let mock: SigstoreMock;
/** Hints of release.pub and other.pub. */
let releaseHint: string;
let otherHint: string;

const wpack = (args: string[]): Promise<RunResult> => runWpack(args, { cwd: work.dir, env: { GITHUB_ACTIONS: 'false' } });
const at = (...parts: string[]): string => join(work.dir, ...parts);

function ok(run: RunResult, what: string): RunResult {
  assert.equal(run.code, 0, `${what}: exit ${String(run.code)}\n${run.stdout}\n${run.stderr}`);
  return run;
}

/**
 * A bundle of a fixture component with the manifest `wpack init` proposes
 * (placeholders and all), `edit` applied to it before bundling.
 */
async function bundleOf(fixture: FixtureName, name: string, edit: (m: Record<string, unknown>) => void = () => undefined): Promise<string> {
  const dir = at(name);
  await mkdir(dir);
  await copyFile((await buildFixtures())[fixture], join(dir, 'app.wasm'));
  ok(await wpack(['init', join(dir, 'app.wasm'), '--dir', dir, '--name', `local:${name}`, '--version', '0.1.0']), `init ${name}`);
  const manifest = JSON.parse(await readFile(join(dir, 'wpack.json'), 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await writeFile(join(dir, 'wpack.json'), JSON.stringify(manifest, null, 2));
  ok(await wpack(['bundle', dir, '-o', `${name}.wpack`]), `bundle ${name}`);
  return `${name}.wpack`;
}

async function keySigned(fixture: FixtureName, name: string, edit?: (m: Record<string, unknown>) => void): Promise<string> {
  const file = await bundleOf(fixture, name, edit);
  ok(await wpack(['sign', file, '--key', 'release.key']), `sign ${name}`);
  return file;
}

/** The gate's --json findings of a bundle under a policy, which must pass it. */
async function passes(bundle: string, policy: string): Promise<GateFinding[]> {
  const run = await wpack(['verify', bundle, '--policy', policy, '--json']);
  const report = JSON.parse(run.stdout) as { verified: boolean; findings: GateFinding[] };
  const problems = report.findings.filter((f) => f.severity !== 'info');
  assert.deepEqual(
    problems.map((f) => `${f.severity} ${f.code}: ${f.message}`),
    [],
    `${bundle} under ${policy}`,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(report.verified, true);
  return report.findings;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

before(async () => {
  work = await tempDir('wpack-policy-from-');
  mock = await startSigstoreMock();
  ok(await wpack(['keygen', '-o', 'release']), 'keygen release');
  ok(await wpack(['keygen', '-o', 'other']), 'keygen other');
  releaseHint = keyHint(loadPublicKey(await readFile(at('release.pub'))));
  otherHint = keyHint(loadPublicKey(await readFile(at('other.pub'))));
});

after(async () => {
  await mock.close();
  await work.cleanup();
});

void describe('wpack policy init --from a key-signed bundle', () => {
  let hello: string;
  before(async () => {
    hello = await keySigned('cli-command', 'hello');
  });

  void test('with --key: the policy names the world, exactly the declared capabilities and the key, and the gate passes with no warning', async () => {
    const run = ok(await wpack(['policy', 'init', '--from', hello, '--key', 'release.pub', '-o', 'hello-policy.json']), 'policy init');
    assert.equal(run.stderr, '');
    assert.equal(run.stdout.trim(), `wrote hello-policy.json for local:hello@0.1.0 (wasi:cli/command@0.2.12): 13 capabilities allowed, signed by key ${releaseHint}`);

    const findings = await passes(hello, 'hello-policy.json');
    assert.ok(findings.some((f) => f.code === 'SIGNATURE_VERIFIED'));
    const policy = await loadPolicy(at('hello-policy.json'));
    assert.deepEqual(policy.host.worlds, [{ name: 'wasi:cli/command', version: '0.2.12' }]);
    assert.deepEqual(policy.host.provides, []);
    assert.deepEqual(policy.signatures.keys.map((k) => k.hint), [releaseHint]);
    assert.deepEqual(policy.signatures.identities, []);
    const declared = (JSON.parse(await readFile(at('hello', 'wpack.json'), 'utf8')) as { capabilities: string[] }).capabilities;
    assert.deepEqual(policy.allow.map((a) => a.text), [...declared].sort());
    assert.deepEqual(policy.deny, []);
  });

  void test('each glob or placeholder capability has a narrowing comment beside it, the rest none', async () => {
    ok(await wpack(['policy', 'init', '--from', hello, '--key', 'release.pub', '-o', 'notes.json']), 'policy init');
    const text = await readFile(at('notes.json'), 'utf8');
    const allowLines = text.slice(text.indexOf('"allow": ['), text.indexOf('"deny"')).split('\n').slice(1, -2);
    const noted = allowLines.filter((l) => l.includes('//')).map((l) => /^\s*"([^"]+)"/.exec(l)?.[1]);
    // wpack init proposed these three as placeholders to narrow (env:APP_*, /data, any host on 443).
    assert.deepEqual(noted, ['env:APP_*', 'filesystem:read:/data', 'network:outbound:*:443']);
    for (const line of allowLines.filter((l) => l.includes('//'))) assert.match(line, /\/\/ narrow: replace .+ \(here and in the bundle's wpack\.json\)$/);
    assert.ok(allowLines.some((l) => /^\s*"exit",$/.test(l)), allowLines.join('\n'));
  });

  void test('a glob that is no placeholder is commented too', async () => {
    const file = await keySigned('cli-command', 'glob', (m) => {
      m.capabilities = (m.capabilities as string[]).map((c) => (c === 'env:APP_*' ? 'env:HELLO_*' : c));
    });
    ok(await wpack(['policy', 'init', '--from', file, '--key', 'release.pub', '-o', 'glob.json']), 'policy init');
    assert.match(await readFile(at('glob.json'), 'utf8'), /^\s*"env:HELLO_\*",\s+\/\/ a glob, granting all it matches: narrow it to what the host grants/m);
    await passes(file, 'glob.json');
  });

  void test('without --key: exit 2, one line naming the key hint, nothing written', async () => {
    const run = await wpack(['policy', 'init', '--from', hello, '-o', 'nokey.json']);
    assert.equal(run.code, 2, run.stdout);
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.ok(lines[0]?.includes(releaseHint) && lines[0].includes('--key'), run.stderr);
    assert.equal(await exists(at('nokey.json')), false);
    const json = await wpack(['policy', 'init', '--from', hello, '-o', 'nokey.json', '--json']);
    assert.equal(json.code, 2);
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'SIGNER_REQUIRED');
  });

  void test('--key of a key that did not sign it: written as asked, with a one-line warning naming both keys; the gate then denies it', async () => {
    const run = ok(await wpack(['policy', 'init', '--from', hello, '--key', 'other.pub', '-o', 'other.json']), 'policy init');
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0] ?? '', /^warning: /);
    assert.ok(lines[0]?.includes(otherHint) && lines[0].includes(releaseHint), run.stderr);
    assert.match(run.stdout, /trusting key /);
    const json = ok(await wpack(['policy', 'init', '--from', hello, '--key', 'other.pub', '-o', 'other.json', '--force', '--json']), 'policy init --json');
    assert.equal((JSON.parse(json.stdout) as InitJson).warnings?.length, 1);

    const verify = await wpack(['verify', hello, '--policy', 'other.json', '--json']);
    assert.equal(verify.code, 1);
    const codes = (JSON.parse(verify.stdout) as { findings: GateFinding[] }).findings.filter((f) => f.severity === 'error').map((f) => f.code);
    assert.ok(codes.includes('UNTRUSTED_KEY'), codes.join(' '));
  });

  void test('--json: what was written, and the bundle it was drafted from', async () => {
    const run = ok(await wpack(['policy', 'init', '--from', hello, '--key', 'release.pub', '-o', 'json.json', '--json']), 'policy init --json');
    const result = JSON.parse(run.stdout) as InitJson;
    assert.equal(result.path, at('json.json'));
    assert.deepEqual(result.worlds, ['wasi:cli/command@0.2.12']);
    assert.deepEqual(result.signers, [{ key: 'release.pub' }]);
    assert.equal(result.from?.name, 'local:hello');
    assert.match(result.from?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(result.warnings, undefined);
  });

  void test('--key names the key as the policy does, relative to the policy file', async () => {
    await mkdir(at('policies'));
    const wrong = await wpack(['policy', 'init', '--from', hello, '--key', 'release.pub', '-o', 'policies/nested.json', '--json']);
    assert.equal(wrong.code, 2, wrong.stdout);
    assert.equal((JSON.parse(wrong.stdout) as { error: { code: string } }).error.code, 'KEY_INVALID');
    ok(await wpack(['policy', 'init', '--from', hello, '--key', '../release.pub', '-o', 'policies/nested.json']), 'policy init');
    assert.deepEqual((await loadPolicy(at('policies', 'nested.json'))).signatures.keys.map((k) => k.source), ['../release.pub']);
    await passes(hello, 'policies/nested.json');
  });
});

void describe('wpack policy init --from: worlds', () => {
  void test('no world in the manifest: inferred from the exports (wasi:http/proxy, wasi:cli/command), or wasi:cli/imports for a library', async () => {
    const noWorld = (m: Record<string, unknown>): void => {
      delete m.world;
    };
    const cases = [
      { fixture: 'http-proxy', name: 'proxy', world: 'wasi:http/proxy@0.2.12' },
      { fixture: 'cli-command', name: 'command', world: 'wasi:cli/command@0.2.12' },
      // componentize-qjs: exports plain functions, imports WASI.
      { fixture: 'js-qjs', name: 'library', world: 'wasi:cli/imports@0.2.12' },
    ] as const;
    for (const c of cases) {
      const file = await keySigned(c.fixture, c.name, noWorld);
      const run = ok(await wpack(['policy', 'init', '--from', file, '--key', 'release.pub', '-o', `${c.name}.json`, '--json']), c.name);
      assert.deepEqual((JSON.parse(run.stdout) as InitJson).worlds, [c.world], c.name);
      await passes(file, `${c.name}.json`);
    }
  });

  void test("the manifest's world at an older version is raised to the version the component imports", async () => {
    const file = await keySigned('cli-command', 'older', (m) => {
      m.world = 'wasi:cli/command@0.2.3';
    });
    ok(await wpack(['policy', 'init', '--from', file, '--key', 'release.pub', '-o', 'older.json']), 'policy init');
    assert.deepEqual((await loadPolicy(at('older.json'))).host.worlds, [{ name: 'wasi:cli/command', version: '0.2.12' }]);
    const findings = await passes(file, 'older.json');
    assert.ok(!findings.some((f) => f.code === 'IMPORT_VERSION_NEWER'));
  });

  void test('imports its world lacks are covered by the fewest more worlds', async () => {
    // The sockets fixture also imports wasi:filesystem/preopens, which wasi:sockets/imports lacks.
    const file = await keySigned('sockets', 'sockets', (m) => {
      m.world = 'wasi:sockets/imports@0.2.12';
    });
    const run = ok(await wpack(['policy', 'init', '--from', file, '--key', 'release.pub', '-o', 'sockets.json', '--json']), 'policy init');
    assert.deepEqual((JSON.parse(run.stdout) as InitJson).worlds, ['wasi:sockets/imports@0.2.12', 'wasi:filesystem/imports@0.2.12']);
    await passes(file, 'sockets.json');
  });

  void test('a non-WASI import goes to host.provides, with a comment that the host must really provide it', async () => {
    const file = await keySigned('kv-custom', 'kv');
    const run = ok(await wpack(['policy', 'init', '--from', file, '--key', 'release.pub', '-o', 'kv.json', '--json']), 'policy init');
    const result = JSON.parse(run.stdout) as InitJson;
    assert.deepEqual(result.provides, ['acme:kv/store@1.0.0']);
    assert.deepEqual(result.worlds, ['wasi:cli/command@0.2.12']);
    assert.ok(result.allow.includes('import:acme:kv/store'), result.allow.join(', '));
    assert.match(await readFile(at('kv.json'), 'utf8'), /^\s*"acme:kv\/store@1\.0\.0"\s+\/\/ .*the host really provides it/m);
    // No host WIT is written (it must come from the host, not from the component): checked by name and version track.
    await passes(file, 'kv.json');
  });

  void test('--world replaces the inferred worlds; without a version it takes the one the component imports', async () => {
    const file = await keySigned('cli-command', 'given');
    const run = ok(await wpack(['policy', 'init', '--from', file, '--key', 'release.pub', '--world', 'wasi:cli/command', '--world', 'wasi:http/proxy@0.2.12', '-o', 'given.json', '--json']), 'policy init');
    assert.deepEqual((JSON.parse(run.stdout) as InitJson).worlds, ['wasi:cli/command@0.2.12', 'wasi:http/proxy@0.2.12']);
    await passes(file, 'given.json');
  });
});

void describe('wpack policy init --from a keyless-signed bundle', () => {
  void test('the identity of its certificate, exactly; the gate passes against the given trusted root', async () => {
    const file = await bundleOf('http-proxy', 'keyless');
    const token = await mock.identityToken({ iss: ISSUER, sub: WORKFLOW });
    ok(await wpack(['sign', file, '--identity-token', token, '--fulcio-url', mock.fulcioURL, '--rekor-url', mock.rekorURL]), 'sign keyless');
    await writeFile(at('trusted_root.json'), JSON.stringify(mock.trustedRoot));

    const run = ok(await wpack(['policy', 'init', '--from', file, '--trusted-root', 'trusted_root.json', '-o', 'keyless.json', '--json']), 'policy init');
    assert.deepEqual((JSON.parse(run.stdout) as InitJson).signers, [{ keyless: { issuer: ISSUER, subject: WORKFLOW } }]);
    const policy = await loadPolicy(at('keyless.json'));
    assert.deepEqual(policy.signatures.identities, [{ issuer: ISSUER, subject: { kind: 'exact', value: WORKFLOW } }]);
    assert.equal(policy.signatures.requireTlog, true);
    const findings = await passes(file, 'keyless.json');
    assert.ok(findings.some((f) => f.code === 'SIGNATURE_VERIFIED'));

    // Without the mock's trusted root the public-good one is used, which does not vouch for it.
    ok(await wpack(['policy', 'init', '--from', file, '-o', 'public-good.json']), 'policy init');
    assert.equal((await wpack(['verify', file, '--policy', 'public-good.json'])).code, 1);
  });

  void test('--keyless-issuer/--keyless-subject win over the identity in the bundle', async () => {
    const file = await bundleOf('http-proxy', 'keyless-given');
    const token = await mock.identityToken({ iss: ISSUER, sub: WORKFLOW });
    ok(await wpack(['sign', file, '--identity-token', token, '--fulcio-url', mock.fulcioURL, '--rekor-url', mock.rekorURL]), 'sign keyless');
    const subject = 'https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/v*';
    const run = ok(await wpack(['policy', 'init', '--from', file, '--keyless-issuer', ISSUER, '--keyless-subject', subject, '--trusted-root', 'trusted_root.json', '-o', 'keyless-given.json', '--json']), 'policy init');
    assert.deepEqual((JSON.parse(run.stdout) as InitJson).signers, [{ keyless: { issuer: ISSUER, subject } }]);
    await passes(file, 'keyless-given.json');
  });
});

void describe('wpack policy init --from: refusals', () => {
  void test('an unsigned bundle without a signer flag: SIGNER_REQUIRED, exit 2', async () => {
    const file = await bundleOf('cli-command', 'unsigned');
    const run = await wpack(['policy', 'init', '--from', file, '-o', 'unsigned.json', '--json']);
    assert.equal(run.code, 2, run.stdout);
    assert.equal((JSON.parse(run.stdout) as { error: { code: string } }).error.code, 'SIGNER_REQUIRED');
    assert.equal(await exists(at('unsigned.json')), false);
  });

  void test('a file that is no bundle, or none at all: one line, exit 2, nothing written', async () => {
    await writeFile(at('not-a-bundle.wpack'), 'hello\n');
    for (const from of ['not-a-bundle.wpack', './missing.wpack']) {
      const run = await wpack(['policy', 'init', '--from', from, '--key', 'release.pub', '-o', 'refused.json']);
      assert.equal(run.code, 2, `${from}: ${run.stdout}`);
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /^wpack: /);
      assert.equal(await exists(at('refused.json')), false);
    }
  });
});

void describe('wpack policy init --world without a version', () => {
  void test(`means the newest 0.2.x wpack knows, written into the file`, async () => {
    const run = ok(await wpack(['policy', 'init', '--world', 'wasi:cli/command', '--key', 'release.pub', '-o', 'versionless.json', '--json']), 'policy init');
    assert.deepEqual((JSON.parse(run.stdout) as InitJson).worlds, ['wasi:cli/command@0.2.12']);
    assert.match(await readFile(at('versionless.json'), 'utf8'), /"wasi:cli\/command@0\.2\.12"/);
    assert.deepEqual((await loadPolicy(at('versionless.json'))).host.worlds, [{ name: 'wasi:cli/command', version: '0.2.12' }]);
  });

  void test('neither --world nor --from: a usage error', async () => {
    const run = await wpack(['policy', 'init', '--key', 'release.pub', '-o', 'neither.json']);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(await exists(at('neither.json')), false);
  });
});
