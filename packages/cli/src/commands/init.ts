import { readFile } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { MANIFEST_FILE, MANIFEST_SCHEMA_URI, ManifestError, inferWorld, suggestCapabilities, validateSourceManifest, type SourceManifest } from '@wpack/manifest';
import { canonicalJson } from '@wpack/core';
import { readComponentInterface } from '@wpack/component';
import { WpackCommand } from '../base-command.js';

export interface InitResult {
  path: string;
  manifest: SourceManifest;
  /** What the user should narrow before publishing. */
  notes: string[];
}

export default class Init extends WpackCommand {
  static override summary = 'Write wpack.json for a component, with the capabilities its imports need.';
  static override description =
    'Reads the component binary, infers the narrowest sensible capability for each import, and writes wpack.json next to it ' +
    '(in --dir). Review the notes it prints: filesystem paths, hosts and environment names are placeholders to narrow.';
  static override examples = ['<%= config.bin %> init build/app.wasm', '<%= config.bin %> init app.wasm --name acme:app --version 1.2.0'];
  static override args = { component: Args.string({ description: 'the component binary (.wasm)', required: true }) };
  static override flags = {
    dir: Flags.directory({ description: 'project directory to write wpack.json into (must contain the component)', default: '.' }),
    name: Flags.string({ description: 'package name, namespace:name (default: local:<file name>)' }),
    version: Flags.string({ description: 'semantic version', default: '0.1.0' }),
    force: Flags.boolean({ description: 'overwrite an existing wpack.json' }),
  };

  async run(): Promise<InitResult> {
    const { args, flags } = await this.parse(Init);
    const dir = resolve(flags.dir);
    const componentPath = resolve(args.component);
    const rel = relative(dir, componentPath);
    if (rel.startsWith('..') || rel === '' || resolve(dir, rel) !== componentPath) {
      throw new ManifestError('INVALID_MANIFEST', `${args.component} is not inside ${flags.dir === '.' ? 'the current directory' : flags.dir}; run init from a directory that contains it, or pass --dir`);
    }
    const bytes = await readFile(componentPath).catch((err: unknown) => {
      throw new ManifestError('FILE_NOT_FOUND', `cannot read ${args.component}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    });
    const iface = readComponentInterface(bytes);
    const { capabilities, notes } = suggestCapabilities(iface);

    const manifest: SourceManifest = {
      $schema: MANIFEST_SCHEMA_URI,
      name: flags.name ?? `local:${kebab(basename(componentPath, extname(componentPath)))}`,
      version: flags.version,
      component: rel.split(sep).join('/'),
      capabilities,
    };
    const world = inferWorld(iface);
    if (world !== undefined) manifest.world = world;
    validateSourceManifest(manifest, 'the generated manifest');

    const out = resolve(dir, MANIFEST_FILE);
    const shown = join(flags.dir, MANIFEST_FILE);
    const { default: writeFileAtomic } = await import('write-file-atomic');
    const { access } = await import('node:fs/promises');
    const exists = await access(out).then(() => true, () => false);
    if (exists && !flags.force) throw new ManifestError('TARGET_EXISTS', `${shown} already exists (use --force to overwrite it)`);
    await writeFileAtomic(out, canonicalJson(manifest));

    this.log(`wrote ${shown}: ${manifest.name}@${manifest.version}, ${String(capabilities.length)} capabilities`);
    for (const c of capabilities) this.log(`  ${c}`);
    if (notes.length > 0) {
      this.log('narrow these before you publish:');
      for (const n of notes) this.log(`  - ${n}`);
    }
    return { path: out, manifest, notes };
  }
}

function kebab(s: string): string {
  const k = s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').replace(/^([0-9])/, 'c$1');
  return k === '' ? 'component' : k;
}
