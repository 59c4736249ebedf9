/**
 * The pre-deploy gate (DESIGN §7) as an ordered pipeline, one method per
 * step: integrity → scope → signatures → world → capabilities → limits.
 * Every step runs even after a failure, so the report is complete. Scope is
 * a step of its own; its finding is reported under `signatures`, because a
 * policy vouches for its signers only inside the repositories it names.
 *
 * One read of the archive serves every step: readBundle checks every
 * digest and hands back the component's bytes, and the signatures checked
 * are the ones that read returned. The component is parsed once: its types
 * for the gate (its names come with them), its names alone for the quick
 * check. Only when the digests do not match is the archive read a second
 * time, by readBundleUnverified, so that the later steps can report on what
 * it claims; the bundle is denied by then. For a registry reference the
 * file is what the pull wrote, every blob checked against its digest as it
 * streamed (registry-client's verifying()); the gate still reads it as
 * untrusted input, like any other file.
 */
import { COMPONENT_FILE, interfaceDifference, ManifestError, readBundle, readBundleUnverified, type LockedManifest } from '@wpack/manifest';
import { readComponentInterface, readComponentTypes, type ComponentInterface, type ComponentTypes } from '@wpack/component';
import { pathGlobMatches, WpackError } from '@wpack/core';
import { verifySignatures, warmUpVerifier, type SignaturePolicy } from '@wpack/signatures';
import { checkCapabilities } from '../capabilities/check.js';
import type { LoadedPolicy } from '../policy/load.js';
import { checkWorld } from '../world/check.js';
import { SIGNATURE_ADVICE } from './advice.js';
import { GATE_CODE_ADVICE, type GateFinding } from './findings.js';

export interface GateOptions {
  /** For a bundle pulled from a registry: `registry/repository`, checked against the policy's scopes. */
  repository?: string;
  /** The time keys must be valid at (tests); default now. */
  now?: Date;
  /**
   * Hand back, in the report, the verified manifest and component bytes the
   * gate read (for a loader: what runs is then exactly what was verified,
   * with no second read of the file).
   */
  keepComponent?: boolean;
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
  /**
   * With `keepComponent`, when every digest matched: the locked manifest and
   * the component bytes the gate read and verified. Absent otherwise.
   */
  verifiedBundle?: { manifest: LockedManifest; component: Buffer };
}

export async function runGate(file: string, policy: LoadedPolicy, options: GateOptions = {}): Promise<GateReport> {
  const gate = await Gate.open(file, 'types');
  gate.integrity();
  gate.scope(policy.scopes, options.repository);
  await gate.signatures({ ...policy.signatures, ...(options.now ? { now: options.now } : {}) });
  await gate.world(policy);
  gate.capabilities(policy);
  gate.limits(policy);
  const report = gate.report(policy.mode === 'enforce');
  if (options.keepComponent === true) {
    const kept = gate.verifiedBundle();
    if (kept !== undefined) report.verifiedBundle = kept;
  }
  return report;
}

/**
 * The cosign-style quick check (DESIGN §7, without a policy): integrity and
 * signatures only, against the keys and identities given.
 */
export async function runSignatureCheck(file: string, policy: SignaturePolicy): Promise<GateReport> {
  const gate = await Gate.open(file, 'names');
  gate.integrity();
  await gate.signatures(policy);
  return gate.report(true);
}

/** Integrity failures that mean "these are not the signed bytes": findings, not bad input. */
const TAMPERING = new Set(['DIGEST_MISMATCH', 'SIZE_MISMATCH']);

/** What the one read of the archive gave every step. */
interface BundleRead {
  digest: string;
  manifest: LockedManifest;
  signatures: { path: string; bytes: Buffer }[];
  archiveSize: number;
  /** Bytes after the end-of-archive marker: covered by no digest. */
  trailingBytes: number;
  /** The DIGEST_MISMATCH or SIZE_MISMATCH readBundle refused the bytes with; the rest was read unverified. */
  tampering?: ManifestError;
}

/** The component as parsed once. */
interface ParsedComponent {
  /** Its real imports and exports; what wpack.json records when it cannot be read at all. */
  iface: ComponentInterface;
  /** Its structural types (the gate only); undefined when it cannot be read at all. */
  types?: ComponentTypes;
  /** Why component.wasm is not a component, when it is not. */
  unreadable?: string;
}

class Gate {
  private readonly findings: GateFinding[] = [];
  private signers: string[] = [];

  private constructor(
    private readonly read: BundleRead,
    private readonly component: ParsedComponent,
    private readonly componentBytes: Buffer,
  ) {}

  /** Reads the archive (sigstore-js loads meanwhile) and parses the component: its types, or only its names. */
  static async open(file: string, parse: 'types' | 'names'): Promise<Gate> {
    const warm = warmUpVerifier();
    const { read, componentBytes } = await readArchive(file);
    await warm;
    return new Gate(read, parseComponent(componentBytes, read.manifest.interface, parse), componentBytes);
  }

  /** The manifest and component bytes, when readBundle checked every digest of them. */
  verifiedBundle(): { manifest: LockedManifest; component: Buffer } | undefined {
    return this.read.tampering === undefined ? { manifest: this.read.manifest, component: this.componentBytes } : undefined;
  }

  /** 1. Every digest and size matches, and wpack.json records the component's real interface. */
  integrity(): void {
    const { read, component } = this;
    if (read.tampering === undefined) {
      this.findings.push({ code: 'INTEGRITY_VERIFIED', severity: 'info', step: 'integrity', message: `${String(read.manifest.files.length + 1)} entries match the digests in wpack.json` });
    } else {
      this.findings.push({
        code: read.tampering.code as 'DIGEST_MISMATCH' | 'SIZE_MISMATCH',
        severity: 'error',
        step: 'integrity',
        message: read.tampering.message,
        ...GATE_CODE_ADVICE.DIGEST_MISMATCH,
      });
    }
    if (read.trailingBytes > 0) {
      const n = read.trailingBytes;
      this.findings.push({
        code: 'TRAILING_DATA',
        severity: 'error',
        step: 'integrity',
        message: `${String(n)} byte${n === 1 ? '' : 's'} follow the archive's end-of-archive marker; no digest covers ${n === 1 ? 'it' : 'them'}`,
        ...GATE_CODE_ADVICE.TRAILING_DATA,
      });
    }
    const problem = component.unreadable ?? interfaceDifference(read.manifest.interface, component.iface);
    if (problem === undefined) return;
    this.findings.push({
      code: 'INTERFACE_MISMATCH',
      severity: 'error',
      step: 'integrity',
      subject: COMPONENT_FILE,
      message: problem,
      why:
        component.unreadable === undefined
          ? GATE_CODE_ADVICE.INTERFACE_MISMATCH.why
          : 'a bundle must ship a component; the world and capability checks fall back to the interface wpack.json records',
      fix: GATE_CODE_ADVICE.INTERFACE_MISMATCH.fix,
    });
  }

  /** 2. A registry reference lies inside the policy's scopes (local files are not scoped). */
  scope(scopes: string[], repository: string | undefined): void {
    if (repository === undefined || scopes.length === 0) return;
    // Path-level globs, core's one engine: `*` within a segment, `**` across segments.
    if (scopes.some((s) => pathGlobMatches(s, repository))) return;
    this.findings.push({
      code: 'SCOPE_MISMATCH',
      severity: 'error',
      step: 'signatures',
      subject: repository,
      message: `${repository} is outside the policy's scopes (${scopes.join(', ')})`,
      ...GATE_CODE_ADVICE.SCOPE_MISMATCH,
    });
  }

  /** 3. Each signature verifies, signs this bundle, and enough distinct trusted signers signed. */
  async signatures(policy: SignaturePolicy): Promise<void> {
    const result = await verifySignatures({ digest: this.read.digest }, this.read.signatures, policy);
    this.signers = result.signers;
    for (const f of result.findings) {
      const advice = f.code === 'SIGNATURE_VERIFIED' ? undefined : SIGNATURE_ADVICE[f.code];
      this.findings.push({
        code: f.code,
        // A failing signature beside enough trusted ones does not deny the bundle.
        severity: f.ok ? 'info' : result.verified || f.code === 'DUPLICATE_SIGNER' ? 'warning' : 'error',
        step: 'signatures',
        message: f.entry ? `${f.entry} ${f.message}` : f.message,
        ...(advice ? { why: advice.why, fix: advice.fix } : {}),
        ...(f.entry ? { subject: f.entry } : {}),
      });
    }
  }

  /** 4. The host provides every import, calls exports the component has, with the same types. */
  async world(policy: LoadedPolicy): Promise<void> {
    this.findings.push(...(await checkWorld(this.component.iface, policy.host, this.component.types)));
  }

  /** 5. Imports are covered by declared capabilities, and those are granted. */
  capabilities(policy: LoadedPolicy): void {
    this.findings.push(...checkCapabilities(this.component.iface, this.read.manifest.capabilities, policy));
  }

  /** 6. The component, the bundle and the resources are within the policy's limits. */
  limits(policy: LoadedPolicy): void {
    this.findings.push(...limits(this.read.manifest, this.read.archiveSize, policy));
  }

  report(enforced: boolean): GateReport {
    return {
      verified: !this.findings.some((f) => f.severity === 'error'),
      enforced,
      digest: this.read.digest,
      name: this.read.manifest.name,
      version: this.read.manifest.version,
      signers: this.signers,
      findings: this.findings,
    };
  }
}

/**
 * The one read: readBundle, every digest checked, the component's bytes
 * returned. Tampered bytes are a finding, not bad input: the archive is then
 * read as it claims to be, digests unchecked, for the other steps.
 */
async function readArchive(file: string): Promise<{ read: BundleRead; componentBytes: Buffer }> {
  try {
    const contents = await readBundle(file, { component: 'return' });
    const { componentBytes, ...read } = contents;
    if (componentBytes === undefined) throw new Error('readBundle returned no component bytes');
    return { read, componentBytes };
  } catch (err) {
    if (!(err instanceof ManifestError) || !TAMPERING.has(err.code)) throw err;
    const { componentBytes, ...read } = await readBundleUnverified(file);
    return { read: { ...read, tampering: err }, componentBytes };
  }
}

/**
 * Parses component.wasm once. For the gate that is its types, which carry
 * its names; when its names read but its types do not, every import is
 * `unknown`, so the world step says so and checks by name (the names are
 * then read on their own). When it is not a component at all, the world and
 * capability steps fall back to the interface wpack.json records.
 */
function parseComponent(bytes: Buffer, recorded: ComponentInterface, parse: 'types' | 'names'): ParsedComponent {
  if (parse === 'types') {
    try {
      const types = readComponentTypes(bytes);
      return { iface: types.interface, types };
    } catch (err) {
      if (!(err instanceof WpackError)) throw err;
      const names = parseComponent(bytes, recorded, 'names');
      if (names.unreadable !== undefined) return names;
      const types: ComponentTypes = {
        interface: names.iface,
        imports: names.iface.imports.map((i) => ({ name: i.name, type: { kind: 'unknown', reason: err.message } })),
        exports: [],
        warnings: [err.message],
      };
      return { iface: names.iface, types };
    }
  }
  try {
    return { iface: readComponentInterface(bytes) };
  } catch (err) {
    if (!(err instanceof WpackError)) throw err;
    return { iface: recorded, unreadable: `component.wasm cannot be read as a component: ${err.message}` };
  }
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
