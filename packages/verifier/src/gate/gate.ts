/**
 * The pre-deploy gate (DESIGN §7): integrity → signatures → world →
 * capabilities → limits, every step run even after a failure so the report
 * is complete. One validated read of the archive serves every step: the
 * digest and signatures checked are the ones the integrity pass read.
 */
import { stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import type picomatchType from 'picomatch';
import { COMPONENT_FILE, ManifestError, readBundle, readBundleHead, readEntryBytes, type LockedManifest } from '@wpack/manifest';
import { readComponentInterface, readComponentTypes, type ComponentInterface, type ComponentTypes } from '@wpack/component';
import { WpackError } from '@wpack/core';
import { checkCapabilities } from '../capabilities/check.js';
import type { LoadedPolicy } from '../policy/load.js';
import { verifySignatures, warmUpVerifier, type SignaturePolicy } from '@wpack/signatures';
import { checkWorld } from '../world/check.js';
import { SIGNATURE_ADVICE } from './advice.js';
import type { GateFinding } from './findings.js';

export interface GateOptions {
  /** For a bundle pulled from a registry: `registry/repository`, checked against the policy's scopes. */
  repository?: string;
  /** The time keys must be valid at (tests); default now. */
  now?: Date;
}

export interface GateReport {
  /** True when no finding is an error. */
  verified: boolean;
  /** False in `mode: warn`: the verdict is reported, not enforced. */
  enforced: boolean;
  /** `sha256:…` of the locked wpack.json: the bundle's identity. */
  digest: string;
  name: string;
  version: string;
  /** Distinct trusted signers: `key:<hint>` or `keyless:<issuer> <subject>` (describeSigner prints them). */
  signers: string[];
  findings: GateFinding[];
}

/** Integrity failures that mean "these are not the signed bytes": findings, not bad input. */
const TAMPERING = new Set(['DIGEST_MISMATCH', 'SIZE_MISMATCH']);

export async function runGate(file: string, policy: LoadedPolicy, options: GateOptions = {}): Promise<GateReport> {
  const { read, findings, signers } = await integrityAndSignatures(file, { ...policy.signatures, ...(options.now ? { now: options.now } : {}) });
  findings.splice(findings.findIndex((f) => f.step === 'signatures'), 0, ...scope(policy, options.repository));
  findings.push(...(await checkWorld(read.component, policy.host, structuralTypes(read))));
  findings.push(...checkCapabilities(read.component, read.manifest.capabilities, policy));
  findings.push(...limits(read.manifest, read.archiveSize, policy));
  return report(read, signers, findings, policy.mode === 'enforce');
}

/**
 * The cosign-style quick check (DESIGN §7, without a policy): integrity and
 * signatures only, against the keys and identities given.
 */
export async function runSignatureCheck(file: string, policy: SignaturePolicy): Promise<GateReport> {
  const { read, findings, signers } = await integrityAndSignatures(file, policy);
  return report(read, signers, findings, true);
}

function report(read: IntegrityRead, signers: string[], findings: GateFinding[], enforced: boolean): GateReport {
  return {
    verified: !findings.some((f) => f.severity === 'error'),
    enforced,
    digest: read.digest,
    name: read.manifest.name,
    version: read.manifest.version,
    signers,
    findings,
  };
}

async function integrityAndSignatures(file: string, policy: SignaturePolicy): Promise<{ read: IntegrityRead; findings: GateFinding[]; signers: string[] }> {
  const warm = warmUpVerifier();
  const read = await integrity(file);
  await warm;
  const findings: GateFinding[] = [...read.findings];
  const signatures = await verifySignatures({ digest: read.digest }, read.signatures, policy);
  for (const f of signatures.findings) {
    const advice = f.code === 'SIGNATURE_VERIFIED' ? undefined : SIGNATURE_ADVICE[f.code];
    findings.push({
      code: f.code,
      // A failing signature beside enough trusted ones does not deny the bundle.
      severity: f.ok ? 'info' : signatures.verified || f.code === 'DUPLICATE_SIGNER' ? 'warning' : 'error',
      step: 'signatures',
      message: f.entry ? `${f.entry} ${f.message}` : f.message,
      ...(advice ? { why: advice.why, fix: advice.fix } : {}),
      ...(f.entry ? { subject: f.entry } : {}),
    });
  }
  // There is always a signatures step to splice a scope finding in front of.
  if (!findings.some((f) => f.step === 'signatures')) throw new Error('signature verification reported nothing');
  return { read, findings, signers: signatures.signers };
}

interface IntegrityRead {
  digest: string;
  manifest: LockedManifest;
  signatures: { path: string; bytes: Buffer }[];
  component: ComponentInterface;
  /** The component's bytes (checked against its digest unless integrity failed), for the type-level world step. */
  componentBytes: Buffer;
  /** False when component.wasm could not be read as a component at all. */
  readable: boolean;
  archiveSize: number;
  findings: GateFinding[];
}

async function integrity(file: string): Promise<IntegrityRead> {
  const findings: GateFinding[] = [];
  const chunks: Buffer[] = [];
  const collect = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  // The component's bytes are kept to read its real imports; nothing else is.
  const sink = (entry: { path: string }): Promise<Writable | undefined> => Promise.resolve(entry.path === COMPONENT_FILE ? collect : undefined);
  let read: { digest: string; manifest: LockedManifest; signatures: { path: string; bytes: Buffer }[]; archiveSize: number };
  let componentBytes: Buffer;
  try {
    read = await readBundle(file, { sink });
    componentBytes = Buffer.concat(chunks);
    findings.push({ code: 'INTEGRITY_VERIFIED', severity: 'info', step: 'integrity', message: `${String(read.manifest.files.length + 1)} entries match the digests in wpack.json` });
  } catch (err) {
    if (!(err instanceof ManifestError) || !TAMPERING.has(err.code)) throw err;
    findings.push({
      code: err.code as 'DIGEST_MISMATCH' | 'SIZE_MISMATCH',
      severity: 'error',
      step: 'integrity',
      message: err.message,
      why: 'these are not the bytes that were bundled and signed',
      fix: 'pull or copy the bundle again from its source; if it was edited, rebuild and sign it',
    });
    // Report the other steps on what the archive claims, read without digests.
    const head = await readBundleHead(file);
    const entry = head.index.entries.find((e) => e.name === COMPONENT_FILE);
    componentBytes = entry === undefined ? Buffer.alloc(0) : await readEntryBytes(file, entry);
    read = { ...head, archiveSize: (await stat(file)).size };
  }
  const recorded = read.manifest.interface;
  let component: ComponentInterface = recorded;
  let problem: string | undefined;
  let readable = true;
  try {
    component = readComponentInterface(componentBytes);
    problem = interfaceDifference(recorded, component);
  } catch (err) {
    if (!(err instanceof WpackError)) throw err;
    readable = false;
    problem = `component.wasm cannot be read as a component: ${err.message}`;
  }
  if (problem !== undefined) {
    findings.push({
      code: 'INTERFACE_MISMATCH',
      severity: 'error',
      step: 'integrity',
      subject: COMPONENT_FILE,
      message: problem,
      why: readable
        ? 'wpack.json must describe the component it ships; the world and capability checks use what the component really imports'
        : 'a bundle must ship a component; the world and capability checks fall back to the interface wpack.json records',
      fix: 'rebuild the bundle with `wpack bundle`, which records the interface from the component itself',
    });
  }
  return { digest: read.digest, manifest: read.manifest, signatures: read.signatures, component, componentBytes, readable, archiveSize: read.archiveSize, findings };
}

/**
 * The component's structural types for the world step (the gate only: the
 * quick check never needs them). Undefined when the component could not be
 * read at all; when its names read but its types do not, every import is
 * `unknown`, so the world step says so and checks by name.
 */
function structuralTypes(read: IntegrityRead): ComponentTypes | undefined {
  if (!read.readable) return undefined;
  try {
    return readComponentTypes(read.componentBytes);
  } catch (err) {
    if (!(err instanceof WpackError)) throw err;
    return {
      interface: read.component,
      imports: read.component.imports.map((i) => ({ name: i.name, type: { kind: 'unknown', reason: err.message } })),
      exports: [],
      warnings: [err.message],
    };
  }
}

function interfaceDifference(recorded: ComponentInterface, real: ComponentInterface): string | undefined {
  const names = (list: { name: string }[]): string[] => list.map((e) => e.name).sort();
  for (const dir of ['imports', 'exports'] as const) {
    const a = names(recorded[dir]);
    const b = names(real[dir]);
    const extra = b.filter((n) => !a.includes(n));
    const missing = a.filter((n) => !b.includes(n));
    if (extra.length > 0 || missing.length > 0) {
      const parts = [
        ...(extra.length > 0 ? [`the component ${dir === 'imports' ? 'imports' : 'exports'} ${extra.join(', ')}, which wpack.json does not record`] : []),
        ...(missing.length > 0 ? [`wpack.json records ${missing.join(', ')}, which the component does not ${dir === 'imports' ? 'import' : 'export'}`] : []),
      ];
      return parts.join('; ');
    }
  }
  return undefined;
}

function scope(policy: LoadedPolicy, repository: string | undefined): GateFinding[] {
  if (repository === undefined || policy.scopes.length === 0) return [];
  // Loaded only for a reference under a scoped policy.
  const picomatch = createRequire(import.meta.url)('picomatch') as typeof picomatchType;
  if (policy.scopes.some((s) => picomatch(s, { dot: true })(repository))) return [];
  return [
    {
      code: 'SCOPE_MISMATCH',
      severity: 'error',
      step: 'signatures',
      subject: repository,
      message: `${repository} is outside the policy's scopes (${policy.scopes.join(', ')})`,
      why: 'the policy vouches for its signers only in the repositories it names',
      fix: 'verify against the policy written for this repository, or add the repository to scopes',
    },
  ];
}

function limits(manifest: LockedManifest, archiveSize: number, policy: LoadedPolicy): GateFinding[] {
  const l = policy.limits;
  const findings: GateFinding[] = [];
  const component = manifest.files.find((f) => f.path === COMPONENT_FILE)?.size ?? 0;
  const resources = manifest.files.filter((f) => f.path !== COMPONENT_FILE).reduce((n, f) => n + f.size, 0);
  const over = (code: 'COMPONENT_TOO_LARGE' | 'BUNDLE_TOO_LARGE' | 'RESOURCES_TOO_LARGE', what: string, size: number, max: number, setting: string): void => {
    findings.push({
      code,
      severity: 'error',
      step: 'limits',
      message: `${what} ${what.endsWith('together') ? 'come to' : 'is'} ${String(size)} bytes, over the policy's ${setting} of ${String(max)}`,
      why: 'the host sized its memory and start-up budget for this limit',
      fix: `shrink it, or raise limits.${setting} in the policy`,
    });
  };
  if (l.maxComponentBytes !== undefined && component > l.maxComponentBytes) over('COMPONENT_TOO_LARGE', COMPONENT_FILE, component, l.maxComponentBytes, 'maxComponentBytes');
  if (l.maxBundleBytes !== undefined && archiveSize > l.maxBundleBytes) over('BUNDLE_TOO_LARGE', 'the bundle', archiveSize, l.maxBundleBytes, 'maxBundleBytes');
  if (l.maxResourceBytes !== undefined && resources > l.maxResourceBytes) over('RESOURCES_TOO_LARGE', 'the resources together', resources, l.maxResourceBytes, 'maxResourceBytes');
  if (findings.length === 0) {
    const set = Object.keys(l).length;
    findings.push({ code: 'LIMITS_OK', severity: 'info', step: 'limits', message: set === 0 ? 'the policy sets no limits' : `component ${String(component)} bytes, bundle ${String(archiveSize)} bytes: within the limits` });
  }
  return findings;
}
