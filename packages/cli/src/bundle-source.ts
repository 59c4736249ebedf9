import { mkdtemp, rm, stat } from 'node:fs/promises';
import { ManifestError } from '@wpack/manifest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullBundle, type PullOptions } from '@wpack/manifest';

/**
 * Runs `use` on a local bundle file. A path that exists is used as it is;
 * one that looks like a path (`./`, `../`, `/`, `~`, or `.wpack` or `.wasm` at
 * the end) but does not exist is an error; anything else is a registry reference, pulled (every blob checked) into a
 * temp file that is removed afterwards. `ociDigest` is the component
 * manifest digest that was pulled, for a deploy to pin.
 */
export async function withLocalBundle<T>(arg: string, options: PullOptions, use: (file: string, ociDigest?: string) => Promise<T>): Promise<T> {
  if (await stat(arg).then(() => true, () => false)) return use(arg);
  // What is evidently a path is never sent to a registry (nor to Docker Hub).
  if (/^(?:\.{1,2}\/|\/|~)/.test(arg) || /\.(?:wpack|wasm)$/.test(arg)) throw new ManifestError('FILE_NOT_FOUND', `${arg}: no such file`);
  const scratch = await mkdtemp(join(tmpdir(), 'wpack-pull-'));
  try {
    const file = join(scratch, 'pulled.wpack');
    const { parseReference } = await import('@wpack/registry-client');
    const pulled = await pullBundle(parseReference(arg), file, options);
    return await use(file, pulled.digest);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `ref@digest` for a report: the reference as given, pinned to what was pulled (once, if it already was). */
export function pinnedLabel(reference: string, ociDigest: string): string {
  const at = reference.indexOf('@');
  return `${at === -1 ? reference : reference.slice(0, at)}@${ociDigest}`;
}

/** `registry/repository` of a reference, for the policy's scopes (loads the registry client only when called). */
export async function repositoryOf(reference: string): Promise<string> {
  const { parseReference } = await import('@wpack/registry-client');
  const ref = parseReference(reference);
  return `${ref.registry}/${ref.repository}`;
}
