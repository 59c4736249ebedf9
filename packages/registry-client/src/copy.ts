import pLimit from 'p-limit';
import type { Descriptor } from './descriptor.js';
import { isManifest, successors, type Target } from './target.js';
import { collect } from './verify-stream.js';

export interface CopyOptions {
  /** Blob transfers at once (default 3). */
  concurrency?: number;
  /** Also copy the referrers graph of the root (default true). */
  referrers?: boolean;
  /**
   * Which successors and referrers to take (oras-go's FindSuccessors, as a
   * filter): a node for which it returns false is neither fetched nor
   * pushed, and nothing below it is visited. The root is always taken.
   * Default: everything. A destination then holds manifests whose excluded
   * children it lacks: for a destination that wants only part of a graph
   * (a pull that rebuilds one bundle out of several sharing a component).
   */
  include?: (desc: Descriptor) => boolean;
  /** Called for every node: whether it was transferred or already there. */
  onNode?: (desc: Descriptor, outcome: 'copied' | 'skipped') => void;
}

export interface CopyResult {
  root: Descriptor;
  copied: number;
  skipped: number;
}

const MAX_REFERRER_DEPTH = 4;

/**
 * Copies a manifest graph from one Target to another (oras-go's copy):
 * children before parents, so a target never holds a manifest whose
 * content is missing; what the destination has is skipped; blob transfers
 * run with bounded concurrency; referrers of the root (signatures,
 * attestations, wpack metadata) follow, and their referrers, a few levels deep.
 */
export async function copy(src: Target, srcReference: string, dst: Target, dstReference: string, options: CopyOptions = {}): Promise<CopyResult> {
  const limit = pLimit(options.concurrency ?? 3);
  const done = new Map<string, Promise<void>>();
  const counts = { copied: 0, skipped: 0 };
  const tagging = !dstReference.startsWith('sha256:');
  const include = options.include ?? ((): boolean => true);
  let rootTagged = false;

  const node = (desc: Descriptor, root = false): Promise<void> => {
    let p = done.get(desc.digest);
    if (p === undefined) {
      p = isManifest(desc) ? manifestNode(desc, root) : limit(() => blobNode(desc));
      done.set(desc.digest, p);
    }
    return p;
  };
  const record = (desc: Descriptor, outcome: 'copied' | 'skipped'): void => {
    counts[outcome]++;
    options.onNode?.(desc, outcome);
  };
  const blobNode = async (desc: Descriptor): Promise<void> => {
    if (await dst.exists(desc)) return record(desc, 'skipped');
    // Content the source holds in memory goes as a Buffer, which a retry can send again; the rest streams.
    await dst.push(desc, src.held?.(desc) ?? (() => src.fetch(desc)));
    record(desc, 'copied');
  };
  const manifestNode = async (desc: Descriptor, root: boolean): Promise<void> => {
    const bytes = await collect(src.fetch(desc));
    await Promise.all(successors(bytes, `${src.name}: manifest ${desc.digest}`).filter(include).map((d) => node(d)));
    const present = await dst.exists(desc);
    // The root goes up under its tag in one request where the target can (oras-go's PushReference).
    if (root && tagging && dst.pushReference !== undefined) {
      await dst.pushReference(desc, bytes, dstReference);
      rootTagged = true;
    } else if (!present) {
      await dst.push(desc, bytes);
    }
    record(desc, present ? 'skipped' : 'copied');
  };
  const referrersOf = async (desc: Descriptor, depth: number): Promise<void> => {
    if (depth > MAX_REFERRER_DEPTH) return;
    for (const r of (await src.referrers(desc)).filter(include)) {
      await node(r);
      await referrersOf(r, depth + 1);
    }
  };

  const root = await src.resolve(srcReference);
  await node(root, true);
  if (tagging && !rootTagged) await dst.tag(root, dstReference);
  if (options.referrers !== false) await referrersOf(root, 1);
  return { root, ...counts };
}
