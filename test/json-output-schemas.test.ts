// Every command's `--json` output is a documented format (README "Commands"):
// schemas/<command>-output.schema.json for what it prints on success, and
// schemas/error-output.schema.json for the `{"error": …}` object every command
// prints on failure. Each command runs here for real, in a subprocess, on real
// fixture components and a real registry, and its whole stdout must be one
// JSON object that validates against its schema.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { buildFixtures } from './fixtures/build.js';
import { REPO_ROOT, runShell, runWpack, type RunResult } from './helpers/cli.js';
import { makeProject } from './helpers/project.js';
import { startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';
import { loadPolicy } from '@wpack/verifier';

// ajv 8 as the manifest package has it (the root one is eslint's ajv 6).
const require = createRequire(join(REPO_ROOT, 'packages', 'manifest', 'package.json'));
type Validate = ((doc: unknown) => boolean) & { errors?: unknown };
interface Ajv {
  addSchema(schema: object): Ajv;
  getSchema(id: string): Validate | undefined;
}
const { Ajv2020 } = require('ajv/dist/2020') as { Ajv2020: new (options: object) => Ajv };
const addFormats = require('ajv-formats') as (ajv: Ajv) => Ajv;

const SCHEMAS = join(REPO_ROOT, 'schemas');
const readSchema = (file: string): { $id: string } & Record<string, unknown> =>
  JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as { $id: string } & Record<string, unknown>;
const OUTPUT_SCHEMA_FILES = readdirSync(SCHEMAS).filter((f) => f.endsWith('-output.schema.json'));

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
// The output schemas name the manifest and verify-report schemas by $id.
for (const file of ['manifest.schema.json', 'verify-report.schema.json', ...OUTPUT_SCHEMA_FILES]) ajv.addSchema(readSchema(file));

/** The validator of schemas/<name>-output.schema.json. */
function validator(name: string): Validate {
  const validate = ajv.getSchema(`https://wpack.dev/schemas/${name}-output-v1.json`);
  assert.ok(validate, `schemas/${name}-output.schema.json is missing`);
  return validate;
}

/** Asserts the exit code, that stdout is exactly one JSON object, and that it validates; returns it. */
function output<T>(schema: string, run: RunResult, exitCode: number): T {
  assert.equal(run.code, exitCode, `exit ${String(run.code)}\nstdout:\n${clip(run.stdout)}\nstderr:\n${clip(run.stderr)}`);
  let doc: unknown;
  try {
    doc = JSON.parse(run.stdout);
  } catch {
    return assert.fail(`stdout is not one JSON document:\n${clip(run.stdout)}`);
  }
  assert.ok(doc !== null && typeof doc === 'object' && !Array.isArray(doc), `stdout is not a JSON object:\n${clip(run.stdout)}`);
  const validate = validator(schema);
  assert.ok(validate(doc), `${schema}-output: ${describeErrors(validate.errors)}`);
  return doc as T;
}

const clip = (s: string): string => (s.length > 2000 ? `${s.slice(0, 2000)}…` : s);

/**
 * The first few of ajv's errors, one line each. With allErrors, one wrong
 * value deep in a recursive oneOf (the --wit types) yields an error per branch
 * per level: the whole list would be megabytes.
 */
function describeErrors(errors: unknown): string {
  const list = Array.isArray(errors) ? (errors as { instancePath?: string; schemaPath?: string; message?: string }[]) : [];
  const lines = list.slice(0, 10).map((e) => `${e.instancePath || '/'} (${e.schemaPath ?? '?'}): ${e.message ?? '?'}`);
  return [...lines, ...(list.length > 10 ? [`… and ${String(list.length - 10)} more`] : [])].join('\n');
}

interface ErrorOutput {
  error: { code: string; message: string; exitCode: number };
}

/** Asserts a failure: its exit code, its `{"error": …}` object valid, its code. */
function failure(run: RunResult, exitCode: number, code: string): ErrorOutput['error'] {
  const { error } = output<ErrorOutput>('error', run, exitCode);
  assert.equal(error.code, code, error.message);
  assert.equal(error.exitCode, exitCode);
  return error;
}

/** The string literals of the `ErrorCode` union, read from packages/core/src/errors.ts through the aliases it names. */
function errorCodeUnion(): string[] {
  const source = readFileSync(join(REPO_ROOT, 'packages', 'core', 'src', 'errors.ts'), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const aliases = new Map<string, string>();
  for (const m of source.matchAll(/export type (\w+)\s*=([^;]*);/g)) aliases.set(m[1] ?? '', m[2] ?? '');
  const codes = new Set<string>();
  const expand = (name: string, depth: number): void => {
    const body = aliases.get(name);
    assert.ok(body !== undefined, `no type ${name} in errors.ts`);
    assert.ok(depth < 8, `type ${name} nests too deep`);
    for (const member of body.split('|').map((s) => s.trim()).filter((s) => s !== '')) {
      const literal = /^'([A-Z0-9_]+)'$/.exec(member);
      if (literal !== null) codes.add(literal[1] ?? '');
      else if (/^\w+$/.test(member)) expand(member, depth + 1);
      else assert.fail(`ErrorCode member ${member} is neither a string literal nor a type name`);
    }
  };
  expand('ErrorCode', 0);
  return [...codes].sort();
}

// What the http-proxy fixture's imports need, declared; the pass policy grants all of it.
const PROXY_CAPS = ['clock:monotonic', 'clock:wall', 'random:secure', 'stdio:stdout', 'stdio:stderr', 'stdio:stdin', 'http:outbound:https://api.acme.com', 'http:inbound'];
const PROXY_ALLOW = [...PROXY_CAPS.filter((c) => !c.startsWith('http:outbound:')), 'http:outbound:https://*.acme.com'];

void describe('the committed --json schemas', () => {
  void test('every command has an output schema, and every output schema a command', () => {
    const commands: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        // A command without --json (`run`: stdout belongs to the component) has no output schema.
        else if (entry.name.endsWith('.ts') && !readFileSync(join(dir, entry.name), 'utf8').includes('enableJsonFlag = false')) {
          commands.push(relative(commandsDir, join(dir, entry.name)).replace(/\.ts$/, '').split(/[\\/]/).join('-'));
        }
      }
    };
    const commandsDir = join(REPO_ROOT, 'packages', 'cli', 'src', 'commands');
    walk(commandsDir);
    assert.ok(commands.includes('policy-init'));
    assert.deepEqual(
      OUTPUT_SCHEMA_FILES.map((f) => f.replace(/-output\.schema\.json$/, '')).sort(),
      [...commands, 'error'].sort(),
    );
  });

  void test('every schema has the $id of its file name and refuses an empty object', () => {
    for (const file of OUTPUT_SCHEMA_FILES) {
      const name = file.replace(/-output\.schema\.json$/, '');
      assert.equal(readSchema(file).$id, `https://wpack.dev/schemas/${name}-output-v1.json`);
      assert.equal(validator(name)({}), false, `${file} accepts {}`);
    }
  });

  void test('the error schema lists exactly the codes of ErrorCode in packages/core/src/errors.ts, and INTERNAL', () => {
    const schema = readSchema('error-output.schema.json') as unknown as { properties: { error: { properties: { code: { enum: string[] } } } } };
    const union = errorCodeUnion();
    assert.ok(union.length > 10 && union.includes('USAGE') && !union.includes('INTERNAL'), union.join(' '));
    assert.deepEqual([...schema.properties.error.properties.code.enum].sort(), [...union, 'INTERNAL'].sort());
  });
});

void describe('every command --json, run for real, validates against its schema', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  /** Plain registry for the transfer commands; htpasswd registry for login. */
  let plain: TestRegistry | undefined;
  let secured: TestRegistry | undefined;
  let env: NodeJS.ProcessEnv;
  let bundle: string;
  let bundleDigest: string;
  let passPolicy: string;
  const at = (...parts: string[]): string => join(work.dir, ...parts);
  const wpack = (args: string[]): Promise<RunResult> => runWpack([...args, '--json'], { cwd: work.dir, env });

  before(async () => {
    work = await tempDir('wpack-json-output-');
    // An isolated Docker config: nothing of the machine's leaks in or out.
    await mkdir(at('docker'));
    env = { DOCKER_CONFIG: at('docker') };
    [plain, secured] = await Promise.all([startRegistry('plain'), startRegistry('htpasswd')]);
    await makeProject(at('p'), { fixture: 'http-proxy', capabilities: PROXY_CAPS, resources: { 'data/model.bin': Buffer.alloc(1000, 7) } });
    passPolicy = at('pass-policy.json');
    await writeFile(
      passPolicy,
      JSON.stringify({ version: 1, host: { worlds: ['wasi:http/proxy@0.2.12'] }, signatures: { signers: [{ key: 'k.pub' }] }, capabilities: { allow: PROXY_ALLOW } }),
    );
  });
  after(async () => {
    await Promise.all([plain?.stop(), secured?.stop()]);
    await work.cleanup();
  });

  void test('init, bundle, keygen, sign, policy init', async () => {
    const fixtures = await buildFixtures();
    await mkdir(at('init'));
    await copyFile(fixtures['http-proxy'], at('init', 'proxy.wasm'));
    const init = output<{ path: string; manifest: { world?: string }; notes: string[] }>(
      'init',
      await wpack(['init', at('init', 'proxy.wasm'), '--dir', at('init'), '--name', 'acme:proxy', '--version', '1.0.0']),
      0,
    );
    assert.equal(init.path, at('init', 'wpack.json'));
    assert.equal(init.manifest.world, 'wasi:http/proxy@0.2.12');
    assert.ok(init.notes.length > 0, 'the outbound HTTP host is a placeholder to narrow');

    bundle = at('app.wpack');
    const bundled = output<{ path: string; digest: string }>('bundle', await wpack(['bundle', at('p'), '-o', bundle]), 0);
    assert.equal(bundled.path, bundle);
    bundleDigest = bundled.digest;

    const keygen = output<{ encrypted: boolean }>('keygen', await wpack(['keygen', '-o', at('k')]), 0);
    assert.equal(keygen.encrypted, false);
    const encrypted = await runShell(`printf %s secret | node "$WPACK" keygen -o "${at('locked')}" --password-stdin --json`, { cwd: work.dir, env });
    assert.equal(output<{ encrypted: boolean }>('keygen', encrypted, 0).encrypted, true);

    const signed = output<{ digest: string; kind: string }>('sign', await wpack(['sign', bundle, '--key', at('k.key')]), 0);
    assert.deepEqual([signed.digest, signed.kind], [bundleDigest, 'key']);

    const policy = output<{ path: string; worlds: string[] }>(
      'policy-init',
      await wpack(['policy', 'init', '--world', 'wasi:http/proxy@0.2.12', '--key', 'k.pub', '-o', at('policy.json')]),
      0,
    );
    assert.deepEqual([policy.path, policy.worlds], [at('policy.json'), ['wasi:http/proxy@0.2.12']]);
  });

  void test('inspect (a bundle and a component, each with --wit), verify --key, extract (and --policy)', async () => {
    const inspected = output<{ kind: string; digest: string; signatures: { kind: string; verifies: string }[] }>('inspect', await wpack(['inspect', bundle]), 0);
    assert.deepEqual([inspected.kind, inspected.digest], ['bundle', bundleDigest]);
    assert.deepEqual(inspected.signatures.map((s) => [s.kind, s.verifies]), [['key', 'needs-key']]);
    const wit = output<{ wit?: { imports: unknown[]; exports: unknown[] } }>('inspect', await wpack(['inspect', bundle, '--wit']), 0);
    assert.ok(wit.wit !== undefined && wit.wit.imports.length > 0 && wit.wit.exports.length > 0, 'the types of the imports and exports');
    const fixtures = await buildFixtures();
    for (const fixture of ['http-proxy', 'js-qjs'] as const) {
      const component = output<{ kind: string; producers: { component?: object; nested?: object } }>('inspect', await wpack(['inspect', fixtures[fixture]]), 0);
      assert.equal(component.kind, 'component');
      assert.ok(component.producers.nested !== undefined, `${fixture}: its nested modules' producers`);
      const types = output<{ wit?: { imports: unknown[] } }>('inspect', await wpack(['inspect', fixtures[fixture], '--wit']), 0);
      assert.ok(types.wit !== undefined && types.wit.imports.length > 0, fixture);
    }

    const verified = output<{ verified: boolean }>('verify', await wpack(['verify', bundle, '--key', at('k.pub')]), 0);
    assert.equal(verified.verified, true);
    // A quick check that fails is a report too (exit 1), not an error object.
    const other = await wpack(['keygen', '-o', at('other')]);
    assert.equal(other.code, 0, other.stdout);
    assert.equal(output<{ verified: boolean }>('verify', await wpack(['verify', bundle, '--key', at('other.pub')]), 1).verified, false);

    const extracted = output<{ files: string[]; verification?: unknown }>('extract', await wpack(['extract', bundle, at('out')]), 0);
    assert.deepEqual(extracted.files, ['wpack.json', 'component.wasm', 'resources/data/model.bin', 'signatures/1.sigstore.json']);
    assert.equal(extracted.verification, undefined);
    const gated = output<{ verification?: { verified: boolean } }>('extract', await wpack(['extract', bundle, at('gated'), '--policy', passPolicy]), 0);
    assert.equal(gated.verification?.verified, true);
    for (const runtime of ['wasmtime', 'spin']) {
      const args = output<{ runtime: string }>('run-args', await wpack(['run-args', bundle, '--policy', passPolicy, '--runtime', runtime]), 0);
      assert.equal(args.runtime, runtime);
    }
  });

  void test('login, push, pull, copy, inspect <ref>, verify <ref>, extract <ref>, logout', async () => {
    assert.ok(plain !== undefined && secured !== undefined);
    const login = await runShell(`printf %s '${secured.password ?? ''}' | node "$WPACK" login ${secured.host} -u ${secured.username ?? ''} --password-stdin --json`, {
      cwd: work.dir,
      env,
    });
    assert.deepEqual(output('login', login, 0), { registry: secured.host, configFile: at('docker', 'config.json') });

    const ref = `${plain.host}/acme/app:1.2.0`;
    const pushed = output<{ digest: string; referrers: unknown[] }>('push', await wpack(['push', bundle, ref]), 0);
    assert.equal(pushed.referrers.length, 2, 'the wpack referrer and one signature');
    const pulled = output<{ digest: string; bundleDigest: string; inferred: boolean }>('pull', await wpack(['pull', ref, '-o', at('pulled.wpack')]), 0);
    assert.deepEqual([pulled.digest, pulled.bundleDigest, pulled.inferred], [pushed.digest, bundleDigest, false]);
    const copied = output<{ root: { digest: string } }>('copy', await wpack(['copy', ref, `${plain.host}/acme/copy:1.2.0`]), 0);
    assert.equal(copied.root.digest, pushed.digest);

    const copyRef = `${plain.host}/acme/copy:1.2.0`;
    assert.equal(output<{ ociDigest?: string }>('inspect', await wpack(['inspect', copyRef]), 0).ociDigest, pushed.digest);
    assert.equal(output<{ ociDigest?: string }>('verify', await wpack(['verify', copyRef, '--key', at('k.pub')]), 0).ociDigest, pushed.digest);
    assert.equal(output<{ ociDigest?: string }>('extract', await wpack(['extract', copyRef, at('from-registry')]), 0).ociDigest, pushed.digest);
    // A policy drafted from what the registry holds: scoped to that repository, and the gate of the reference passes under it.
    const drafted = output<{ from?: { digest: string } }>('policy-init', await wpack(['policy', 'init', '--from', copyRef, '--key', 'k.pub', '-o', at('from-ref.json')]), 0);
    assert.equal(drafted.from?.digest, bundleDigest);
    assert.deepEqual((await loadPolicy(at('from-ref.json'))).scopes, [`${plain.host}/acme/copy`]);
    assert.equal(output<{ verified: boolean }>('verify', await wpack(['verify', copyRef, '--policy', at('from-ref.json')]), 0).verified, true);

    assert.deepEqual(output('logout', await wpack(['logout', secured.host]), 0), { registry: secured.host, configFile: at('docker', 'config.json') });
  });

  void test('failures: bad input (exit 2), denied (exit 1), registry failure (exit 3)', async () => {
    assert.ok(plain !== undefined && secured !== undefined);
    // Bad input, exit 2.
    failure(await wpack(['inspect', at('missing.wpack')]), 2, 'FILE_NOT_FOUND');
    failure(await wpack(['inspect', (await buildFixtures())['core-module']]), 2, 'NOT_A_COMPONENT');
    failure(await wpack(['keygen']), 2, 'USAGE');
    failure(await wpack(['keygen', '-o', at('k')]), 2, 'KEY_EXISTS');
    failure(await wpack(['policy', 'init', '--world', 'wasi:http/proxy@0.2.12']), 2, 'SIGNER_REQUIRED');
    await makeProject(at('bad'), { extra: { name: 'Not A Name', version: 'one' } });
    const invalid = failure(await wpack(['bundle', at('bad'), '-o', at('bad.wpack')]), 2, 'INVALID_MANIFEST');
    assert.ok(invalid.message.split('\n').length >= 2, 'one line per problem');

    // Denied, exit 1: the starting policy grants no outbound HTTP host, so nothing is extracted.
    failure(await wpack(['extract', bundle, at('denied'), '--policy', at('policy.json')]), 1, 'VERIFICATION_FAILED');

    // Registry failures, exit 3.
    failure(await wpack(['pull', `${plain.host}/acme/app:9.9.9`, '-o', at('none.wpack')]), 3, 'NOT_FOUND');
    failure(await runShell(`printf %s wrong | node "$WPACK" login ${secured.host} -u ${secured.username ?? ''} --password-stdin --json`, { cwd: work.dir, env }), 3, 'UNAUTHORIZED');
    await mkdir(at('docker-empty'));
    const anonymous = await runWpack(['push', bundle, `${secured.host}/acme/app:1.2.0`, '--json'], { cwd: work.dir, env: { DOCKER_CONFIG: at('docker-empty') } });
    failure(anonymous, 3, 'UNAUTHORIZED');
  });
});
