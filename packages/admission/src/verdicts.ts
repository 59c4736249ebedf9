/**
 * One verdict per image, as `wpack verify <ref> --policy` would give it.
 *
 * A tag is resolved to its digest, and the resolution is kept for `tagTtlMs`
 * at most (default 5 s): a tag can move, and the kubelet pulls what it names
 * when the pod starts, so a pod named by tag is never pinned by admission
 * alone (pin images by digest for that); a few seconds add nothing to that
 * race. Concurrent resolutions of one tag share one request. Verdicts are cached by (policy digest,
 * repository, component manifest digest), never by tag, for `ttlMs`: the
 * content of a digest cannot change, but a key can expire or a signer be
 * removed. Concurrent reviews of one image share one pull and one gate
 * (single flight). A registry failure is not a verdict: the image is denied
 * for this review (fail closed) and nothing is cached.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WpackError } from '@wpack/core';
import { pullBundle } from '@wpack/manifest';
import { parseReference, RegistryError, RemoteRepository, type ClientOptions, type Reference } from '@wpack/registry-client';
import { runGate, type GateReport, type LoadedPolicy } from '@wpack/verifier';

export type VerdictKind = 'allowed' | 'denied' | 'error';

export interface ImageVerdict {
  /** The image as the pod names it. */
  image: string;
  verdict: VerdictKind;
  /** `registry/repository@sha256:…`: what was (or would be) verified. */
  pinned?: string;
  /** The component manifest digest the image resolved to. */
  digest?: string;
  /** The bundle's digest (its locked wpack.json), once pulled. */
  bundleDigest?: string;
  /** Codes of the failing findings (denied), or of the failure (error). */
  codes: string[];
  /** `CODE: message` of each warning finding. */
  warnings: string[];
  /** One line: why it was denied or could not be checked. */
  reason?: string;
  /** True when the verdict came from the cache. */
  cached: boolean;
}

export interface VerdictEvents {
  /** A bundle was pulled and gated, taking this long. */
  gated?(ms: number, verdict: VerdictKind): void;
  cacheHit?(): void;
  registryError?(): void;
}

export interface VerdictOptions {
  policy: LoadedPolicy;
  /** sha256 of the policy's bytes: part of every cache key. */
  policyDigest: string;
  client?: ClientOptions;
  ttlMs: number;
  /** How long a tag's resolution to a digest is kept; 0 resolves on every review. Default 5 s. */
  tagTtlMs?: number;
  /** A pull and gate still running after this is given up as an error (fail closed). Default 60 s. */
  gateTimeoutMs?: number;
  /** Directory for pulled bundles (each removed after its gate). */
  scratch: string;
  events?: VerdictEvents;
  /** Clock for the cache (tests). */
  now?: () => number;
}

/** Insertion-ordered map that drops its oldest entries beyond `max` (calling `evicted` for each). */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(
    private readonly max: number,
    private readonly evicted?: (value: V) => void,
  ) {
    super();
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    while (this.size > this.max) {
      const [oldest, old] = this.entries().next().value as [K, V];
      super.delete(oldest);
      this.evicted?.(old);
    }
    return this;
  }
}

/** At most this many pulls and gates at once; more wait their turn (and their review's timeout). */
const GATES_AT_ONCE = 8;

interface Settled {
  verdict: Omit<ImageVerdict, 'image' | 'cached'>;
  expires: number;
}

export class ImageVerdicts {
  readonly #options: VerdictOptions;
  // Every map is bounded: reviews come from anyone who can reach the Service.
  readonly #cache = new BoundedMap<string, Settled>(10_000);
  readonly #inflight = new Map<string, Promise<Omit<ImageVerdict, 'image' | 'cached'>>>();
  /** One client per repository, kept open: tags are resolved over a warm connection. */
  readonly #repositories = new BoundedMap<string, RemoteRepository>(256, (repo) => void repo.close().catch(() => undefined));
  readonly #tags = new BoundedMap<string, { digest: Promise<string>; expires: number }>(10_000);
  #gatesRunning = 0;
  readonly #gateQueue: (() => void)[] = [];
  #pulls = 0;

  constructor(options: VerdictOptions) {
    this.#options = options;
  }

  /** Bundles pulled so far (each image once per cache lifetime). */
  get pulls(): number {
    return this.#pulls;
  }

  async check(image: string): Promise<ImageVerdict> {
    let ref: Reference;
    try {
      ref = parseReference(image);
    } catch (err) {
      return { image, verdict: 'denied', codes: ['INVALID_REFERENCE'], warnings: [], reason: `INVALID_REFERENCE: ${message(err)}`, cached: false };
    }
    const repository = `${ref.registry}/${ref.repository}`;
    let digest: string;
    try {
      digest = ref.digest ?? (await this.#resolve(ref));
    } catch (err) {
      this.#options.events?.registryError?.();
      return { image, verdict: 'error', codes: [codeOf(err)], warnings: [], reason: `${codeOf(err)}: could not resolve ${ref.tag ?? 'latest'}: ${message(err)} (fail closed)`, cached: false };
    }
    const key = `${this.#options.policyDigest} ${repository}@${digest}`;
    const now = (this.#options.now ?? Date.now)();
    const hit = this.#cache.get(key);
    if (hit !== undefined && hit.expires > now) {
      this.#options.events?.cacheHit?.();
      return { image, ...hit.verdict, cached: true };
    }
    let flight = this.#inflight.get(key);
    if (flight === undefined) {
      flight = this.#limited(() => this.#gate({ registry: ref.registry, repository: ref.repository, digest }, repository, key)).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, flight);
    }
    return { image, ...(await flight), cached: false };
  }

  #resolve(ref: Reference): Promise<string> {
    const name = `${ref.registry}/${ref.repository}`;
    const tag = ref.tag ?? 'latest';
    const key = `${name}:${tag}`;
    const now = (this.#options.now ?? Date.now)();
    const known = this.#tags.get(key);
    if (known !== undefined && known.expires > now) return known.digest;
    let repo = this.#repositories.get(name);
    if (repo === undefined) this.#repositories.set(name, (repo = RemoteRepository.open(ref, this.#options.client ?? {})));
    const digest = repo.resolve(tag).then((d) => d.digest);
    // Shared while in flight, then kept for the tag TTL; a failure is not kept.
    const entry = { digest, expires: Number.POSITIVE_INFINITY };
    this.#tags.set(key, entry);
    digest.then(
      () => (entry.expires = (this.#options.now ?? Date.now)() + (this.#options.tagTtlMs ?? 5000)),
      () => this.#tags.delete(key),
    );
    return digest;
  }

  /** Closes the registry connections kept open, waiting at most `graceMs` for requests still in flight (a stalled registry never ends them). */
  async close(graceMs = 1000): Promise<void> {
    const open = [...this.#repositories.values()];
    this.#repositories.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(open.map((r) => r.close())), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  /** Runs `work` when fewer than GATES_AT_ONCE are running; a flight that outlives `gateTimeoutMs` settles as an error (not cached). */
  async #limited(work: () => Promise<Omit<ImageVerdict, 'image' | 'cached'>>): Promise<Omit<ImageVerdict, 'image' | 'cached'>> {
    if (this.#gatesRunning >= GATES_AT_ONCE) await new Promise<void>((resolve) => this.#gateQueue.push(resolve));
    this.#gatesRunning += 1;
    let timer: NodeJS.Timeout | undefined;
    const limit = this.#options.gateTimeoutMs ?? 60_000;
    try {
      return await Promise.race([
        work(),
        new Promise<Omit<ImageVerdict, 'image' | 'cached'>>((resolve) => {
          timer = setTimeout(() => resolve({ verdict: 'error', codes: ['TIMEOUT'], warnings: [], reason: `TIMEOUT: the pull and gate took over ${String(limit / 1000)} s (fail closed)` }), limit);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.#gatesRunning -= 1;
      this.#gateQueue.shift()?.();
    }
  }

  async #gate(ref: Reference & { digest: string }, repository: string, key: string): Promise<Omit<ImageVerdict, 'image' | 'cached'>> {
    const started = performance.now();
    const pinned = `${repository}@${ref.digest}`;
    const dir = await mkdtemp(join(this.#options.scratch, 'review-'));
    let verdict: Omit<ImageVerdict, 'image' | 'cached'>;
    try {
      const file = join(dir, 'bundle.wpack');
      const pulled = await pullBundle(ref, file, this.#options.client ?? {});
      this.#pulls += 1;
      const report = await runGate(file, this.#options.policy, { repository });
      verdict = fromReport(report, pinned, ref.digest, pulled.bundleDigest);
    } catch (err) {
      if (err instanceof RegistryError || !(err instanceof WpackError)) {
        this.#options.events?.registryError?.();
        verdict = { verdict: 'error', pinned, digest: ref.digest, codes: [codeOf(err)], warnings: [], reason: `${codeOf(err)}: could not pull ${pinned}: ${message(err)} (fail closed)` };
      } else {
        // The content itself is not a valid bundle: that is a verdict, as final as its digest.
        const code = codeOf(err);
        verdict = { verdict: 'denied', pinned, digest: ref.digest, codes: [code], warnings: [], reason: `${code}: ${message(err)}` };
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    this.#options.events?.gated?.(performance.now() - started, verdict.verdict);
    if (verdict.verdict !== 'error') this.#cache.set(key, { verdict, expires: (this.#options.now ?? Date.now)() + this.#options.ttlMs });
    return verdict;
  }
}

function fromReport(report: GateReport, pinned: string, digest: string, bundleDigest: string): Omit<ImageVerdict, 'image' | 'cached'> {
  const errors = report.findings.filter((f) => f.severity === 'error');
  const warnings = report.findings.filter((f) => f.severity === 'warning').map((f) => `${f.code}: ${f.message}`);
  const codes = [...new Set(errors.map((f) => f.code))];
  // `mode: warn` reports a failing gate without enforcing it.
  if (report.verified || !report.enforced) {
    return { verdict: 'allowed', pinned, digest, bundleDigest, codes: report.verified ? [] : codes, warnings: report.verified ? warnings : [...warnings, ...errors.map((f) => `${f.code}: ${f.message} (policy mode warn: not enforced)`)] };
  }
  return { verdict: 'denied', pinned, digest, bundleDigest, codes, warnings, reason: errors.map((f) => `${f.code}: ${f.message}`).join('; ') };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function codeOf(err: unknown): string {
  return err instanceof WpackError ? (err as WpackError).code : 'REGISTRY_ERROR';
}
