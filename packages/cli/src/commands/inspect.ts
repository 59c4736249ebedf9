import { Args } from '@oclif/core';
import { readBundle, type LockedFile, type LockedManifest } from '@wpack/manifest';
import { WpackCommand } from '../base-command.js';
import { formatBytes } from '../format.js';
import { byteProgress } from '../progress.js';

export interface SignatureSummary {
  /** Entry name inside the bundle, e.g. signatures/1.sigstore.json. */
  path: string;
  size: number;
  /** The Sigstore bundle's own mediaType, when it parses. */
  mediaType?: string;
}

export interface InspectResult {
  digest: string;
  name: string;
  version: string;
  manifest: LockedManifest;
  files: LockedFile[];
  imports: string[];
  exports: string[];
  capabilities: string[];
  signatures: SignatureSummary[];
}

export default class Inspect extends WpackCommand {
  static override summary = 'Show what a .wpack bundle holds, after checking every digest in it.';
  static override examples = ['<%= config.bin %> inspect app.wpack', '<%= config.bin %> inspect app.wpack --json | jq .digest'];
  static override args = { bundle: Args.file({ description: 'the .wpack file', required: true, exists: true }) };

  async run(): Promise<InspectResult> {
    const { args } = await this.parse(Inspect);
    const progress = byteProgress('checking');
    const contents = await readBundle(args.bundle, { onProgress: (d, t) => progress.update(d, t) }).finally(() => progress.stop());
    const m = contents.manifest;
    const result: InspectResult = {
      digest: contents.digest,
      name: m.name,
      version: m.version,
      manifest: m,
      files: m.files,
      imports: m.interface.imports.map((e) => e.name),
      exports: m.interface.exports.map((e) => e.name),
      capabilities: m.capabilities,
      signatures: contents.signatures.map((s) => summarise(s.path, s.bytes)),
    };
    this.printHuman(result);
    return result;
  }

  private printHuman(r: InspectResult): void {
    this.log(`${r.name}@${r.version}`);
    this.log(`digest     ${r.digest}`);
    if (r.manifest.world !== undefined) this.log(`world      ${r.manifest.world}`);
    this.log(`created    ${r.manifest.created}`);
    this.log('files');
    for (const f of r.files) this.log(`  ${f.path}  ${formatBytes(f.size)}  ${f.digest}  ${f.mediaType}`);
    this.log(`imports (${String(r.imports.length)})`);
    for (const i of r.imports) this.log(`  ${i}`);
    this.log(`exports (${String(r.exports.length)})`);
    for (const e of r.exports) this.log(`  ${e}`);
    this.log(`capabilities (${String(r.capabilities.length)})`);
    for (const c of r.capabilities) this.log(`  ${c}`);
    this.log(`signatures (${String(r.signatures.length)})`);
    for (const s of r.signatures) this.log(`  ${s.path}  ${s.mediaType ?? 'unrecognised content'}`);
  }
}

function summarise(path: string, bytes: Buffer): SignatureSummary {
  const summary: SignatureSummary = { path, size: bytes.length };
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
    if (typeof doc.mediaType === 'string') summary.mediaType = doc.mediaType;
  } catch {
    // Not JSON: reported as unrecognised; verification is where it fails.
  }
  return summary;
}
