// The host policy loader (DESIGN §6), version tracks (DESIGN §10), and the
// world and capability steps of the gate called directly (DESIGN §7 steps 3-4).
// The whole gate against bundles is in gate-scenarios.test.ts; the CLI around it
// in gate-cli.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parseCapabilityPattern } from '@wpack/manifest';
import { readComponentInterface, type ComponentInterface } from '@wpack/component';
import { checkCapabilities, checkWorld, loadPolicy, parsePolicyText, PolicyValidationError, VerifierError, type GateFinding, type HostSpec, type LoadedPolicy } from '@wpack/verifier';
import { generateKeyPair } from '@wpack/signatures';
import { relateVersions, versionTrack } from '@wpack/core';
import { buildFixtures, type FixtureName } from './fixtures/build.js';
import { REPO_ROOT } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const fixtures = await buildFixtures();
const KV_WIT = join(REPO_ROOT, 'test', 'fixtures', 'wit', 'acme-kv.wit');

let work: { dir: string; cleanup: () => Promise<void> };
let keyHintOfRelease: string;
let counter = 0;

before(async () => {
  work = await tempDir('wpack-policy-');
  const pair = generateKeyPair();
  keyHintOfRelease = pair.hint;
  await writeFile(join(work.dir, 'release.pub'), pair.publicPem);
  await copyFile(KV_WIT, join(work.dir, 'host.wit'));
});

after(() => work.cleanup());

/** A policy that loads: one world, one key signer (release.pub beside it). */
function minimal(): Record<string, unknown> {
  return { version: 1, host: { worlds: ['wasi:http/proxy@0.2.3'] }, signatures: { signers: [{ key: 'release.pub' }] } };
}

/** Writes a policy (a document, or raw text) into the work directory, or into `dir` inside it. */
async function writePolicy(doc: unknown, dir = ''): Promise<string> {
  counter += 1;
  const file = join(work.dir, dir, `policy-${String(counter)}.json`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return file;
}

/** The problems loadPolicy reports for a document; fails the test when it loads. */
async function problemsOf(doc: unknown): Promise<{ path: string; message: string }[]> {
  const file = await writePolicy(doc);
  try {
    await loadPolicy(file);
  } catch (err) {
    assert.ok(err instanceof PolicyValidationError, `expected a PolicyValidationError, got ${String(err)}`);
    assert.equal(err.code, 'POLICY_INVALID');
    for (const p of err.problems) assert.ok(p.message.length > 0, `problem at ${p.path} has a message`);
    return [...err.problems];
  }
  return assert.fail(`${JSON.stringify(doc)} loaded, but should not`);
}

async function pathsOf(doc: unknown): Promise<string[]> {
  return (await problemsOf(doc)).map((p) => p.path);
}

void describe('policy loader: valid policies', () => {
  void test('a minimal policy loads with the documented defaults', async () => {
    const file = await writePolicy(minimal());
    const policy: LoadedPolicy = await loadPolicy(file);
    assert.equal(policy.source, file);
    assert.equal(policy.mode, 'enforce');
    assert.deepEqual(policy.scopes, []);
    assert.deepEqual(policy.host, { worlds: [{ name: 'wasi:http/proxy', version: '0.2.3' }], provides: [] });
    assert.deepEqual(policy.wit, []);
    assert.equal(policy.signatures.keys.length, 1);
    assert.equal(policy.signatures.keys[0]?.hint, keyHintOfRelease);
    assert.deepEqual(policy.signatures.identities, []);
    assert.equal(policy.signatures.minimum, 1);
    assert.equal(policy.signatures.requireTlog, true);
    assert.equal(policy.signatures.trustedRoot, undefined, 'key signers alone need no trusted root');
    assert.deepEqual(policy.allow, []);
    assert.deepEqual(policy.deny, []);
    assert.deepEqual(policy.limits, {});
  });

  void test('JSON with // and /* */ comments and trailing commas loads', async () => {
    const text = [
      '// a host policy',
      '{',
      '  /* the format */ "version": 1,',
      '  "mode": "warn", // roll-out',
      '  "host": { "worlds": ["wasi:http/proxy@0.2.3",], "provides": ["acme:kv/store@1.0.0",], },',
      '  "signatures": {',
      '    "signers": [ { "key": "release.pub", }, ],',
      '    /* multi',
      '       line */',
      '  },',
      '  "capabilities": { "allow": ["stdio:stdout", "env:APP_*",], "deny": ["env:APP_SECRET",], },',
      '  "limits": { "maxComponentBytes": 1000, },',
      '}',
      '',
    ].join('\n');
    const parsed = (await parsePolicyText(text, 'inline.json')) as { host: { worlds: string[] } };
    assert.deepEqual(parsed.host.worlds, ['wasi:http/proxy@0.2.3']);
    const policy = await loadPolicy(await writePolicy(text));
    assert.equal(policy.mode, 'warn');
    assert.deepEqual(policy.host.provides, ['acme:kv/store@1.0.0']);
    assert.deepEqual(
      policy.allow.map((a) => a.text),
      ['stdio:stdout', 'env:APP_*'],
    );
    assert.deepEqual(
      policy.deny.map((a) => a.text),
      ['env:APP_SECRET'],
    );
    assert.deepEqual(policy.limits, { maxComponentBytes: 1000 });
  });

  void test('a host described by provides alone (no worlds) loads', async () => {
    const policy = await loadPolicy(await writePolicy({ ...minimal(), host: { provides: ['acme:kv/store@1.0.0'] } }));
    assert.deepEqual(policy.host, { worlds: [], provides: ['acme:kv/store@1.0.0'] });
  });

  void test('relative paths resolve against the policy file, not the working directory', async () => {
    const sub = join(work.dir, 'deep', 'conf');
    await mkdir(join(sub, 'keys'), { recursive: true });
    await mkdir(join(sub, 'wit'), { recursive: true });
    await copyFile(join(work.dir, 'release.pub'), join(sub, 'keys', 'release.pub'));
    await copyFile(KV_WIT, join(sub, 'wit', 'kv.wit'));
    const file = await writePolicy(
      { ...minimal(), host: { worlds: ['wasi:cli/command@0.2.3'], provides: ['acme:kv/store@1.0.0'], wit: ['wit/kv.wit'] }, signatures: { signers: [{ key: 'keys/release.pub' }] } },
      join('deep', 'conf'),
    );
    // The test process runs elsewhere (the repository root); name the policy relative to it.
    assert.notEqual(process.cwd(), sub);
    const policy = await loadPolicy(relative(process.cwd(), file));
    assert.equal(policy.source, file);
    assert.equal(policy.signatures.keys[0]?.hint, keyHintOfRelease);
    assert.deepEqual(policy.wit, [join(sub, 'wit', 'kv.wit')]);
  });
});

void describe('policy loader: input errors', () => {
  void test('broken JSON: one problem at the root, with line and column', async () => {
    const text = '{\n  "version": 1,\n  "host": { "worlds": [} \n}\n';
    const column = '  "host": { "worlds": [}'.indexOf('}') + 1;
    await assert.rejects(
      () => parsePolicyText(text, 'broken.json'),
      (err: unknown) => {
        assert.ok(err instanceof PolicyValidationError);
        assert.equal(err.code, 'POLICY_INVALID');
        assert.equal(err.problems.length, 1);
        assert.equal(err.problems[0]?.path, '');
        assert.match(err.problems[0]?.message ?? '', new RegExp(`line 3, column ${String(column)}\\b`));
        return true;
      },
    );
    const problems = await problemsOf(text);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, '');
    assert.match(problems[0]?.message ?? '', /line 3\b/);
  });

  void test('a duplicate key is a problem at its pointer, never "the last one wins"', async () => {
    const body = JSON.stringify(minimal(), null, 2);
    // With only the second "mode", this policy would load in warn mode.
    const text = body.replace('{', '{\n  "mode": "enforce", // first\n  "mode": "warn",');
    await assert.rejects(
      () => parsePolicyText(text, 'dup.json'),
      (err: unknown) => {
        assert.ok(err instanceof PolicyValidationError);
        assert.equal(err.code, 'POLICY_INVALID');
        return true;
      },
    );
    assert.deepEqual(await pathsOf(text), ['/mode']);
    assert.equal((await loadPolicy(await writePolicy(text.replace('"mode": "enforce", // first', '')))).mode, 'warn');
    const nested = body.replace('"key": "release.pub"', '"key": "release.pub", "key": "other.pub"');
    assert.notEqual(nested, body);
    assert.deepEqual(await pathsOf(nested), ['/signatures/signers/0/key']);
  });

  void test('a long value is quoted cut in its problem, with its length', async () => {
    const long = `env:${'A'.repeat(100_000)}`;
    const grammar = `filesystem:read:relative/${'d'.repeat(900)}`;
    const problems = await problemsOf({ ...minimal(), capabilities: { allow: [long, grammar], deny: [`nope:${'x'.repeat(900)}`] } });
    assert.deepEqual(
      problems.map((p) => p.path),
      ['/capabilities/allow/0'],
      'the schema refuses the over-long value before the grammar reads any of them',
    );
    assert.match(problems[0]?.message ?? '', /\b100004 characters\b/);
    assert.ok((problems[0]?.message.length ?? Infinity) < 400, problems[0]?.message);
    const grammarProblems = await problemsOf({ ...minimal(), capabilities: { allow: [grammar], deny: [`env:${'$'.repeat(900)}`] } });
    assert.deepEqual(
      grammarProblems.map((p) => p.path),
      ['/capabilities/allow/0', '/capabilities/deny/0'],
    );
    for (const p of grammarProblems) assert.ok(p.message.length < 400, p.message);
  });

  void test('a missing policy file is POLICY_NOT_FOUND, not a validation error', async () => {
    await assert.rejects(loadPolicy(join(work.dir, 'no-such-policy.json')), (err: unknown) => {
      assert.ok(err instanceof VerifierError);
      assert.ok(!(err instanceof PolicyValidationError));
      assert.equal(err.code, 'POLICY_NOT_FOUND');
      return true;
    });
  });

  void test('schema: an unknown property is located by its path', async () => {
    assert.deepEqual(await pathsOf({ ...minimal(), extra: true }), ['/extra']);
    assert.deepEqual(await pathsOf({ ...minimal(), host: { worlds: ['wasi:http/proxy@0.2.3'], extra: [] } }), ['/host/extra']);
  });

  void test('schema: a missing version is located at /version', async () => {
    const doc = minimal();
    delete doc.version;
    assert.deepEqual(await pathsOf(doc), ['/version']);
  });

  void test('schema: a world without a version, or not a world at all, is located at /host/worlds/N', async () => {
    assert.deepEqual(await pathsOf({ ...minimal(), host: { worlds: ['wasi:http/proxy@0.2.3', 'wasi:http/proxy'] } }), ['/host/worlds/1']);
    assert.deepEqual(await pathsOf({ ...minimal(), host: { worlds: ['HTTP proxy please'] } }), ['/host/worlds/0']);
  });

  void test('schema: a signer with both key and keyless, or neither, is located at its entry', async () => {
    const both = await pathsOf({ ...minimal(), signatures: { signers: [{ key: 'release.pub' }, { key: 'release.pub', keyless: { issuer: 'https://issuer.example', subject: 'me' } }] } });
    assert.ok(both.includes('/signatures/signers/1'), both.join(', '));
    assert.ok(both.every((p) => p.startsWith('/signatures/signers/1')), both.join(', '));
    const neither = await pathsOf({ ...minimal(), signatures: { signers: [{ validFrom: '2025-01-01T00:00:00Z' }] } });
    assert.ok(neither.includes('/signatures/signers/0'), neither.join(', '));
    assert.ok(neither.every((p) => p.startsWith('/signatures/signers/0')), neither.join(', '));
  });

  void test('schema: keyless with both subject and subjectRegExp is located at /signatures/signers/N/keyless', async () => {
    const paths = await pathsOf({
      ...minimal(),
      signatures: { signers: [{ key: 'release.pub' }, { keyless: { issuer: 'https://issuer.example', subject: 'me', subjectRegExp: 'me|you' } }] },
    });
    assert.ok(paths.includes('/signatures/signers/1/keyless'), paths.join(', '));
    assert.ok(paths.every((p) => p.startsWith('/signatures/signers/1/keyless')), paths.join(', '));
  });

  void test('schema: minimum 0 is located at /signatures/minimum', async () => {
    assert.deepEqual(await pathsOf({ ...minimal(), signatures: { minimum: 0, signers: [{ key: 'release.pub' }] } }), ['/signatures/minimum']);
  });

  void test('a capability pattern that does not parse is located at /capabilities/allow/N (and /deny/N)', async () => {
    assert.deepEqual(await pathsOf({ ...minimal(), capabilities: { allow: ['stdio:stdout', 'teleport:now'] } }), ['/capabilities/allow/1']);
    assert.deepEqual(await pathsOf({ ...minimal(), capabilities: { allow: ['stdio:stdout'], deny: ['env:*', 'filesystem:read:relative/path'] } }), ['/capabilities/deny/1']);
  });

  void test('a world wpack does not know is located at /host/worlds/N', async () => {
    assert.deepEqual(await pathsOf({ ...minimal(), host: { worlds: ['wasi:http/proxy@0.2.3', 'wasi:cli/command@0.3.0'] } }), ['/host/worlds/1']);
    assert.deepEqual(await pathsOf({ ...minimal(), host: { worlds: ['wasi:foo/bar@0.2.0'] } }), ['/host/worlds/0']);
  });

  void test('a key file that does not exist is located at /signatures/signers/N/key', async () => {
    assert.deepEqual(await pathsOf({ ...minimal(), signatures: { signers: [{ key: 'release.pub' }, { key: 'missing.pub' }] } }), ['/signatures/signers/1/key']);
  });

  void test('a key file that is not a public key is located at /signatures/signers/N/key', async () => {
    await writeFile(join(work.dir, 'garbage.pub'), 'not a PEM key\n');
    assert.deepEqual(await pathsOf({ ...minimal(), signatures: { signers: [{ key: 'garbage.pub' }] } }), ['/signatures/signers/0/key']);
  });

  void test('a subjectRegExp that does not compile is located at /signatures/signers/N/keyless/subjectRegExp', async () => {
    assert.deepEqual(
      await pathsOf({ ...minimal(), signatures: { signers: [{ key: 'release.pub' }, { keyless: { issuer: 'https://issuer.example', subjectRegExp: '(unclosed' } }] } }),
      ['/signatures/signers/1/keyless/subjectRegExp'],
    );
  });

  void test('minimum greater than the number of signers is located at /signatures/minimum', async () => {
    assert.deepEqual(await pathsOf({ ...minimal(), signatures: { minimum: 2, signers: [{ key: 'release.pub' }] } }), ['/signatures/minimum']);
  });

  void test('a host with neither worlds nor provides is located at /host', async () => {
    assert.deepEqual(await pathsOf({ ...minimal(), host: {} }), ['/host']);
    assert.deepEqual(await pathsOf({ ...minimal(), host: { worlds: [], provides: [] } }), ['/host']);
  });

  void test('several problems are reported at once, each at its own path', async () => {
    const paths = await pathsOf({
      ...minimal(),
      host: { worlds: ['wasi:http/proxy@0.2.3', 'wasi:foo/bar@0.2.0'] },
      signatures: { minimum: 3, signers: [{ key: 'missing.pub' }, { keyless: { issuer: 'https://issuer.example', subjectRegExp: '[' } }] },
      capabilities: { allow: ['stdio:stdout', 'nope'], deny: ['teleport:now'] },
    });
    assert.deepEqual([...paths].sort(), [
      '/capabilities/allow/1',
      '/capabilities/deny/0',
      '/host/worlds/1',
      '/signatures/minimum',
      '/signatures/signers/0/key',
      '/signatures/signers/1/keyless/subjectRegExp',
    ]);
  });

  void test('several problems at once: an empty host is reported beside a bad capability', async () => {
    // "Every problem is reported with its JSON pointer, all at once" (policy/load.ts).
    const paths = await pathsOf({ ...minimal(), host: {}, capabilities: { allow: ['teleport:now'] } });
    assert.deepEqual([...paths].sort(), ['/capabilities/allow/0', '/host']);
  });
});

void describe('policy loader: host WIT', () => {
  void test('a WIT file defining what provides names loads', async () => {
    const policy = await loadPolicy(
      await writePolicy({ ...minimal(), host: { worlds: ['wasi:cli/command@0.2.3'], provides: ['acme:kv/store@1.0.0'], wit: ['host.wit'] } }),
    );
    assert.deepEqual(policy.host.provides, ['acme:kv/store@1.0.0']);
    assert.deepEqual(policy.wit, [join(work.dir, 'host.wit')]);
  });

  void test('provides naming an interface the WIT package lacks is located at /host/provides/N', async () => {
    assert.deepEqual(await pathsOf({ ...minimal(), host: { provides: ['acme:kv/store@1.0.0', 'acme:kv/missing@1.0.0'], wit: ['host.wit'] } }), ['/host/provides/1']);
  });

  void test('provides at another version than the WIT file defines is located at /host/provides/N (not left unchecked)', async () => {
    assert.deepEqual(await pathsOf({ ...minimal(), host: { provides: ['acme:kv/store@1.0.0', 'acme:kv/store@1.0.5'], wit: ['host.wit'] } }), ['/host/provides/1']);
  });

  void test('a WIT file without a package header is located at /host/wit/N', async () => {
    const text = await readFile(KV_WIT, 'utf8');
    await writeFile(join(work.dir, 'headless.wit'), text.replace(/^package [^;]+;\s*$/m, ''));
    assert.doesNotMatch(await readFile(join(work.dir, 'headless.wit'), 'utf8'), /^package /m);
    assert.deepEqual(await pathsOf({ ...minimal(), host: { provides: ['acme:kv/store@1.0.0'], wit: ['host.wit', 'headless.wit'] } }), ['/host/wit/1']);
  });

  void test('a WIT file that does not exist is located at /host/wit/N', async () => {
    assert.deepEqual(await pathsOf({ ...minimal(), host: { provides: ['acme:kv/store@1.0.0'], wit: ['no-such.wit'] } }), ['/host/wit/0']);
  });
});

void describe('version tracks', () => {
  void test('versionTrack: x.y.z → x, 0.y.z → 0.y, 0.0.z and pre-releases exact', () => {
    assert.equal(versionTrack('1.2.3'), '1');
    assert.equal(versionTrack('12.0.0'), '12');
    assert.equal(versionTrack('0.2.3'), '0.2');
    assert.equal(versionTrack('0.2.12'), '0.2');
    assert.equal(versionTrack('0.0.3'), '=0.0.3');
    assert.notEqual(versionTrack('0.0.3'), versionTrack('0.0.4'));
    assert.equal(versionTrack('1.0.0-rc.1'), '=1.0.0-rc.1');
    assert.equal(versionTrack('0.2.0-draft'), '=0.2.0-draft');
    assert.notEqual(versionTrack('0.2.0-draft'), versionTrack('0.2.0'));
    assert.equal(versionTrack('not-a-version'), null);
  });

  void test('relateVersions: same, older and newer within a track (numeric, not string, order)', () => {
    assert.equal(relateVersions('0.2.3', '0.2.3'), 'same');
    assert.equal(relateVersions('0.2.3', '0.2.12'), 'older');
    assert.equal(relateVersions('0.2.12', '0.2.3'), 'newer');
    assert.equal(relateVersions('1.0.0', '1.4.2'), 'older');
    assert.equal(relateVersions('1.10.0', '1.9.0'), 'newer');
    assert.equal(relateVersions('1.0.0-rc.1', '1.0.0-rc.1'), 'same');
    assert.equal(relateVersions('0.0.1', '0.0.1'), 'same');
  });

  void test('relateVersions: across tracks is incompatible', () => {
    assert.equal(relateVersions('1.0.0', '2.0.0'), 'incompatible');
    assert.equal(relateVersions('2.0.0', '1.0.0'), 'incompatible');
    assert.equal(relateVersions('0.1.0', '0.2.0'), 'incompatible');
    assert.equal(relateVersions('0.0.1', '0.0.2'), 'incompatible');
    assert.equal(relateVersions('0.2.0', '1.0.0'), 'incompatible');
    assert.equal(relateVersions('1.0.0-rc.1', '1.0.0'), 'incompatible');
    assert.equal(relateVersions('0.2.0-rc.1', '0.2.0'), 'incompatible');
    assert.equal(relateVersions('not-a-version', '0.2.0'), 'incompatible');
  });
});

async function iface(name: FixtureName): Promise<ComponentInterface> {
  return readComponentInterface(await readFile(fixtures[name]));
}

function host(worlds: string[], provides: string[] = []): HostSpec {
  return {
    worlds: worlds.map((w) => {
      const [name, version] = w.split('@') as [string, string];
      return { name, version };
    }),
    provides,
  };
}

const codes = (findings: GateFinding[]): string[] => findings.map((f) => f.code);
const errorsOf = (findings: GateFinding[]): GateFinding[] => findings.filter((f) => f.severity === 'error');

void describe('checkWorld on real components', () => {
  void test('several worlds make a union of imports: cli/imports supplies what a command imports beside the proxy world', async () => {
    const cli = await iface('cli-command');
    const proxyOnly = await checkWorld(cli, host(['wasi:http/proxy@0.2.12']));
    assert.ok(codes(proxyOnly).includes('IMPORT_NOT_PROVIDED'), 'the proxy world alone lacks filesystem, sockets, environment');
    const union = await checkWorld(cli, host(['wasi:http/proxy@0.2.12', 'wasi:cli/imports@0.2.12']));
    assert.ok(!codes(union).includes('IMPORT_NOT_PROVIDED'), JSON.stringify(union));
    // cli/imports calls nothing; the proxy is the only entry world, and the command does not serve HTTP.
    assert.deepEqual(
      errorsOf(union).map((f) => [f.code, f.subject]),
      [['EXPORT_MISSING', 'wasi:http/incoming-handler@0.2.12']],
    );
    for (const f of union) assert.equal(f.step, 'world');
  });

  void test('an export is required by one of several entry worlds, not by all', async () => {
    const both = host(['wasi:http/proxy@0.2.12', 'wasi:cli/command@0.2.12']);
    for (const name of ['cli-command', 'http-proxy'] as const) {
      const findings = await checkWorld(await iface(name), both);
      assert.deepEqual(codes(findings), ['WORLD_COMPATIBLE'], `${name}: ${JSON.stringify(findings)}`);
    }
    const commandOnly = await checkWorld(await iface('http-proxy'), host(['wasi:cli/command@0.2.12']));
    const missing = commandOnly.filter((f) => f.code === 'EXPORT_MISSING');
    assert.deepEqual(
      missing.map((f) => f.subject),
      ['wasi:cli/run@0.2.12'],
    );
  });

  void test('a custom import is provided by provides: same or newer version on its track, never another track', async () => {
    const kv = await iface('kv-custom');
    assert.ok(kv.imports.some((i) => i.name === 'acme:kv/store@1.0.0'));
    const world = ['wasi:cli/command@0.2.12'];
    assert.deepEqual(codes(await checkWorld(kv, host(world))), ['IMPORT_NOT_PROVIDED']);
    assert.deepEqual(codes(await checkWorld(kv, host(world, ['acme:kv/store@1.0.0']))), ['WORLD_COMPATIBLE']);
    assert.deepEqual(codes(await checkWorld(kv, host(world, ['acme:kv/store@1.3.0']))), ['WORLD_COMPATIBLE']);
    const otherTrack = await checkWorld(kv, host(world, ['acme:kv/store@2.0.0']));
    assert.deepEqual(
      otherTrack.map((f) => [f.code, f.subject]),
      [['IMPORT_NOT_PROVIDED', 'acme:kv/store@1.0.0']],
    );
  });

  void test('unversioned provides links only unversioned imports', async () => {
    const kv = await iface('kv-custom');
    const versionedImport = await checkWorld(kv, host(['wasi:cli/command@0.2.12'], ['acme:kv/store']));
    assert.deepEqual(
      versionedImport.map((f) => [f.code, f.subject]),
      [['IMPORT_NOT_PROVIDED', 'acme:kv/store@1.0.0']],
    );
    const unversioned: ComponentInterface = { imports: [{ name: 'acme:kv/store', kind: 'instance' }], exports: [] };
    assert.deepEqual(codes(await checkWorld(unversioned, host([], ['acme:kv/store']))), ['WORLD_COMPATIBLE']);
    assert.deepEqual(codes(await checkWorld(unversioned, host([], ['acme:kv/store@1.0.0']))), ['IMPORT_NOT_PROVIDED']);
  });
});

void describe('checkCapabilities: granting is containment, deny wins', () => {
  const grantsOf = (texts: string[]) => texts.map((text) => ({ text, pattern: parseCapabilityPattern(text) }));
  /** The grant findings (denied / not granted) about one declared capability. */
  const grantFindings = (findings: GateFinding[], subject: string): string[] =>
    findings.filter((f) => f.subject === subject && (f.code === 'CAPABILITY_DENIED' || f.code === 'CAPABILITY_NOT_GRANTED')).map((f) => f.code);

  void test('deny wins over allow for an overlapping glob', async () => {
    const sockets = await iface('sockets'); // imports wasi:filesystem/preopens
    const declared = ['filesystem:read:/var', 'filesystem:read:/var/data'];
    const allowOnly = checkCapabilities(sockets, declared, { allow: grantsOf(['filesystem:read:/var/**']), deny: [] });
    assert.deepEqual(grantFindings(allowOnly, 'filesystem:read:/var'), [], 'allowed when nothing is denied');
    const findings = checkCapabilities(sockets, declared, { allow: grantsOf(['filesystem:read:/var/**']), deny: grantsOf(['filesystem:read:/var/secret/**']) });
    assert.deepEqual(grantFindings(findings, 'filesystem:read:/var'), ['CAPABILITY_DENIED'], '/var reaches /var/secret');
    assert.deepEqual(grantFindings(findings, 'filesystem:read:/var/data'), [], '/var/data stays clear of the deny pattern');
    const denied = findings.find((f) => f.code === 'CAPABILITY_DENIED');
    assert.equal(denied?.severity, 'error');
    assert.equal(denied?.step, 'capabilities');
  });

  void test('a declared wildcard is granted only by a pattern containing it, not one overlapping it', async () => {
    const cli = await iface('cli-command'); // imports wasi:cli/environment
    const narrow = grantsOf(['env:APP_*']);
    const star = checkCapabilities(cli, ['env:*'], { allow: narrow, deny: [] });
    assert.deepEqual(grantFindings(star, 'env:*'), ['CAPABILITY_NOT_GRANTED']);
    assert.deepEqual(grantFindings(checkCapabilities(cli, ['env:APP_NAME'], { allow: narrow, deny: [] }), 'env:APP_NAME'), []);
    assert.deepEqual(grantFindings(checkCapabilities(cli, ['env:APP_*'], { allow: grantsOf(['env:*']), deny: [] }), 'env:APP_*'), []);
    assert.deepEqual(grantFindings(checkCapabilities(cli, ['env:*'], { allow: grantsOf(['env:*']), deny: [] }), 'env:*'), []);
  });
});

void describe('the example host policy', () => {
  void test('examples/gate/host-policy.json loads as written', async () => {
    const policy = await loadPolicy(join(REPO_ROOT, 'examples', 'gate', 'host-policy.json'));
    assert.deepEqual(policy.host.worlds, [{ name: 'wasi:http/proxy', version: '0.2.3' }]);
    assert.equal(policy.signatures.identities.length, 1);
    assert.ok(policy.allow.length > 0 && policy.deny.length > 0);
  });
});
