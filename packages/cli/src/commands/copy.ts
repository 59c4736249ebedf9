import { stat } from 'node:fs/promises';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { copy, formatReference, manifestReference, OciLayoutTarget, parseReference, RegistryError, RemoteRepository, type CopyResult, type Target } from '@wpack/registry-client';
import { WpackCommand } from '../base-command.js';
import { clientOptions, registryFlags } from '../registry-flags.js';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** One side of a copy: a target, what to read or write in it, and how to name it in output. */
interface Side {
  target: Target;
  /** A tag or digest; undefined for a layout destination written without one. */
  reference: string | undefined;
  /** For a source: the tag a destination written without one gets. */
  tag?: string;
  label(digest?: string): string;
  close(): Promise<void>;
}

/**
 * `<dir>:<tag>` or `<dir>@sha256:…`, as oras writes an OCI layout reference.
 * The tag is what follows the last `:` after the last `/`, so a directory
 * name may hold a colon only before a `/`.
 */
function parseLayoutReference(text: string, side: 'source' | 'destination'): { dir: string; reference: string | undefined } {
  const bad = (why: string): never => {
    throw new RegistryError('INVALID_REFERENCE', `invalid OCI layout ${side} ${JSON.stringify(text)}: ${why} (expected <dir>:<tag>${side === 'source' ? ' or <dir>@sha256:…' : ''})`);
  };
  const at = text.lastIndexOf('@');
  if (at !== -1 && text.slice(at + 1).startsWith('sha256:')) {
    const digest = text.slice(at + 1);
    if (!DIGEST.test(digest)) bad('the digest must be sha256:<64 hex digits>');
    if (at === 0) bad('no directory');
    return { dir: text.slice(0, at), reference: digest };
  }
  const colon = text.lastIndexOf(':');
  if (colon > text.lastIndexOf('/') && colon !== -1) {
    const tag = text.slice(colon + 1);
    if (!TAG.test(tag)) bad('invalid tag');
    if (colon === 0) bad('no directory');
    return { dir: text.slice(0, colon), reference: tag };
  }
  if (side === 'source') bad('no tag or digest');
  if (text === '') bad('no directory');
  return { dir: text, reference: undefined };
}

export default class Copy extends WpackCommand {
  static override summary = 'Copy a bundle with all its referrers (wpack metadata, signatures) between registries and OCI layouts.';
  static override description =
    'Copies the component artifact and every referrer graph of it, children first, skipping what the destination has. ' +
    'Digests are preserved, so signatures stay valid. Either side may be an OCI image layout directory ' +
    '(--from-oci-layout, --to-oci-layout), written <dir>:<tag> or, for the source, <dir>@sha256:…. Note: ' +
    '`garbage-collect --delete-untagged` on Distribution deletes referrers pushed by digest even when the sha256-<hex> ' +
    'fallback index lists them.';
  static override examples = [
    '<%= config.bin %> copy ghcr.io/acme/app:1.2.0 registry.internal:5000/acme/app:1.2.0',
    '<%= config.bin %> copy ghcr.io/acme/app:1.2.0 ./app-layout:1.2.0 --to-oci-layout',
    '<%= config.bin %> copy ./app-layout:1.2.0 registry.internal:5000/acme/app:1.2.0 --from-oci-layout',
  ];
  static override args = {
    source: Args.string({ description: 'registry/repository:tag or @sha256:…; with --from-oci-layout, <dir>:<tag> or <dir>@sha256:…', required: true }),
    destination: Args.string({ description: 'registry/repository[:tag]; with --to-oci-layout, <dir>[:<tag>]', required: true }),
  };
  static override flags = {
    ...registryFlags,
    'from-oci-layout': Flags.boolean({ description: 'the source is an OCI image layout directory, written <dir>:<tag> or <dir>@sha256:…' }),
    'to-oci-layout': Flags.boolean({ description: 'the destination is an OCI image layout directory, written <dir>[:<tag>] (created when missing; the tag defaults to the source tag)' }),
  };

  async run(): Promise<CopyResult> {
    const { args, flags } = await this.parse(Copy);
    const options = clientOptions(flags);
    const opened: Side[] = [];
    try {
      const src = await this.source(args.source, flags['from-oci-layout'], options);
      opened.push(src);
      const dst = await this.destination(args.destination, flags['to-oci-layout'], options);
      opened.push(dst);
      const srcReference = src.reference ?? 'latest';
      const result = await copy(src.target, srcReference, dst.target, dst.reference ?? src.tag ?? srcReference);
      this.log(`copied ${src.label()} to ${dst.label(result.root.digest)}`);
      this.log(`  ${String(result.copied)} copied, ${String(result.skipped)} already there`);
      return result;
    } finally {
      await Promise.all(opened.map((s) => s.close()));
    }
  }

  private async source(text: string, layout: boolean, options: ReturnType<typeof clientOptions>): Promise<Side> {
    if (layout) {
      const { dir, reference } = parseLayoutReference(text, 'source');
      const tag = reference !== undefined && !DIGEST.test(reference) ? { tag: reference } : {};
      return { target: await OciLayoutTarget.openExisting(dir), reference, ...tag, label: () => text, close: () => Promise.resolve() };
    }
    const ref = parseReference(text);
    const repo = RemoteRepository.open(ref, options);
    return { target: repo, reference: manifestReference(ref), ...(ref.tag !== undefined ? { tag: ref.tag } : {}), label: () => formatReference(ref), close: () => repo.close() };
  }

  private async destination(text: string, layout: boolean, options: ReturnType<typeof clientOptions>): Promise<Side> {
    if (layout) {
      const { dir, reference } = parseLayoutReference(text, 'destination');
      const found = await stat(dir).catch(() => undefined);
      if (found !== undefined && !found.isDirectory()) throw new RegistryError('INVALID_REFERENCE', `OCI layout destination ${dir} exists and is not a directory`);
      return { target: new OciLayoutTarget(dir), reference, label: (digest) => `${dir}${reference !== undefined && !DIGEST.test(reference) ? `:${reference}` : ''}@${digest ?? ''}`, close: () => Promise.resolve() };
    }
    const ref = parseReference(text);
    const repo = RemoteRepository.open(ref, options);
    return { target: repo, reference: ref.tag ?? ref.digest, label: (digest) => formatReference({ ...ref, ...(digest !== undefined ? { digest } : {}) }), close: () => repo.close() };
  }
}
