// A scratch directory for running the gate from the command line: a key pair,
// two signed http-proxy bundles and policies that pass, warn and deny them.
// Shared by the gate's CLI, SARIF, job summary and action tests.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle } from '@wpack/manifest';
import { generateKeyPair, loadPrivateKey, signBundle } from '@wpack/signatures';
import { makeProject } from './project.js';
import { tempDir } from './tmp.js';

/** What the http-proxy fixture imports, each capability narrowed. */
const PROXY_CAPS = ['clock:monotonic', 'clock:wall', 'random:secure', 'stdio:stdout', 'stdio:stderr', 'stdio:stdin', 'http:outbound:https://api.acme.com', 'http:inbound'];
const PROXY_ALLOW = [...PROXY_CAPS.filter((c) => !c.startsWith('http:outbound:')), 'http:outbound:https://*.acme.com'];
/** A declared capability whose text (and so the findings about it) holds a '%'. */
export const PERCENT_CAP = 'filesystem:read:/data/100%';

/** Bundles, relative to the workspace. */
export const BUNDLE = {
  /** Signed, declaring exactly what it imports. */
  good: 'good.wpack',
  /** The same, also declaring PERCENT_CAP (unused and not granted). */
  percent: 'percent.wpack',
};

/** Policies, relative to the workspace (in policies/, naming ../keys/release.pub). */
export const POLICY = {
  pass: 'policies/pass.json',
  /** IMPORT_VERSION_NEWER warning (host at 0.2.3); passes. */
  passWithWarning: 'policies/pass-with-warning.json',
  /** IMPORT_VERSION_NEWER warning (host at 0.2.3) and CAPABILITY_DENIED error (http:inbound denied). */
  denied: 'policies/denied.json',
  /** `denied` in mode warn. */
  warn: 'policies/warn.json',
  /** `denied` under a name whose annotation property needs escaping. */
  oddName: 'policies/po,li:cy.json',
  /** Three problems. */
  bad: 'policies/bad.json',
};

export interface GateWorkspace {
  dir: string;
  /** The digest of BUNDLE.good. */
  goodDigest: string;
  cleanup: () => Promise<void>;
}

export async function makeGateWorkspace(prefix: string): Promise<GateWorkspace> {
  const work = await tempDir(prefix);
  const pair = generateKeyPair();
  await mkdir(join(work.dir, 'keys'));
  await writeFile(join(work.dir, 'keys', 'release.pub'), pair.publicPem);
  const privateKey = loadPrivateKey(pair.privatePem);

  await makeProject(join(work.dir, 'good'), { fixture: 'http-proxy', capabilities: PROXY_CAPS });
  await makeProject(join(work.dir, 'percent'), { fixture: 'http-proxy', capabilities: [...PROXY_CAPS, PERCENT_CAP] });
  const good = join(work.dir, BUNDLE.good);
  const percent = join(work.dir, BUNDLE.percent);
  const goodDigest = (await createBundle(join(work.dir, 'good'), good)).digest;
  await createBundle(join(work.dir, 'percent'), percent);
  await signBundle(good, { kind: 'key', privateKey });
  await signBundle(percent, { kind: 'key', privateKey });

  await mkdir(join(work.dir, 'policies'));
  const base = { version: 1, signatures: { signers: [{ key: '../keys/release.pub' }] } };
  const pass = { ...base, host: { worlds: ['wasi:http/proxy@0.2.12'] }, capabilities: { allow: PROXY_ALLOW } };
  const passWithWarning = { ...pass, host: { worlds: ['wasi:http/proxy@0.2.3'] } };
  const denied = { ...passWithWarning, capabilities: { allow: PROXY_ALLOW, deny: ['http:inbound'] } };
  const bad = { ...base, host: { worlds: ['wasi:http/proxy@0.2.12', 'wasi:foo/bar@0.2.0'] }, signatures: { signers: [{ key: '../keys/missing.pub' }] }, capabilities: { allow: ['stdio:stdout', 'teleport:now'] } };
  const write = (path: string, doc: unknown) => writeFile(join(work.dir, path), JSON.stringify(doc, null, 2));
  await write(POLICY.pass, pass);
  await write(POLICY.passWithWarning, passWithWarning);
  await write(POLICY.denied, denied);
  await write(POLICY.warn, { ...denied, mode: 'warn' });
  await write(POLICY.oddName, denied);
  await write(POLICY.bad, bad);
  return { dir: work.dir, goodDigest, cleanup: work.cleanup };
}
