// The gate scenario suite: one table of real bundles (built from the fixture
// components, signed with real keys or keyless through the Sigstore mock) and
// host policies, each with the exact set of finding codes the gate must
// report and its verdict. Every scenario runs three ways where it can:
//   1. in-process: loadPolicy + runGate on the local file;
//   2. through a registry: `wpack push` to a real Distribution registry, then
//      `wpack verify <ref> --policy … --json` (same codes, same bundle digest);
//   3. a handful through the CLI on the local file, checking exit codes.
// Together the scenarios cover every code in GATE_FINDING_CODES; a test
// checks that, so a new code without a scenario fails this suite.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, type KeyObject } from 'node:crypto';
import { appendFile, copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appendEntry, createBundle, ManifestError, readBundleHead, readBundleUnverified } from '@wpack/manifest';
import { GATE_CODE_ADVICE, GATE_FINDING_CODES, loadPolicy, PolicyValidationError, runGate, type GateFinding, type GateFindingCode, type PolicyDocument, type PolicySigner } from '@wpack/verifier';
import { buildStatement, generateKeyPair, IN_TOTO_PAYLOAD_TYPE, loadPrivateKey, signBundle } from '@wpack/signatures';
import { buildFixtures } from './fixtures/build.js';
import { makeProject, type ProjectOptions } from './helpers/project.js';
import { REPO_ROOT, runWpack } from './helpers/cli.js';
import { startRegistry, type TestRegistry } from './helpers/registry.js';
import { startSigstoreMock, type SigstoreMock } from './helpers/sigstore-mock.js';
import { tempDir } from './helpers/tmp.js';
import {
  appendSignature,
  codeSet,
  dsseSignature,
  entryData,
  flipByteAt,
  messageSignature,
  readArchiveParts,
  signatureJson,
  writeArchiveParts,
  type ArchiveParts,
} from './helpers/gate.js';

// ---------------------------------------------------------------------------
// Projects: real fixture components with the capabilities they need.

const ISSUER = 'https://token.actions.githubusercontent.com';
const WORKFLOW = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0';
const WORKFLOW_GLOB = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v*';
const EPOCH = 1_700_000_000;

const PROXY_CAPS = ['clock:monotonic', 'clock:wall', 'random:secure', 'stdio:stdin', 'stdio:stdout', 'stdio:stderr', 'http:outbound:https://api.acme.com', 'http:inbound'];
const CLI_CAPS = [
  'env:APP_*',
  'exit',
  'stdio:stdin',
  'stdio:stdout',
  'stdio:stderr',
  'terminal',
  'clock:monotonic',
  'clock:wall',
  'filesystem:read:/data',
  'network:outbound:api.acme.com:443',
  'network:dns',
  'random:secure',
  'random:insecure',
];
const KV_CAPS = ['import:acme:kv/store', 'stdio:stdout'];

const PROXY_ALLOW = ['clock:*', 'random:*', 'stdio:*', 'http:outbound:https://*.acme.com', 'http:inbound'];
const CLI_ALLOW = ['env:APP_*', 'exit', 'stdio:*', 'terminal', 'clock:*', 'filesystem:read:/data/**', 'network:outbound:*.acme.com:443', 'network:dns', 'random:*'];
const KV_ALLOW = ['import:acme:kv/store', 'stdio:*'];

const PROJECTS = {
  proxy: { fixture: 'http-proxy', capabilities: PROXY_CAPS },
  // Declares any https host: wider than a policy allowing *.acme.com.
  'proxy-wild': { fixture: 'http-proxy', capabilities: PROXY_CAPS.map((c) => (c.startsWith('http:outbound:') ? 'http:outbound:https://*' : c)) },
  // Declares no capability for wasi:http/outgoing-handler.
  'proxy-undeclared': { fixture: 'http-proxy', capabilities: PROXY_CAPS.filter((c) => !c.startsWith('http:outbound:')) },
  // Declares env:FOO, which no import needs.
  'proxy-unused': { fixture: 'http-proxy', capabilities: [...PROXY_CAPS, 'env:FOO'] },
  // One 64 KiB resource.
  'proxy-res': { fixture: 'http-proxy', capabilities: PROXY_CAPS, resources: { 'model/weights.bin': Buffer.alloc(64 * 1024, 7) } },
  cli: { fixture: 'cli-command', capabilities: CLI_CAPS },
  kv: { fixture: 'kv-custom', capabilities: KV_CAPS },
} as const satisfies Record<string, ProjectOptions>;
type ProjectName = keyof typeof PROJECTS;

// ---------------------------------------------------------------------------
// Bundles: built once in before(), in this order (later ones copy earlier ones).

const BUNDLE_NAMES = [
  'proxy',
  'proxy-unsigned',
  'proxy-two-keys',
  'proxy-same-key-twice',
  'proxy-keyless',
  'proxy-keyless-and-key',
  'proxy-forged',
  'cli',
  'proxy-moved-signature',
  'proxy-malformed',
  'proxy-media-type',
  'proxy-message-signature',
  'proxy-payload-type',
  'proxy-statement',
  'proxy-tampered-component',
  'proxy-trailing',
  'proxy-padded',
  'proxy-res',
  'proxy-res-tampered',
  'proxy-size-mismatch',
  'proxy-interface-mismatch',
  'proxy-core-module',
  'proxy-wild',
  'proxy-undeclared',
  'proxy-unused',
  'kv',
  'kv-untyped',
] as const;
type BundleName = (typeof BUNDLE_NAMES)[number];

interface BuildContext {
  /** The unsigned bundle of a project. */
  unsigned(p: ProjectName): string;
  path(b: BundleName): string;
  keyA: KeyObject;
  keyBFile: string;
  mock: SigstoreMock;
}

async function copyOf(ctx: BuildContext, from: string, name: BundleName): Promise<string> {
  const to = ctx.path(name);
  await copyFile(from, to);
  return to;
}

async function signedWithA(ctx: BuildContext, from: string, name: BundleName): Promise<void> {
  const f = await copyOf(ctx, from, name);
  await signBundle(f, { kind: 'key', privateKey: ctx.keyA });
}

/** Rewrites a project's unsigned bundle with `edit` applied to its parts, then signs it with key A. */
async function rebuiltAndSigned(ctx: BuildContext, name: BundleName, edit: (parts: ArchiveParts) => Promise<void> | void): Promise<void> {
  const parts = await readArchiveParts(ctx.unsigned('proxy'));
  await edit(parts);
  await writeArchiveParts(ctx.path(name), parts);
  await signBundle(ctx.path(name), { kind: 'key', privateKey: ctx.keyA });
}

/**
 * As rebuiltAndSigned, for a wpack.json that lies about its component's
 * interface, which `wpack sign` refuses: the same DSSE signature by key A,
 * made by hand over the statement of what the archive claims.
 */
async function rebuiltAndSignedByHand(ctx: BuildContext, name: BundleName, edit: (parts: ArchiveParts) => Promise<void> | void): Promise<void> {
  const parts = await readArchiveParts(ctx.unsigned('proxy'));
  await edit(parts);
  const file = ctx.path(name);
  await writeArchiveParts(file, parts);
  await assert.rejects(signBundle(file, { kind: 'key', privateKey: ctx.keyA }), (e: unknown) => e instanceof ManifestError && e.code === 'INTERFACE_MISMATCH');
  const claimed = await readBundleUnverified(file);
  const statement = Buffer.from(JSON.stringify(buildStatement(claimed.manifest, claimed.digest)));
  const json = await dsseSignature(ctx.keyA, statement, IN_TOTO_PAYLOAD_TYPE);
  await appendEntry(file, 'signatures/1.sigstore.json', Buffer.from(JSON.stringify(json)), new Date(0));
}

/** A statement for `file` signed with key A, edited after signing: the signature no longer verifies. */
async function forgedSignature(ctx: BuildContext, file: string): Promise<unknown> {
  const sig = (await signatureJson(ctx.path('proxy'))) as { dsseEnvelope: { payload: string } };
  const head = await readBundleHead(file);
  const edited = buildStatement(head.manifest, head.digest);
  edited.predicate.capabilities = ['filesystem:write:/'];
  sig.dsseEnvelope.payload = Buffer.from(JSON.stringify(edited)).toString('base64');
  return sig;
}

const BUNDLES: Record<BundleName, (ctx: BuildContext) => Promise<void>> = {
  proxy: (ctx: BuildContext) => signedWithA(ctx, ctx.unsigned('proxy'), 'proxy'),
  'proxy-unsigned': async (ctx: BuildContext) => {
    await copyOf(ctx, ctx.unsigned('proxy'), 'proxy-unsigned');
  },
  // Key A (library), then key B with `wpack sign --key` from a `wpack keygen` key.
  'proxy-two-keys': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.path('proxy'), 'proxy-two-keys');
    const run = await runWpack(['sign', f, '--key', ctx.keyBFile, '--json']);
    assert.equal(run.code, 0, run.stderr);
  },
  'proxy-same-key-twice': (ctx: BuildContext) => signedWithA(ctx, ctx.path('proxy'), 'proxy-same-key-twice'),
  'proxy-keyless': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.unsigned('proxy'), 'proxy-keyless');
    const identityToken = await ctx.mock.identityToken({ iss: ISSUER, sub: WORKFLOW });
    await signBundle(f, { kind: 'keyless', identityToken, fulcioURL: ctx.mock.fulcioURL, rekorURL: ctx.mock.rekorURL });
  },
  'proxy-keyless-and-key': (ctx: BuildContext) => signedWithA(ctx, ctx.path('proxy-keyless'), 'proxy-keyless-and-key'),
  // Key A's good signature, then a copy of it over an edited payload.
  'proxy-forged': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.path('proxy'), 'proxy-forged');
    await appendSignature(f, await forgedSignature(ctx, f));
  },
  // A valid signature by a trusted key, but over the cli bundle.
  'proxy-moved-signature': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.unsigned('proxy'), 'proxy-moved-signature');
    const theirs = (await readBundleHead(ctx.path('cli'))).signatures[0];
    assert.ok(theirs);
    await appendSignature(f, theirs.bytes);
  },
  'proxy-malformed': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.unsigned('proxy'), 'proxy-malformed');
    await appendSignature(f, Buffer.from('{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "verif'));
  },
  'proxy-media-type': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.unsigned('proxy'), 'proxy-media-type');
    const sig = await signatureJson(ctx.path('proxy'));
    sig.mediaType = 'application/vnd.dev.sigstore.bundle.v9+json';
    await appendSignature(f, sig);
  },
  'proxy-message-signature': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.unsigned('proxy'), 'proxy-message-signature');
    const json = (await messageSignature(ctx.keyA, (await readBundleHead(f)).manifestBytes)) as { mediaType: string };
    json.mediaType = 'application/vnd.dev.sigstore.bundle.v0.3+json';
    await appendSignature(f, json);
  },
  'proxy-payload-type': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.unsigned('proxy'), 'proxy-payload-type');
    const head = await readBundleHead(f);
    await appendSignature(f, await dsseSignature(ctx.keyA, Buffer.from(JSON.stringify(buildStatement(head.manifest, head.digest))), 'text/plain'));
  },
  'proxy-statement': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.unsigned('proxy'), 'proxy-statement');
    const head = await readBundleHead(f);
    const st = { ...buildStatement(head.manifest, head.digest), predicateType: 'https://slsa.dev/provenance/v1' };
    await appendSignature(f, await dsseSignature(ctx.keyA, Buffer.from(JSON.stringify(st)), 'application/vnd.in-toto+json'));
  },
  // One digit of the producers custom section flipped: the component still parses, its digest does not match.
  'proxy-tampered-component': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.path('proxy'), 'proxy-tampered-component');
    const { dataOffset, size } = await entryData(f, 'component.wasm');
    const bytes = (await readFile(f)).subarray(dataOffset, dataOffset + size);
    const marker = Buffer.from('wit-component');
    const at = bytes.lastIndexOf(marker) + marker.length + 1; // after the version's length byte
    assert.ok(at > marker.length && /[0-9]/.test(String.fromCharCode(bytes[at] ?? 0)), 'the producers section names the wit-component version');
    await flipByteAt(f, dataOffset + at);
  },
  // A signed bundle with 1000 bytes appended after its end-of-archive marker.
  'proxy-trailing': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.path('proxy'), 'proxy-trailing');
    await appendFile(f, Buffer.alloc(1000, 0x41));
    const size = (await stat(f)).size;
    // Signing would write over them and leave the rest trailing: it refuses, and the file stays as it was.
    await assert.rejects(signBundle(f, { kind: 'key', privateKey: ctx.keyA }), (e: unknown) => e instanceof ManifestError && e.code === 'INVALID_BUNDLE' && /1000 bytes after its end-of-archive marker/.test(e.message));
    assert.equal((await stat(f)).size, size);
  },
  // Zero record padding after the marker, as GNU tar and bsdtar write it (to 10240 bytes): not trailing data; signing works.
  'proxy-padded': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.unsigned('proxy'), 'proxy-padded');
    await appendFile(f, Buffer.alloc(10240 - ((await stat(f)).size % 10240)));
    assert.equal((await readBundleUnverified(f)).trailingBytes, 0);
    await signBundle(f, { kind: 'key', privateKey: ctx.keyA });
  },
  'proxy-res': (ctx: BuildContext) => signedWithA(ctx, ctx.unsigned('proxy-res'), 'proxy-res'),
  'proxy-res-tampered': async (ctx: BuildContext) => {
    const f = await copyOf(ctx, ctx.path('proxy-res'), 'proxy-res-tampered');
    const { dataOffset, size } = await entryData(f, 'resources/model/weights.bin');
    await flipByteAt(f, dataOffset + Math.floor(size / 2));
  },
  // wpack.json declares component.wasm one byte longer than the archive entry (digest of the real bytes).
  'proxy-size-mismatch': (ctx: BuildContext) =>
    rebuiltAndSigned(ctx, 'proxy-size-mismatch', (parts) => {
      const component = parts.manifest.files[0];
      assert.ok(component);
      component.size += 1;
    }),
  // Correct digests, but wpack.json does not record the wasi:http/outgoing-handler import.
  'proxy-interface-mismatch': (ctx: BuildContext) =>
    rebuiltAndSignedByHand(ctx, 'proxy-interface-mismatch', (parts) => {
      const before = parts.manifest.interface.imports.length;
      parts.manifest.interface.imports = parts.manifest.interface.imports.filter((i) => !i.name.startsWith('wasi:http/outgoing-handler@'));
      assert.equal(parts.manifest.interface.imports.length, before - 1);
    }),
  // component.wasm replaced by a core module, digests re-locked: it claims the proxy's interface.
  'proxy-core-module': (ctx: BuildContext) =>
    rebuiltAndSignedByHand(ctx, 'proxy-core-module', async (parts) => {
      const core = await readFile((await buildFixtures())['core-module']);
      const file = parts.files[0];
      const locked = parts.manifest.files[0];
      assert.ok(file && locked);
      file.data = core;
      locked.size = core.length;
      locked.digest = 'sha256:' + createHash('sha256').update(core).digest('hex');
    }),
  'proxy-wild': (ctx: BuildContext) => signedWithA(ctx, ctx.unsigned('proxy-wild'), 'proxy-wild'),
  'proxy-undeclared': (ctx: BuildContext) => signedWithA(ctx, ctx.unsigned('proxy-undeclared'), 'proxy-undeclared'),
  'proxy-unused': (ctx: BuildContext) => signedWithA(ctx, ctx.unsigned('proxy-unused'), 'proxy-unused'),
  cli: (ctx: BuildContext) => signedWithA(ctx, ctx.unsigned('cli'), 'cli'),
  kv: (ctx: BuildContext) => signedWithA(ctx, ctx.unsigned('kv'), 'kv'),
  // The kv component with its first type opcode (the `error` variant of
  // acme:kv/store's instance type) replaced by one no reader knows: its names
  // still read, its types do not.
  'kv-untyped': async (ctx: BuildContext) => {
    const bytes = await readFile((await buildFixtures())['kv-custom']);
    let at = 8;
    assert.equal(bytes[at++], 7, 'kv-custom opens with a type section');
    while (((bytes[at] as number) & 0x80) !== 0) at++;
    at++;
    // count, 0x42 (instance type), declarator count, 0x01 (type), 0x71 (variant)
    assert.deepEqual([bytes[at + 1], bytes[at + 3], bytes[at + 4]], [0x42, 0x01, 0x71]);
    const patched = Buffer.from(bytes);
    patched[at + 4] = 0x5a;
    const project = await makeProject(join(workDir(), 'projects', 'kv-untyped'), PROJECTS.kv);
    await writeFile(join(project, 'build', 'app.wasm'), patched);
    const out = ctx.path('kv-untyped');
    await createBundle(project, out, { sourceDateEpoch: EPOCH });
    await signBundle(out, { kind: 'key', privateKey: ctx.keyA });
  },
};

// ---------------------------------------------------------------------------
// Policies.

const KEY_A: PolicySigner = { key: 'keys/a.pub' };
const KEY_B: PolicySigner = { key: 'keys/b.pub' };
const KEY_C: PolicySigner = { key: 'keys/c.pub' };
const KEYLESS: PolicySigner = { keyless: { issuer: ISSUER, subject: WORKFLOW_GLOB } };

interface PolicyOptions {
  worlds?: string[];
  provides?: string[];
  signers?: PolicySigner[];
  minimum?: number;
  allow?: string[];
  deny?: string[];
  limits?: PolicyDocument['limits'];
  mode?: 'enforce' | 'warn';
  scopes?: string[];
  /** Host WIT files, relative to the policy (see HOST_WIT). */
  wit?: string[];
}

/** A policy file's contents; defaults: a wasi:http/proxy@0.2.12 host trusting key A and granting the proxy's capabilities. */
function policy(o: PolicyOptions = {}): PolicyDocument {
  const signers = o.signers ?? [KEY_A];
  return {
    version: 1,
    ...(o.mode !== undefined ? { mode: o.mode } : {}),
    ...(o.scopes !== undefined ? { scopes: o.scopes } : {}),
    host: {
      worlds: o.worlds ?? ['wasi:http/proxy@0.2.12'],
      ...(o.provides !== undefined ? { provides: o.provides } : {}),
      ...(o.wit !== undefined ? { wit: o.wit } : {}),
    },
    signatures: {
      ...(o.minimum !== undefined ? { minimum: o.minimum } : {}),
      signers,
      ...(signers.some((s) => 'keyless' in s) ? { trustedRoot: 'trusted_root.json' } : {}),
    },
    capabilities: { allow: o.allow ?? PROXY_ALLOW, ...(o.deny !== undefined ? { deny: o.deny } : {}) },
    ...(o.limits !== undefined ? { limits: o.limits } : {}),
  };
}

/** `policy({ mode: 'warn' })`, written by hand as JSONC: comments, trailing commas. */
const JSONC_WARN_POLICY = `// Rolling out the proxy fleet's policy: report, do not block yet.
{
  "version": 1,
  "mode": "warn",
  /* the host runs wasi:http/proxy */
  "host": { "worlds": ["wasi:http/proxy@0.2.12",], },
  "signatures": { "signers": [{ "key": "keys/a.pub" }], }, // relative to this file
  "capabilities": { "allow": ${JSON.stringify(PROXY_ALLOW)}, },
}
`;

// ---------------------------------------------------------------------------
// The scenario table.

type Code = GateFindingCode;

interface Report {
  verified: boolean;
  enforced: boolean;
  signers: string[];
  findings: GateFinding[];
}

/**
 * Host WIT for acme:kv@1.0.0, written to policies/wit/<name>.wit: the WIT the
 * kv fixture was built from (test/fixtures/wit/acme-kv.wit), and variants of
 * it, each changing one thing the type-level comparison must see.
 */
const HOST_WIT: Record<string, (wit: string) => string> = {
  same: (w) => w,
  // A newer host: one more function. Width subtyping: still compatible.
  extra: (w) => w.replace('  delete: func', '  list-keys: func() -> list<string>;\n  delete: func'),
  'get-option': (w) => w.replace('get: func(key: string) -> result<list<u8>, error>;', 'get: func(key: string) -> option<list<u8>>;'),
  'no-delete': (w) => w.replace(/\n\s*delete: func[^\n]*/, ''),
  'error-case': (w) => w.replace('    io(string),', '    io(string),\n    quota-exceeded,'),
  'error-renamed': (w) => w.replaceAll('error', 'failure'),
  'param-renamed': (w) => w.replace('get: func(key: string)', 'get: func(name: string)'),
};
const KV_TYPED = (wit: string): PolicyDocument =>
  policy({ worlds: ['wasi:cli/command@0.2.12'], provides: ['acme:kv/store@1.0.0'], wit: [`wit/${wit}.wit`], allow: KV_ALLOW });

interface Scenario {
  id: string;
  title: string;
  bundle: BundleName;
  /** A document, JSONC text, or a document built once the registry's host:port is known. */
  policy: PolicyDocument | string | ((registryHost: string) => PolicyDocument);
  codes: Code[];
  verified: boolean;
  /** What a registry reference reports, when it differs from the local file (scopes). */
  ref?: { codes: Code[]; verified: boolean };
  /** Why the scenario cannot go through a registry. */
  localOnly?: string;
  /** Also run `wpack verify <file> --policy … --json` and check the exit code. */
  cli?: boolean;
  /** False for a policy in mode "warn": the verdict is reported, not enforced (exit 0). */
  enforced?: boolean;
  /** Further assertions on the report (library and CLI alike). */
  check?: (r: Report) => void;
}

const PASS: readonly Code[] = ['INTEGRITY_VERIFIED', 'SIGNATURE_VERIFIED', 'WORLD_COMPATIBLE', 'CAPABILITIES_GRANTED', 'LIMITS_OK'];

/** The passing code set with `drop` taken out and `add` put in. */
function pass(drop: Code[] = [], add: Code[] = []): Code[] {
  return [...PASS.filter((c) => !drop.includes(c)), ...add];
}

const only = (r: Report, code: Code): GateFinding[] => r.findings.filter((f) => f.code === code);

const SCENARIOS: Scenario[] = [
  // -- world --------------------------------------------------------------
  {
    id: 'proxy-ok',
    title: 'http-proxy component on a wasi:http/proxy@0.2.12 host, policy scoped to the pushed repositories: passes',
    bundle: 'proxy',
    policy: (host) => policy({ mode: 'enforce', scopes: [`${host}/gate/*`] }),
    codes: pass(),
    verified: true,
    cli: true,
  },
  {
    id: 'proxy-older-host',
    title: 'http-proxy@0.2.12 component on a wasi:http/proxy@0.2.3 host: one grouped IMPORT_VERSION_NEWER warning, still verified',
    bundle: 'proxy',
    policy: policy({ worlds: ['wasi:http/proxy@0.2.3'] }),
    codes: pass([], ['IMPORT_VERSION_NEWER']),
    verified: true,
    check: (r) => {
      const newer = only(r, 'IMPORT_VERSION_NEWER');
      assert.equal(newer.length, 1, 'grouped into one finding per host source and version');
      assert.equal(newer[0]?.severity, 'warning');
      assert.match(newer[0]?.subject ?? '', /wasi:http\/outgoing-handler@0\.2\.12/);
    },
  },
  {
    id: 'cli-ok',
    title: 'cli-command component on a wasi:cli/command@0.2.12 host: passes',
    bundle: 'cli',
    policy: policy({ worlds: ['wasi:cli/command@0.2.12'], allow: CLI_ALLOW }),
    codes: pass(),
    verified: true,
  },
  {
    id: 'cli-on-proxy-host',
    title: 'cli-command component on a proxy-only host: IMPORT_NOT_PROVIDED and EXPORT_MISSING',
    bundle: 'cli',
    policy: policy({ worlds: ['wasi:http/proxy@0.2.12'], allow: CLI_ALLOW }),
    codes: pass(['WORLD_COMPATIBLE'], ['IMPORT_NOT_PROVIDED', 'EXPORT_MISSING']),
    verified: false,
    cli: true,
    check: (r) => {
      const subjects = only(r, 'IMPORT_NOT_PROVIDED').map((f) => f.subject);
      assert.ok(subjects.includes('wasi:cli/environment@0.2.12'), String(subjects));
      assert.ok(!subjects.includes('wasi:cli/stdout@0.2.12'), 'the proxy world provides stdout');
      assert.deepEqual(only(r, 'EXPORT_MISSING').map((f) => f.subject), ['wasi:http/incoming-handler@0.2.12']);
    },
  },
  {
    id: 'cli-newer-host',
    title: 'cli-command@0.2.12 on a wasi:cli/command@0.2.20 host: the host calls a newer run export (EXPORT_VERSION_OLDER warning)',
    bundle: 'cli',
    policy: policy({ worlds: ['wasi:cli/command@0.2.20'], allow: CLI_ALLOW }),
    codes: pass([], ['EXPORT_VERSION_OLDER']),
    verified: true,
    check: (r) => assert.deepEqual(only(r, 'EXPORT_VERSION_OLDER').map((f) => f.subject), ['wasi:cli/run@0.2.20']),
  },
  {
    id: 'cli-two-worlds',
    title: 'a host of two worlds: imports from their union, exports of the closest one',
    bundle: 'cli',
    policy: policy({ worlds: ['wasi:http/proxy@0.2.12', 'wasi:cli/command@0.2.12'], allow: CLI_ALLOW }),
    codes: pass(),
    verified: true,
  },
  {
    id: 'kv-no-provides',
    title: 'custom acme:kv/store import on a host that does not provide it: IMPORT_NOT_PROVIDED',
    bundle: 'kv',
    policy: policy({ worlds: ['wasi:cli/command@0.2.12'], allow: KV_ALLOW }),
    codes: pass(['WORLD_COMPATIBLE'], ['IMPORT_NOT_PROVIDED']),
    verified: false,
    check: (r) => assert.deepEqual(only(r, 'IMPORT_NOT_PROVIDED').map((f) => f.subject), ['acme:kv/store@1.0.0']),
  },
  {
    id: 'kv-provides',
    title: 'host.provides acme:kv/store@1.0.0: passes',
    bundle: 'kv',
    policy: policy({ worlds: ['wasi:cli/command@0.2.12'], provides: ['acme:kv/store@1.0.0'], allow: KV_ALLOW }),
    codes: pass(),
    verified: true,
  },
  {
    id: 'kv-provides-other-track',
    title: 'host.provides acme:kv/store@2.0.0: another track never links (IMPORT_NOT_PROVIDED)',
    bundle: 'kv',
    policy: policy({ worlds: ['wasi:cli/command@0.2.12'], provides: ['acme:kv/store@2.0.0'], allow: KV_ALLOW }),
    codes: pass(['WORLD_COMPATIBLE'], ['IMPORT_NOT_PROVIDED']),
    verified: false,
  },
  {
    id: 'kv-provides-unversioned',
    title: 'host.provides an unversioned acme:kv/store: a versioned import never links to it',
    bundle: 'kv',
    policy: policy({ worlds: ['wasi:cli/command@0.2.12'], provides: ['acme:kv/store'], allow: KV_ALLOW }),
    codes: pass(['WORLD_COMPATIBLE'], ['IMPORT_NOT_PROVIDED']),
    verified: false,
  },
  {
    id: 'kv-provides-only',
    title: 'a host described by provides alone (no worlds): every import listed, no export required',
    bundle: 'kv',
    policy: policy({
      worlds: [],
      provides: ['acme:kv/store@1.0.0', 'wasi:cli/stdout@0.2.12', 'wasi:io/streams@0.2.12', 'wasi:io/error@0.2.12', 'wasi:io/poll@0.2.12'],
      allow: KV_ALLOW,
    }),
    codes: pass(),
    verified: true,
  },

  // -- world, type level (host WIT for acme:kv) ------------------------------
  {
    id: 'kv-types-same',
    title: 'host WIT identical to what the component was built against: passes at the type level',
    bundle: 'kv',
    policy: KV_TYPED('same'),
    codes: pass(),
    verified: true,
  },
  {
    id: 'kv-types-newer-host',
    title: 'a newer host with one more function: width subtyping, still compatible',
    bundle: 'kv',
    policy: KV_TYPED('extra'),
    codes: pass(),
    verified: true,
  },
  {
    id: 'kv-types-result-changed',
    title: 'get returns option<list<u8>> on the host, result<list<u8>, error> in the component: TYPE_MISMATCH at result',
    bundle: 'kv',
    policy: KV_TYPED('get-option'),
    codes: pass(['WORLD_COMPATIBLE'], ['TYPE_MISMATCH']),
    verified: false,
    check: (r) => {
      const [f] = only(r, 'TYPE_MISMATCH');
      assert.equal(f?.subject, 'acme:kv/store@1.0.0#get');
      assert.match(f?.message ?? '', /first difference at result: result<list<u8>, error> vs option<list<u8>>/);
    },
  },
  {
    id: 'kv-types-missing-function',
    title: 'the host lacks delete: MISSING_FUNCTION',
    bundle: 'kv',
    policy: KV_TYPED('no-delete'),
    codes: pass(['WORLD_COMPATIBLE'], ['MISSING_FUNCTION']),
    verified: false,
    check: (r) => assert.deepEqual(only(r, 'MISSING_FUNCTION').map((f) => f.subject), ['acme:kv/store@1.0.0#delete']),
  },
  {
    id: 'kv-types-named-type-changed',
    title: 'the host error variant has one more case: one TYPE_MISMATCH on the type, grouping the three functions it affects',
    bundle: 'kv',
    policy: KV_TYPED('error-case'),
    codes: pass(['WORLD_COMPATIBLE'], ['TYPE_MISMATCH']),
    verified: false,
    check: (r) => {
      const found = only(r, 'TYPE_MISMATCH');
      assert.deepEqual(found.map((f) => f.subject), ['acme:kv/store@1.0.0#error']);
      assert.match(found[0]?.message ?? '', /affects 3 functions: get, set, delete/);
    },
  },
  {
    id: 'kv-types-missing-type',
    title: 'the host names its variant failure, not error: MISSING_TYPE (the functions still agree structurally)',
    bundle: 'kv',
    policy: KV_TYPED('error-renamed'),
    codes: pass(['WORLD_COMPATIBLE'], ['MISSING_TYPE']),
    verified: false,
  },
  {
    id: 'kv-types-param-renamed',
    title: "a parameter renamed on the host: PARAM_NAMES_DIFFER, a warning; still verified",
    bundle: 'kv',
    policy: KV_TYPED('param-renamed'),
    codes: pass([], ['PARAM_NAMES_DIFFER']),
    verified: true,
  },

  {
    id: 'kv-types-unreadable',
    title: 'a component whose acme:kv types use an encoding no reader knows: TYPES_NOT_READ, a warning; checked by name',
    bundle: 'kv-untyped',
    policy: KV_TYPED('same'),
    codes: pass([], ['TYPES_NOT_READ']),
    verified: true,
    check: (r) => assert.deepEqual(only(r, 'TYPES_NOT_READ').map((f) => f.subject), ['acme:kv/store@1.0.0']),
  },

  // -- capabilities -------------------------------------------------------
  {
    id: 'proxy-undeclared',
    title: 'an import whose capability is not declared: CAPABILITY_UNDECLARED',
    bundle: 'proxy-undeclared',
    policy: policy(),
    codes: pass(['CAPABILITIES_GRANTED'], ['CAPABILITY_UNDECLARED']),
    verified: false,
    check: (r) => assert.deepEqual(only(r, 'CAPABILITY_UNDECLARED').map((f) => f.subject), ['wasi:http/outgoing-handler@0.2.12']),
  },
  {
    id: 'proxy-unused',
    title: 'a declared capability no import needs (granted): CAPABILITY_UNUSED warning, still verified',
    bundle: 'proxy-unused',
    policy: policy({ allow: [...PROXY_ALLOW, 'env:FOO'] }),
    codes: pass([], ['CAPABILITY_UNUSED']),
    verified: true,
  },
  {
    id: 'proxy-not-granted',
    title: 'the allow list lacks outgoing HTTP: CAPABILITY_NOT_GRANTED',
    bundle: 'proxy',
    policy: policy({ allow: PROXY_ALLOW.filter((p) => !p.startsWith('http:outbound:')) }),
    codes: pass(['CAPABILITIES_GRANTED'], ['CAPABILITY_NOT_GRANTED']),
    verified: false,
  },
  {
    id: 'proxy-wildcard-not-contained',
    title: 'declared http:outbound:https://* is not contained in an allowed https://*.acme.com: CAPABILITY_NOT_GRANTED',
    bundle: 'proxy-wild',
    policy: policy(),
    codes: pass(['CAPABILITIES_GRANTED'], ['CAPABILITY_NOT_GRANTED']),
    verified: false,
  },
  {
    id: 'proxy-denied',
    title: 'the deny list names the declared host: CAPABILITY_DENIED wins over allow',
    bundle: 'proxy',
    policy: policy({ deny: ['http:outbound:*://api.acme.com'] }),
    codes: pass(['CAPABILITIES_GRANTED'], ['CAPABILITY_DENIED']),
    verified: false,
  },

  // -- limits -------------------------------------------------------------
  {
    id: 'limit-all',
    title: 'maxComponentBytes, maxBundleBytes and maxResourceBytes each exceeded: one finding each',
    bundle: 'proxy-res',
    policy: policy({ limits: { maxComponentBytes: 1024, maxBundleBytes: 8192, maxResourceBytes: 1024 } }),
    codes: pass(['LIMITS_OK'], ['COMPONENT_TOO_LARGE', 'BUNDLE_TOO_LARGE', 'RESOURCES_TOO_LARGE']),
    verified: false,
    check: (r) => {
      assert.equal(r.findings.filter((f) => f.step === 'limits').length, 3);
      assert.match(only(r, 'COMPONENT_TOO_LARGE')[0]?.message ?? '', /over the policy's maxComponentBytes of 1024/);
      assert.match(only(r, 'BUNDLE_TOO_LARGE')[0]?.message ?? '', /over the policy's maxBundleBytes of 8192/);
      assert.match(only(r, 'RESOURCES_TOO_LARGE')[0]?.message ?? '', / 65536 bytes, over the policy's maxResourceBytes/);
    },
  },
  {
    id: 'limit-within',
    title: 'limits set and met (resources exactly at maxResourceBytes): LIMITS_OK',
    bundle: 'proxy-res',
    policy: policy({ limits: { maxComponentBytes: 1_000_000, maxBundleBytes: 1_000_000, maxResourceBytes: 64 * 1024 } }),
    codes: pass(),
    verified: true,
  },

  // -- signatures ---------------------------------------------------------
  { id: 'unsigned', title: 'an unsigned bundle: NO_SIGNATURES', bundle: 'proxy-unsigned', policy: policy(), codes: pass(['SIGNATURE_VERIFIED'], ['NO_SIGNATURES']), verified: false },
  {
    id: 'unsigned-warn-mode',
    title: 'mode "warn" (a JSONC policy): an unsigned bundle is reported as denied but not enforced (exit 0)',
    bundle: 'proxy-unsigned',
    policy: JSONC_WARN_POLICY,
    codes: pass(['SIGNATURE_VERIFIED'], ['NO_SIGNATURES']),
    verified: false,
    enforced: false,
    cli: true,
  },
  {
    id: 'untrusted-key',
    title: 'signed by key A, the policy trusts only key C: UNTRUSTED_KEY',
    bundle: 'proxy',
    policy: policy({ signers: [KEY_C] }),
    codes: pass(['SIGNATURE_VERIFIED'], ['UNTRUSTED_KEY', 'THRESHOLD_NOT_MET']),
    verified: false,
  },
  {
    id: 'key-not-yet-valid',
    title: 'key A trusted only from 2999: KEY_NOT_YET_VALID',
    bundle: 'proxy',
    policy: policy({ signers: [{ key: 'keys/a.pub', validFrom: '2999-01-01T00:00:00Z' }] }),
    codes: pass(['SIGNATURE_VERIFIED'], ['KEY_NOT_YET_VALID', 'THRESHOLD_NOT_MET']),
    verified: false,
  },
  {
    id: 'key-expired',
    title: 'key A trusted only until 2001: KEY_EXPIRED',
    bundle: 'proxy',
    policy: policy({ signers: [{ key: 'keys/a.pub', validFrom: '2000-01-01T00:00:00Z', validUntil: '2001-01-01T00:00:00Z' }] }),
    codes: pass(['SIGNATURE_VERIFIED'], ['KEY_EXPIRED', 'THRESHOLD_NOT_MET']),
    verified: false,
  },
  {
    id: 'same-key-twice-min2',
    title: 'key A signed twice, minimum 2: DUPLICATE_SIGNER and THRESHOLD_NOT_MET',
    bundle: 'proxy-same-key-twice',
    policy: policy({ signers: [KEY_A, KEY_B], minimum: 2 }),
    codes: pass([], ['DUPLICATE_SIGNER', 'THRESHOLD_NOT_MET']),
    verified: false,
    check: (r) => assert.equal(r.signers.length, 1),
  },
  {
    id: 'same-key-twice-min1',
    title: 'key A signed twice, minimum 1: DUPLICATE_SIGNER is a warning',
    bundle: 'proxy-same-key-twice',
    policy: policy({ signers: [KEY_A] }),
    codes: pass([], ['DUPLICATE_SIGNER']),
    verified: true,
    check: (r) => assert.equal(only(r, 'DUPLICATE_SIGNER')[0]?.severity, 'warning'),
  },
  {
    id: 'two-keys-min2',
    title: 'two different trusted keys (one signed with `wpack sign --key`), minimum 2: passes',
    bundle: 'proxy-two-keys',
    policy: policy({ signers: [KEY_A, KEY_B], minimum: 2 }),
    codes: pass(),
    verified: true,
    check: (r) => assert.equal(r.signers.length, 2),
  },
  {
    id: 'keyless-ok',
    title: 'keyless (mock Fulcio and Rekor): issuer exact, subject glob: passes',
    bundle: 'proxy-keyless',
    policy: policy({ signers: [KEYLESS] }),
    codes: pass(),
    verified: true,
    check: (r) => assert.deepEqual(r.signers, [`keyless:${ISSUER} ${WORKFLOW}`]),
  },
  {
    id: 'keyless-wrong-issuer',
    title: 'keyless from an issuer the policy does not trust: ISSUER_MISMATCH',
    bundle: 'proxy-keyless',
    policy: policy({ signers: [{ keyless: { issuer: 'https://accounts.google.com', subject: WORKFLOW_GLOB } }] }),
    codes: pass(['SIGNATURE_VERIFIED'], ['ISSUER_MISMATCH', 'THRESHOLD_NOT_MET']),
    verified: false,
  },
  {
    id: 'keyless-wrong-subject',
    title: 'keyless from another workflow of the trusted issuer: IDENTITY_MISMATCH',
    bundle: 'proxy-keyless',
    policy: policy({ signers: [{ keyless: { issuer: ISSUER, subject: 'https://github.com/acme/other/*' } }] }),
    codes: pass(['SIGNATURE_VERIFIED'], ['IDENTITY_MISMATCH', 'THRESHOLD_NOT_MET']),
    verified: false,
  },
  {
    id: 'keyless-key-policy',
    title: 'a keyless signature under a policy that trusts only keys (no trusted root): UNTRUSTED_KEY',
    bundle: 'proxy-keyless',
    policy: policy({ signers: [KEY_A] }),
    codes: pass(['SIGNATURE_VERIFIED'], ['UNTRUSTED_KEY', 'THRESHOLD_NOT_MET']),
    verified: false,
    check: (r) => assert.match(only(r, 'UNTRUSTED_KEY')[0]?.message ?? '', /no trusted root/),
  },
  {
    id: 'keyless-and-key-min2',
    title: 'a keyless identity and a key are two signers: minimum 2 passes',
    bundle: 'proxy-keyless-and-key',
    policy: policy({ signers: [KEYLESS, KEY_A], minimum: 2 }),
    codes: pass(),
    verified: true,
    check: (r) => assert.equal(r.signers.length, 2),
  },
  {
    id: 'forged-payload',
    title: 'a DSSE payload edited after signing, minimum 2: SIGNATURE_INVALID denies',
    bundle: 'proxy-forged',
    policy: policy({ signers: [KEY_A, KEY_B], minimum: 2 }),
    codes: pass([], ['SIGNATURE_INVALID', 'THRESHOLD_NOT_MET']),
    verified: false,
    check: (r) => assert.equal(only(r, 'SIGNATURE_INVALID')[0]?.severity, 'error'),
  },
  {
    id: 'forged-beside-good',
    title: 'the same forged signature beside a good one, minimum 1: SIGNATURE_INVALID is a warning, still verified',
    bundle: 'proxy-forged',
    policy: policy(),
    codes: pass([], ['SIGNATURE_INVALID']),
    verified: true,
    check: (r) => assert.equal(only(r, 'SIGNATURE_INVALID')[0]?.severity, 'warning'),
  },
  {
    id: 'moved-signature',
    title: 'a trusted signature moved over from another bundle: SUBJECT_MISMATCH',
    bundle: 'proxy-moved-signature',
    policy: policy(),
    codes: pass(['SIGNATURE_VERIFIED'], ['SUBJECT_MISMATCH', 'THRESHOLD_NOT_MET']),
    verified: false,
  },
  {
    id: 'malformed-signature',
    title: 'a truncated Sigstore JSON entry: SIGNATURE_MALFORMED',
    bundle: 'proxy-malformed',
    policy: policy(),
    codes: pass(['SIGNATURE_VERIFIED'], ['SIGNATURE_MALFORMED', 'THRESHOLD_NOT_MET']),
    verified: false,
  },
  {
    id: 'signature-media-type',
    title: 'a Sigstore bundle of an unknown media type: SIGNATURE_MEDIA_TYPE',
    bundle: 'proxy-media-type',
    policy: policy(),
    codes: pass(['SIGNATURE_VERIFIED'], ['SIGNATURE_MEDIA_TYPE', 'THRESHOLD_NOT_MET']),
    verified: false,
  },
  {
    id: 'message-signature',
    title: 'a message-signature bundle instead of DSSE: SIGNATURE_NOT_DSSE',
    bundle: 'proxy-message-signature',
    policy: policy(),
    codes: pass(['SIGNATURE_VERIFIED'], ['SIGNATURE_NOT_DSSE', 'THRESHOLD_NOT_MET']),
    verified: false,
  },
  {
    id: 'payload-type',
    title: 'a DSSE envelope of payload type text/plain: SIGNATURE_PAYLOAD_TYPE',
    bundle: 'proxy-payload-type',
    policy: policy(),
    codes: pass(['SIGNATURE_VERIFIED'], ['SIGNATURE_PAYLOAD_TYPE', 'THRESHOLD_NOT_MET']),
    verified: false,
  },
  {
    id: 'statement-invalid',
    title: 'a signed in-toto statement with a SLSA predicate type: STATEMENT_INVALID',
    bundle: 'proxy-statement',
    policy: policy(),
    codes: pass(['SIGNATURE_VERIFIED'], ['STATEMENT_INVALID', 'THRESHOLD_NOT_MET']),
    verified: false,
  },
  {
    id: 'scope-mismatch',
    title: 'policy scopes name another repository: SCOPE_MISMATCH for a reference; a local file is not scoped',
    bundle: 'proxy',
    policy: (host) => policy({ scopes: [`${host}/elsewhere/*`] }),
    codes: pass(),
    verified: true,
    ref: { codes: pass([], ['SCOPE_MISMATCH']), verified: false },
  },

  // -- integrity ----------------------------------------------------------
  {
    id: 'tampered-component',
    title: 'one byte of component.wasm changed after signing: DIGEST_MISMATCH, other steps still reported',
    bundle: 'proxy-tampered-component',
    policy: policy(),
    codes: pass(['INTEGRITY_VERIFIED'], ['DIGEST_MISMATCH']),
    verified: false,
    localOnly: 'wpack push checks every digest first and refuses a tampered archive',
    cli: true,
    check: (r) => assert.match(only(r, 'DIGEST_MISMATCH')[0]?.message ?? '', /^entry "component\.wasm" has digest/),
  },
  {
    id: 'trailing-data',
    title: '1000 bytes appended after the end-of-archive marker of a signed bundle: TRAILING_DATA denies it; a push and pull leave them behind',
    bundle: 'proxy-trailing',
    policy: policy(),
    codes: pass([], ['TRAILING_DATA']),
    verified: false,
    ref: { codes: pass(), verified: true },
    cli: true,
    check: (r) => {
      // The code sets say where it is reported (the local file) and where not (what the registry gives back).
      const f = only(r, 'TRAILING_DATA')[0];
      if (f === undefined) return;
      assert.equal(f.severity, 'error');
      assert.match(f.message, /^1000 bytes follow the archive's end-of-archive marker; no digest covers them$/);
    },
  },
  {
    id: 'zero-padding',
    title: 'zero record padding after the end-of-archive marker (signed after padding): not trailing data, the gate passes',
    bundle: 'proxy-padded',
    policy: policy(),
    codes: pass(),
    verified: true,
  },
  {
    id: 'tampered-resource',
    title: 'one byte of a resource changed after signing: DIGEST_MISMATCH',
    bundle: 'proxy-res-tampered',
    policy: policy(),
    codes: pass(['INTEGRITY_VERIFIED'], ['DIGEST_MISMATCH']),
    verified: false,
    localOnly: 'wpack push checks every digest first and refuses a tampered archive',
    check: (r) => assert.match(only(r, 'DIGEST_MISMATCH')[0]?.message ?? '', /^entry "resources\/model\/weights\.bin" has digest/),
  },
  {
    id: 'size-mismatch',
    title: 'wpack.json declares component.wasm one byte longer than the entry (signed): SIZE_MISMATCH',
    bundle: 'proxy-size-mismatch',
    policy: policy(),
    codes: pass(['INTEGRITY_VERIFIED'], ['SIZE_MISMATCH']),
    verified: false,
    localOnly: 'wpack push reads the archive first and refuses an entry shorter than declared',
    check: (r) => assert.match(only(r, 'SIZE_MISMATCH')[0]?.message ?? '', /^entry "component\.wasm" is \d+ bytes, but wpack\.json declares \d+$/),
  },
  {
    id: 'interface-mismatch',
    title: 'wpack.json omits an import the component has (digests right, signed): INTERFACE_MISMATCH',
    bundle: 'proxy-interface-mismatch',
    policy: policy(),
    codes: pass([], ['INTERFACE_MISMATCH']),
    verified: false,
    localOnly: 'wpack push reads the archive first and refuses a wpack.json that does not record the component\'s interface',
    check: (r) => {
      const f = only(r, 'INTERFACE_MISMATCH')[0];
      assert.equal(f?.subject, 'component.wasm');
      assert.match(f.message, /wasi:http\/outgoing-handler@0\.2\.12/);
    },
  },
  {
    id: 'core-module',
    title: 'component.wasm is a core module, not a component (digests re-locked, signed): INTERFACE_MISMATCH',
    bundle: 'proxy-core-module',
    policy: policy(),
    codes: pass([], ['INTERFACE_MISMATCH']),
    verified: false,
    localOnly: 'wpack push reads the archive first and refuses a component.wasm that is not a component',
    check: (r) => assert.match(only(r, 'INTERFACE_MISMATCH')[0]?.message ?? '', /cannot be read as a component/),
  },
];

// ---------------------------------------------------------------------------
// Set-up: keys, bundles, policies, one registry.

let work: { dir: string; cleanup: () => Promise<void> } | undefined;
let registry: TestRegistry | undefined;
let mock: SigstoreMock | undefined;
let dockerEnv: NodeJS.ProcessEnv;
const policyFiles = new Map<string, string>();
const localDigests = new Map<string, string>();

const workDir = (): string => work?.dir ?? assert.fail('before() has not run');
const bundlePath = (b: BundleName): string => join(workDir(), 'bundles', `${b}.wpack`);
const policyPath = (s: Scenario): string => {
  const p = policyFiles.get(s.id);
  assert.ok(p, `no policy written for ${s.id}`);
  return p;
};
const expectedCodes = (codes: readonly Code[]): string[] => [...new Set(codes)].sort();

before(async () => {
  work = await tempDir('wpack-gate-');
  const dir = work.dir;
  registry = await startRegistry('plain');
  mock = await startSigstoreMock();
  const policies = join(dir, 'policies');
  await mkdir(join(policies, 'keys'), { recursive: true });
  await mkdir(join(dir, 'bundles'));
  // An empty Docker config: nothing of the machine's credentials leaks in.
  dockerEnv = { DOCKER_CONFIG: join(dir, 'docker') };
  await mkdir(join(dir, 'docker'));

  // Keys: A and C from the library, B from `wpack keygen`.
  const a = generateKeyPair();
  const c = generateKeyPair();
  await writeFile(join(policies, 'keys', 'a.pub'), a.publicPem);
  await writeFile(join(policies, 'keys', 'c.pub'), c.publicPem);
  const keygen = await runWpack(['keygen', '-o', join(dir, 'b'), '--json']);
  assert.equal(keygen.code, 0, keygen.stderr);
  await copyFile(join(dir, 'b.pub'), join(policies, 'keys', 'b.pub'));
  await writeFile(join(policies, 'trusted_root.json'), JSON.stringify(mock.trustedRoot));
  await mkdir(join(policies, 'wit'));
  const kvWit = await readFile(join(REPO_ROOT, 'test', 'fixtures', 'wit', 'acme-kv.wit'), 'utf8');
  for (const [name, edit] of Object.entries(HOST_WIT)) {
    const text = edit(kvWit);
    if (name !== 'same') assert.notEqual(text, kvWit, `host WIT variant ${name} changed nothing`);
    await writeFile(join(policies, 'wit', `${name}.wit`), text);
  }

  const unsigned = new Map<ProjectName, string>();
  for (const [name, options] of Object.entries(PROJECTS) as [ProjectName, ProjectOptions][]) {
    const project = await makeProject(join(dir, 'projects', name), options);
    const out = join(dir, 'bundles', `unsigned-${name}.wpack`);
    await createBundle(project, out, { sourceDateEpoch: EPOCH });
    unsigned.set(name, out);
  }
  const ctx: BuildContext = {
    unsigned: (p) => unsigned.get(p) ?? assert.fail(`no project ${p}`),
    path: bundlePath,
    keyA: loadPrivateKey(a.privatePem),
    keyBFile: join(dir, 'b.key'),
    mock,
  };
  for (const b of BUNDLE_NAMES) await BUNDLES[b](ctx);

  for (const s of SCENARIOS) {
    const file = join(policies, `${s.id}.json`);
    const doc = typeof s.policy === 'function' ? s.policy(registry.host) : s.policy;
    await writeFile(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
    policyFiles.set(s.id, file);
  }
});

after(async () => {
  await registry?.stop();
  await mock?.close();
  await work?.cleanup();
});

interface VerifyJson extends Report {
  digest: string;
  ociDigest?: string;
}

function parseVerify(run: { code: number | null; stdout: string; stderr: string }): VerifyJson {
  try {
    return JSON.parse(run.stdout) as VerifyJson;
  } catch {
    return assert.fail(`verify printed no JSON (exit ${String(run.code)}): ${run.stderr}${run.stdout}`);
  }
}

/** What every report must satisfy, however it was produced. */
function assertReport(s: Scenario, r: Report, want: { codes: Code[]; verified: boolean }): void {
  assert.deepEqual(codeSet(r.findings), expectedCodes(want.codes), JSON.stringify(r.findings.map((f) => `${f.severity} ${f.code}: ${f.message}`), null, 1));
  assert.equal(r.verified, want.verified);
  assert.equal(r.verified, !r.findings.some((f) => f.severity === 'error'), 'verified means no error finding');
  for (const f of r.findings) assert.equal(f.step, GATE_FINDING_CODES[f.code].step, `${f.code} reported in step ${f.step}`);
  assert.equal(r.enforced, s.enforced ?? true);
  s.check?.(r);
}

function exitCodeFor(verified: boolean, r: Report): number {
  return verified || !r.enforced ? 0 : 1;
}

// ---------------------------------------------------------------------------

void describe('gate scenarios: the table', () => {
  void test('at least 30 scenarios, unique ids', () => {
    assert.ok(SCENARIOS.length >= 30, String(SCENARIOS.length));
    assert.equal(new Set(SCENARIOS.map((s) => s.id)).size, SCENARIOS.length);
  });

  void test('together the scenarios expect every code in GATE_FINDING_CODES, and no other', () => {
    const union = new Set(SCENARIOS.flatMap((s) => [...s.codes, ...(s.ref?.codes ?? [])]));
    assert.deepEqual([...union].sort(), Object.keys(GATE_FINDING_CODES).sort());
  });

  void test('every code in GATE_FINDING_CODES has its why and fix in GATE_CODE_ADVICE (SARIF rule help, docs)', () => {
    assert.deepEqual(Object.keys(GATE_CODE_ADVICE).sort(), Object.keys(GATE_FINDING_CODES).sort());
    for (const [code, advice] of Object.entries(GATE_CODE_ADVICE)) {
      // Sentences that the SARIF help ends with a full stop: none of their own at the end, none empty.
      for (const text of [advice.why, advice.fix]) assert.match(text, /^[a-z`].*[^.\s]$/s, `${code}: ${JSON.stringify(text)}`);
    }
  });
});

void describe('gate scenarios: runGate on the local file', () => {
  for (const s of SCENARIOS) {
    void test(`${s.id}: ${s.title}`, async () => {
      const report = await runGate(bundlePath(s.bundle), await loadPolicy(policyPath(s)));
      assertReport(s, report, s);
      localDigests.set(s.id, report.digest);
    });
  }
});

void describe('gate scenarios: keepComponent hands back exactly the verified bytes', () => {
  void test('a verified bundle: its manifest and component.wasm as bundled; a tampered one: nothing', async () => {
    const ok = SCENARIOS.find((s) => s.id === 'cli-ok');
    const tampered = SCENARIOS.find((s) => s.id === 'tampered-component');
    assert.ok(ok !== undefined && tampered !== undefined);
    const kept = await runGate(bundlePath(ok.bundle), await loadPolicy(policyPath(ok)), { keepComponent: true });
    const { dataOffset, size } = await entryData(bundlePath(ok.bundle), 'component.wasm');
    const onDisk = (await readFile(bundlePath(ok.bundle))).subarray(dataOffset, dataOffset + size);
    assert.ok(kept.verifiedBundle !== undefined);
    assert.ok(kept.verifiedBundle.component.equals(onDisk));
    assert.equal(kept.verifiedBundle.manifest.name, kept.name);
    const bad = await runGate(bundlePath(tampered.bundle), await loadPolicy(policyPath(tampered)), { keepComponent: true });
    assert.equal(bad.verifiedBundle, undefined);
    const plain = await runGate(bundlePath(ok.bundle), await loadPolicy(policyPath(ok)));
    assert.equal(plain.verifiedBundle, undefined, 'only when asked');
  });
});

void describe('gate scenarios: trailing data is never extracted', () => {
  void test('wpack extract of a bundle with 1000 appended bytes writes exactly the entries of the clean bundle', async () => {
    const out = (b: BundleName): string => join(workDir(), 'extracted', b);
    for (const b of ['proxy', 'proxy-trailing'] as const) {
      const run = await runWpack(['extract', bundlePath(b), out(b), '--force']);
      assert.equal(run.code, 0, run.stderr);
    }
    const list = async (dir: string): Promise<string[]> => (await readdir(dir, { recursive: true })).sort();
    const clean = await list(out('proxy'));
    assert.deepEqual(await list(out('proxy-trailing')), clean);
    for (const name of clean) {
      const a = join(out('proxy'), name);
      if ((await stat(a)).isFile()) assert.ok((await readFile(a)).equals(await readFile(join(out('proxy-trailing'), name))), name);
    }
  });
});

void describe('gate scenarios: wpack verify <file> --policy (CLI)', { concurrency: 2 }, () => {
  for (const s of SCENARIOS.filter((x) => x.cli === true)) {
    void test(`${s.id}: exit code and JSON report`, async () => {
      const run = await runWpack(['verify', bundlePath(s.bundle), '--policy', policyPath(s), '--json']);
      const out = parseVerify(run);
      assertReport(s, out, s);
      assert.equal(out.ociDigest, undefined, 'a local file has no OCI digest');
      assert.equal(run.code, exitCodeFor(s.verified, out), run.stderr);
    });
  }

  void test('a policy naming a host world version wpack does not know (wasi:http/proxy@0.3.0) is bad input: exit 2', async () => {
    const file = join(workDir(), 'policies', 'bad-world.json');
    await writeFile(file, JSON.stringify(policy({ worlds: ['wasi:http/proxy@0.3.0'] })));
    await assert.rejects(loadPolicy(file), (err: unknown) => err instanceof PolicyValidationError && /\/host\/worlds\/0/.test(err.message));
    const run = await runWpack(['verify', bundlePath('proxy'), '--policy', file, '--json']);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stdout + run.stderr, /wasi:http\/proxy@0\.3\.0/);
  });
});

void describe('gate scenarios: wpack verify <ref> --policy after wpack push (real registry)', { concurrency: 4 }, () => {
  const pushes = new Map<BundleName, Promise<string>>();
  const refOf = (b: BundleName): string => `${registry?.host ?? ''}/gate/${b}:1.2.0`;
  /** Pushes each bundle once, to a repository of its own (signatures are referrers of the component). */
  const pushed = (b: BundleName): Promise<string> => {
    let p = pushes.get(b);
    if (p === undefined) {
      p = runWpack(['push', bundlePath(b), refOf(b), '--json'], { env: dockerEnv }).then((run) => {
        assert.equal(run.code, 0, run.stderr);
        return (JSON.parse(run.stdout) as { digest: string }).digest;
      });
      pushes.set(b, p);
    }
    return p;
  };

  for (const s of SCENARIOS) {
    void test(`${s.id}: same findings through ${s.bundle} on the registry`, s.localOnly !== undefined ? { skip: `local-only: ${s.localOnly}` } : {}, async () => {
      const ociDigest = await pushed(s.bundle);
      const run = await runWpack(['verify', refOf(s.bundle), '--policy', policyPath(s), '--json'], { env: dockerEnv });
      const out = parseVerify(run);
      const want = s.ref ?? s;
      assertReport(s, out, want);
      assert.match(out.ociDigest ?? '', /^sha256:[0-9a-f]{64}$/);
      assert.equal(out.ociDigest, ociDigest, 'the component digest that was pushed');
      const local = localDigests.get(s.id) ?? (await readBundleHead(bundlePath(s.bundle))).digest;
      assert.equal(out.digest, local, 'the registry holds the bundle that was verified locally');
      assert.equal(run.code, exitCodeFor(want.verified, out), run.stderr);
    });
  }
});
