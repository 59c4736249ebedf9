import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { Writable } from 'node:stream';
import { COMPONENT_FILE, readBundle, type BundleContents, type LockedFile, type LockedManifest } from '@wpack/manifest';
import { readComponentTypes, type ComponentTypes } from '@wpack/component';
import { describeSignature, publicGoodTrustedRoot, verifySignatures, type SignatureDescription } from '@wpack/signatures';
import { WpackCommand } from '../base-command.js';
import { withLocalBundle } from '../bundle-source.js';
import { componentLines, listLines, summariseComponent, type ComponentSummary } from '../component-summary.js';
import { inputKind } from '../input-kind.js';
import { formatBytes } from '../format.js';
import { renderWit } from '../report/wit.js';
import { byteProgress } from '../progress.js';
import { bundleDigestFlag, pullOptions, registryFlags } from '../registry-flags.js';

export interface SignatureSummary extends SignatureDescription {
  /** Entry name inside the bundle, e.g. signatures/1.sigstore.json. */
  path: string;
  size: number;
  /**
   * Against the default trust: keyless signatures are checked against the
   * Sigstore public-good root (any identity); key signatures need the key,
   * so they are 'needs-key' here (use `wpack verify --key`).
   */
  verifies: 'yes' | 'no' | 'needs-key';
  problem?: string;
}

/** What inspect shows: a bundle, or a component not yet bundled (`kind` tells which). */
export type InspectResult = BundleSummary | ComponentSummary;

export interface BundleSummary {
  kind: 'bundle';
  digest: string;
  /** For a registry reference: the component manifest's digest that was inspected. */
  ociDigest?: string;
  name: string;
  version: string;
  manifest: LockedManifest;
  files: LockedFile[];
  imports: string[];
  exports: string[];
  capabilities: string[];
  signatures: SignatureSummary[];
  /** Bytes after the end-of-archive marker: no digest covers them (the gate warns TRAILING_DATA). */
  trailingBytes: number;
  /** With --wit: the structural types of every import and export. */
  wit?: ComponentTypes;
}

export default class Inspect extends WpackCommand {
  static override summary = 'Show what a .wpack bundle holds (every digest checked), or what a component binary is.';
  static override description =
    'A bundle (a local .wpack file, or pulled by reference): its digest, files, imports, exports, capabilities and signatures. ' +
    'A component binary not yet bundled: its size, digest, producers (the languages and tools that made it), imports and exports, ' +
    'and the world and capabilities `wpack init` would write for it. The kind of a local file is read from its first bytes, not its name.';
  static override examples = [
    '<%= config.bin %> inspect app.wpack',
    '<%= config.bin %> inspect app.wpack --json | jq .digest',
    '<%= config.bin %> inspect ghcr.io/acme/app:1.2.0',
    '<%= config.bin %> inspect app.wpack --wit',
    '<%= config.bin %> inspect build/app.wasm',
    '<%= config.bin %> inspect build/app.wasm --json | jq .producers',
  ];
  static override args = {
    input: Args.string({ description: 'a .wpack bundle, a component binary (.wasm), or a registry reference', required: true }),
  };
  static override flags = {
    ...registryFlags,
    ...bundleDigestFlag,
    wit: Flags.boolean({ description: "print the component's imports and exports as WIT-like signatures (what the host must provide, what it may call)" }),
  };

  async run(): Promise<InspectResult> {
    const { args, flags } = await this.parse(Inspect);
    return withLocalBundle(args.input, pullOptions(flags), async (file, ociDigest) => {
      // A registry reference always gives a bundle; a local file is either.
      if (ociDigest === undefined && (await inputKind(file)) === 'component') return this.component(file, flags.wit);
      const progress = byteProgress('checking');
      // With --wit the component's bytes are kept (digest-checked by the same read) to read its types.
      const chunks: Buffer[] = [];
      const keep = new Writable({
        write(chunk: Buffer, _enc, done) {
          chunks.push(chunk);
          done();
        },
      });
      const contents = await readBundle(file, {
        onProgress: (d, t) => progress.update(d, t),
        ...(flags.wit ? { sink: (e: { path: string }) => Promise.resolve(e.path === COMPONENT_FILE ? keep : undefined) } : {}),
      }).finally(() => progress.stop());
      return this.report(contents, ociDigest, flags.wit ? readComponentTypes(Buffer.concat(chunks)) : undefined);
    });
  }

  private async component(file: string, wit: boolean): Promise<ComponentSummary> {
    const summary = await summariseComponent(file, { wit });
    for (const line of summary.wit !== undefined ? renderWit(summary.wit) : componentLines(summary)) this.log(line);
    return summary;
  }

  private async report(contents: BundleContents, ociDigest: string | undefined, wit: ComponentTypes | undefined): Promise<BundleSummary> {
    const m = contents.manifest;
    const result: BundleSummary = {
      kind: 'bundle',
      digest: contents.digest,
      name: m.name,
      version: m.version,
      manifest: m,
      files: m.files,
      imports: m.interface.imports.map((e) => e.name),
      exports: m.interface.exports.map((e) => e.name),
      capabilities: m.capabilities,
      signatures: await summariseSignatures(contents),
      trailingBytes: contents.trailingBytes,
    };
    if (ociDigest !== undefined) result.ociDigest = ociDigest;
    if (wit !== undefined) {
      result.wit = wit;
      for (const line of renderWit(wit)) this.log(line);
      return result;
    }
    this.printHuman(result);
    return result;
  }

  private printHuman(r: BundleSummary): void {
    this.log(`${r.name}@${r.version}`);
    this.log(`digest     ${r.digest}`);
    if (r.ociDigest !== undefined) this.log(`oci digest ${r.ociDigest}`);
    if (r.manifest.world !== undefined) this.log(`world      ${r.manifest.world}`);
    this.log(`created    ${r.manifest.created}`);
    this.log('files');
    for (const f of r.files) this.log(`  ${f.path}  ${formatBytes(f.size)}  ${f.digest}  ${f.mediaType}`);
    for (const line of [...listLines('imports', r.imports), ...listLines('exports', r.exports), ...listLines('capabilities', r.capabilities)]) this.log(line);
    this.log(`signatures (${String(r.signatures.length)})`);
    for (const s of r.signatures) {
      const who = s.kind === 'key' ? `key ${s.keyHint ?? '?'}` : s.kind === 'keyless' ? `${s.identity ?? '?'} via ${s.issuer ?? '?'}` : 'unreadable';
      const log = s.tlogIndex !== undefined ? `  rekor #${s.tlogIndex}` : '';
      const when = s.timestamp !== undefined ? `  ${s.timestamp}` : '';
      this.log(`  ${s.path}  ${s.kind}  ${who}${log}${when}  verifies: ${s.verifies}${s.problem !== undefined ? ` (${s.problem})` : ''}`);
    }
    if (r.trailingBytes > 0) {
      this.log(`trailing   ${String(r.trailingBytes)} bytes after the end-of-archive marker: covered by no digest; the gate denies it (TRAILING_DATA)`);
    }
  }
}

async function summariseSignatures(contents: BundleContents): Promise<SignatureSummary[]> {
  if (contents.signatures.length === 0) return [];
  const root = await publicGoodTrustedRoot();
  const out: SignatureSummary[] = [];
  for (const sig of contents.signatures) {
    const description = await describeSignature(sig.bytes);
    const summary: SignatureSummary = { path: sig.path, size: sig.bytes.length, ...description, verifies: 'needs-key' };
    if (description.kind !== 'key') {
      const report = await verifySignatures(contents, [sig], { keys: [], identities: [], anyIdentity: true, trustedRoot: root });
      summary.verifies = report.verified ? 'yes' : 'no';
      const failure = report.findings.find((f) => !f.ok && f.entry !== '');
      if (failure !== undefined && summary.problem === undefined) summary.problem = `${failure.code}: ${failure.message}`;
    }
    out.push(summary);
  }
  return out;
}
