import { collect, copy, isManifest, OCI_MANIFEST, RemoteRepository, type ClientOptions, type Descriptor, type ImageManifest, type Reference } from '@wpack/registry-client';
import { archiveLayout } from '../bundle/tar-writer.js';
import { isSignatureEntry } from '../bundle/entry-names.js';
import { DEFAULT_LIMITS } from '../bundle/limits.js';
import { suggestCapabilities } from '../capabilities/suggest.js';
import { readComponentInterface } from '@wpack/component';
import { ManifestError } from '../errors.js';
import { canonicalJson, problemsLine, readJson, sha256Digest } from '@wpack/core';
import { COMPONENT_FILE, MANIFEST_SCHEMA_URI, WASM_MEDIA_TYPE, type LockedManifest } from '../manifest/types.js';
import { parseJson, validateLockedManifest } from '../manifest/validate.js';
import { BundleWriter } from './bundle-writer.js';
import { SelectedGraph } from './selected-graph.js';
import {
  ENTRY_ANNOTATION,
  SIGSTORE_BUNDLE_MEDIA_TYPE,
  WASM_LAYER_MEDIA_TYPES,
  WPACK_ARTIFACT_TYPE,
  WPACK_BUNDLE_ANNOTATION,
  WPACK_MANIFEST_MEDIA_TYPE,
  WPACK_TAG_ANNOTATION,
} from './media-types.js';

export interface PullResult {
  /** The component manifest's digest: what was pulled, pinned. */
  digest: string;
  /** The pulled bundle's digest (its locked wpack.json). */
  bundleDigest: string;
  path: string;
  /** True when the registry held no wpack metadata and the manifest was inferred from the component. */
  inferred: boolean;
  signatures: number;
}

/**
 * Rebuilds a bundle from a registry. A wpack push comes back byte for byte;
 * a Wasm component pushed by another tool (any of the layouts in use) comes
 * back with a manifest inferred from its binary. Every blob is checked
 * against its digest while streaming; the file appears only when complete.
 */
export interface PullOptions extends ClientOptions {
  onProgress?: (done: number, total: number) => void;
  /**
   * Which bundle to rebuild when several share the component (their
   * wpack.json differs): its digest, `sha256:…` of the locked wpack.json.
   */
  bundleDigest?: string;
  /** Called for every node copy() moves into the bundle or finds already there (diagnostics, tests). */
  onNode?: (desc: Descriptor, outcome: 'copied' | 'skipped') => void;
}

/**
 * The pull, in two steps.
 *
 * 1. Choose, from the small documents only: the component manifest, its
 *    referrers, the wpack referrers' manifests and wpack.json blobs, the
 *    signature manifests and blobs (an inferred pull also reads the
 *    component, to learn its interface, and the config, for `created`).
 *    The choice among bundles sharing the component and among signatures is
 *    made here, as before. Then every entry of the bundle and its size is
 *    known, and so is every entry's offset in the archive.
 * 2. Move the chosen sub-graph with the one copy() of the registry client,
 *    as push does the other way: from a read-only view of the repository
 *    that offers the component manifest as the root and only the chosen
 *    referrers (SelectedGraph, which serves the documents of step 1 from
 *    memory), into a write-only Target that knows the archive's layout and
 *    writes each blob at its offset in a temp file beside the output
 *    (BundleWriter). copy()'s `include` leaves out what the bundle does not
 *    hold: the component's config, the referrers' empty configs, layers no
 *    bundle entry names. The temp file is renamed into place only when
 *    every planned node has come; on any failure it is removed.
 */
export async function pullBundle(ref: Reference, out: string, options: PullOptions = {}): Promise<PullResult> {
  const repo = RemoteRepository.open(ref, options);
  try {
    const { descriptor, bytes } = await repo.fetchManifest(ref.digest ?? ref.tag ?? 'latest');
    const manifest = parseManifest(bytes, ref);
    const layer = wasmLayer(manifest, ref);
    const graph = new SelectedGraph(repo, asManifest(descriptor));
    graph.hold(descriptor.digest, bytes);

    const wpack = chooseBundle(await findWpackReferrers(repo, descriptor, layer, graph), ref, options.bundleDigest);
    // Signatures hang off the shared component too: keep those pushed with
    // this bundle, or, for signatures other tools attached, those whose
    // statement names it (or cannot be read: verification reports those).
    const signatures = await fetchSignatures(repo, descriptor, graph, (bytes, pushedWith) => {
      if (wpack === undefined) return true;
      if (pushedWith !== undefined) return pushedWith === wpack.bundleDigest;
      const names = signedBundle(bytes);
      return names === 'unknown' || names === `other:${wpack.bundleDigest}`;
    });
    let manifestBytes: Buffer;
    let locked: LockedManifest;
    if (wpack !== undefined) {
      ({ manifestBytes, locked } = wpack);
    } else {
      locked = await inferManifest(repo, manifest, layer, ref, graph);
      manifestBytes = Buffer.from(canonicalJson(locked));
    }
    const files = locked.files.map((f, i) => {
      const source = i === 0 ? layer : (wpack?.layers.find((l) => l.annotations?.[ENTRY_ANNOTATION] === f.path) ?? { mediaType: f.mediaType, digest: f.digest, size: f.size });
      if (source.digest !== f.digest || source.size !== f.size) {
        throw new ManifestError('INVALID_BUNDLE', `${f.path} in the registry (${source.digest}) is not the ${f.digest} that wpack.json names`);
      }
      // copy() brings only what the chosen graph holds.
      if (i > 0 && wpack?.layers.some((l) => l.digest === f.digest && l.size === f.size) !== true) {
        throw new ManifestError('INVALID_BUNDLE', `${f.path} (${f.digest}) is not a layer of the wpack referrer ${wpack?.referrer.digest ?? ''}`);
      }
      return { path: f.path, size: f.size, digest: f.digest };
    });
    for (const s of signatures) files.push({ path: s.path, size: s.layer.size, digest: s.layer.digest });
    graph.chooseReferrers([...(wpack !== undefined ? [wpack.referrer] : []), ...signatures.map((s) => s.referrer)]);

    const epoch = Date.parse(locked.created) / 1000;
    const layout = await archiveLayout(epoch, manifestBytes, files);
    const writer = await BundleWriter.open(
      out,
      {
        layout,
        files,
        expected: wpack !== undefined ? [wpack.manifestLayer] : [],
        manifests: [graph.root, ...(wpack !== undefined ? [wpack.referrer] : []), ...signatures.map((s) => s.referrer)],
      },
      { checked: (c) => graph.checked(c), ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}) },
    );
    try {
      await copy(graph, graph.root.digest, writer, graph.root.digest, {
        include: (d) => writer.wants(d),
        ...(options.onNode !== undefined ? { onNode: options.onNode } : {}),
      });
      await writer.commit();
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return {
      digest: descriptor.digest,
      bundleDigest: sha256Digest(manifestBytes),
      path: out,
      inferred: wpack === undefined,
      signatures: signatures.length,
    };
  } finally {
    await repo.close();
  }
}

/**
 * A manifest's descriptor as copy() needs it: a registry that answered with
 * another Content-Type still served an image manifest (it was read as one),
 * and copy() walks only what has a manifest media type.
 */
function asManifest(desc: Descriptor): Descriptor {
  return isManifest(desc) ? desc : { ...desc, mediaType: OCI_MANIFEST };
}

function parseManifest(bytes: Buffer, ref: Reference): ImageManifest {
  const read = readJson(bytes.toString('utf8'));
  if (read.problems.length > 0) {
    throw new ManifestError('INVALID_BUNDLE', `${ref.repository}: the manifest is not valid JSON: ${problemsLine(read.problems)}`);
  }
  const m = read.value as (Partial<ImageManifest> & { manifests?: unknown }) | null;
  if (m === null || typeof m !== 'object') throw new ManifestError('INVALID_BUNDLE', `${ref.repository}: the manifest is not a JSON object`);
  if (m.manifests !== undefined) throw new ManifestError('INVALID_BUNDLE', `${ref.repository} points at an image index, not a Wasm component manifest`);
  if (!Array.isArray(m.layers) || m.config === undefined) throw new ManifestError('INVALID_BUNDLE', `${ref.repository}: not an image manifest`);
  return m as ImageManifest;
}

function wasmLayer(m: ImageManifest, ref: Reference): Descriptor {
  const layers = m.layers.filter((l) => WASM_LAYER_MEDIA_TYPES.includes(l.mediaType));
  if (layers.length !== 1) {
    throw new ManifestError('INVALID_BUNDLE', `${ref.repository}: expected one Wasm layer (${WASM_LAYER_MEDIA_TYPES.join(', ')}), found ${String(layers.length)}`);
  }
  return layers[0] as Descriptor;
}

interface WpackReferrer {
  manifestBytes: Buffer;
  locked: LockedManifest;
  layers: Descriptor[];
  /** `sha256:…` of wpack.json: the bundle's identity. */
  bundleDigest: string;
  /** Tags it was pushed under. */
  tags: string[];
  /** The referrer manifest the pull copies (the first listed, when several carry this wpack.json). */
  referrer: Descriptor;
  /** Its wpack.json layer. */
  manifestLayer: Descriptor;
}

/** Every wpack bundle in the registry for exactly this component, one per wpack.json. */
async function findWpackReferrers(repo: RemoteRepository, subject: Descriptor, layer: Descriptor, graph: SelectedGraph): Promise<WpackReferrer[]> {
  const found = new Map<string, WpackReferrer>();
  for (const r of await repo.referrers(subject, WPACK_ARTIFACT_TYPE)) {
    const { bytes } = await repo.fetchManifest(r.digest);
    // fetchManifest has read it strictly already.
    const m = JSON.parse(bytes.toString('utf8')) as ImageManifest;
    const wpackLayer = m.layers.find((l) => l.mediaType === WPACK_MANIFEST_MEDIA_TYPE);
    if (wpackLayer === undefined || wpackLayer.size > DEFAULT_LIMITS.maxManifestBytes) continue;
    const manifestBytes = await collect(repo.fetchBlob(wpackLayer));
    const locked = validateLockedManifest(parseJson(manifestBytes.toString('utf8'), 'wpack.json from the registry'), 'wpack.json from the registry');
    // Only the metadata that describes exactly this component counts.
    if (locked.files[0]?.digest !== layer.digest) continue;
    const bundleDigest = sha256Digest(manifestBytes);
    const tag = m.annotations?.[WPACK_TAG_ANNOTATION];
    const seen = found.get(bundleDigest);
    if (seen !== undefined) {
      if (tag !== undefined) seen.tags.push(tag);
      continue;
    }
    graph.hold(r.digest, bytes);
    graph.hold(wpackLayer.digest, manifestBytes);
    found.set(bundleDigest, { manifestBytes, locked, layers: m.layers, bundleDigest, tags: tag !== undefined ? [tag] : [], referrer: asManifest(r), manifestLayer: wpackLayer });
  }
  return [...found.values()];
}

/**
 * One bundle out of those sharing the component: the one asked for by
 * digest, else the only one, else the only one pushed under the requested
 * tag. Anything else is ambiguous, and guessing would verify or deploy
 * another wpack.json than the one meant: an error naming the candidates.
 */
function chooseBundle(candidates: WpackReferrer[], ref: Reference, bundleDigest: string | undefined): WpackReferrer | undefined {
  const list = (): string => candidates.map((c) => `${c.bundleDigest}${c.tags.length > 0 ? ` (tag ${c.tags.join(', ')})` : ''}`).join('; ');
  if (bundleDigest !== undefined) {
    const found = candidates.find((c) => c.bundleDigest === bundleDigest);
    if (found === undefined) throw new ManifestError('FILE_NOT_FOUND', `no bundle ${bundleDigest} for ${formatRef(ref)}; the registry has: ${list() || 'none'}`);
    return found;
  }
  if (candidates.length <= 1) return candidates[0];
  const byTag = ref.tag !== undefined ? candidates.filter((c) => c.tags.includes(ref.tag as string)) : [];
  if (byTag.length === 1) return byTag[0];
  throw new ManifestError('AMBIGUOUS_BUNDLE', `${String(candidates.length)} bundles share the component of ${formatRef(ref)}: ${list()}; choose one with --bundle-digest`);
}

function formatRef(ref: Reference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/**
 * The wpack.json digest a signature's in-toto statement names (DESIGN §4:
 * subject `wpack.json`), as `other:<digest>`, or `unknown` when it cannot be
 * read: selection only — verification decides what a signature is worth.
 */
function signedBundle(bytes: Buffer): string {
  try {
    const b = readJson(bytes.toString('utf8')).value as { dsseEnvelope?: { payload?: string } } | undefined;
    const st = readJson(Buffer.from(b?.dsseEnvelope?.payload ?? '', 'base64').toString('utf8')).value as { subject?: { name?: string; digest?: { sha256?: string } }[] } | undefined;
    const hex = st?.subject?.find((x) => x.name === 'wpack.json')?.digest?.sha256;
    return typeof hex === 'string' ? `other:sha256:${hex}` : 'unknown';
  } catch {
    return 'unknown';
  }
}

interface PulledSignature {
  path: string;
  bytes: Buffer;
  /** Its referrer manifest and the layer that holds it, for copy(). */
  referrer: Descriptor;
  layer: Descriptor;
}

async function fetchSignatures(
  repo: RemoteRepository,
  subject: Descriptor,
  graph: SelectedGraph,
  keep: (bytes: Buffer, pushedWith: string | undefined) => boolean,
): Promise<PulledSignature[]> {
  const found: { name: string | undefined; bytes: Buffer; referrer: Descriptor; layer: Descriptor }[] = [];
  for (const r of await repo.referrers(subject, SIGSTORE_BUNDLE_MEDIA_TYPE)) {
    if (found.length >= DEFAULT_LIMITS.maxSignatures) break;
    const { bytes: manifestBytes } = await repo.fetchManifest(r.digest);
    const m = JSON.parse(manifestBytes.toString('utf8')) as ImageManifest;
    const layer = m.layers.find((l) => l.mediaType === SIGSTORE_BUNDLE_MEDIA_TYPE);
    if (layer === undefined || layer.size > DEFAULT_LIMITS.maxSignatureBytes) continue;
    const name = layer.annotations?.[ENTRY_ANNOTATION];
    const bytes = await collect(repo.fetchBlob(layer));
    if (keep(bytes, m.annotations?.[WPACK_BUNDLE_ANNOTATION])) {
      graph.hold(r.digest, manifestBytes);
      graph.hold(layer.digest, bytes);
      found.push({ name: name !== undefined && isSignatureEntry(name) ? name : undefined, bytes, referrer: asManifest(r), layer });
    }
  }
  // wpack's own names first, in order; signatures other tools attached get the next numbers.
  const number = (n: string): number => Number(/(\d+)\.sigstore\.json$/.exec(n)?.[1] ?? 0);
  const named = found.filter((s) => s.name !== undefined).sort((a, b) => number(a.name ?? '') - number(b.name ?? ''));
  let next = named.reduce((n, s) => Math.max(n, number(s.name ?? '')), 0);
  const out: PulledSignature[] = named.map((s) => ({ path: s.name ?? '', bytes: s.bytes, referrer: s.referrer, layer: s.layer }));
  for (const s of found.filter((x) => x.name === undefined)) out.push({ path: `signatures/${String(++next)}.sigstore.json`, bytes: s.bytes, referrer: s.referrer, layer: s.layer });
  // Two bundles of one component both have a signatures/1.sigstore.json:
  // a clash gets the next free number rather than dropping a signature.
  const used = new Set<string>();
  for (const s of out) {
    if (used.has(s.path)) s.path = `signatures/${String(++next)}.sigstore.json`;
    used.add(s.path);
  }
  return out;
}

/** A component pushed by another tool: the locked manifest is built from its binary and config. */
async function inferManifest(repo: RemoteRepository, m: ImageManifest, layer: Descriptor, ref: Reference, graph: SelectedGraph): Promise<LockedManifest> {
  if (layer.size > DEFAULT_LIMITS.maxComponentBytes) throw new ManifestError('BUNDLE_TOO_LARGE', `the component is ${String(layer.size)} bytes`);
  const component = await collect(repo.fetchBlob(layer));
  // Read whole to learn its interface: copy() takes it from memory rather than fetch it again.
  graph.hold(layer.digest, component);
  const iface = readComponentInterface(component);
  let created = '1970-01-01T00:00:00Z';
  try {
    const config = readJson((await collect(repo.fetchBlob(m.config))).toString('utf8')).value as { created?: unknown } | null | undefined;
    if (typeof config?.created === 'string' && !Number.isNaN(Date.parse(config.created))) created = new Date(Date.parse(config.created)).toISOString().replace('.000Z', 'Z');
  } catch {
    // A null or odd config is allowed (DESIGN §5): keep the epoch.
  }
  const { capabilities } = suggestCapabilities(iface);
  const last = ref.repository.split('/').pop() ?? 'component';
  const name = `oci:${last.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').replace(/^(\d)/, 'c$1') || 'component'}`;
  const version = ref.tag !== undefined && /^\d+\.\d+\.\d+$/.test(ref.tag) ? ref.tag : '0.0.0';
  return {
    $schema: MANIFEST_SCHEMA_URI,
    lockVersion: 1,
    name,
    version,
    created,
    component: COMPONENT_FILE,
    capabilities: [...capabilities].sort(),
    resources: [],
    files: [{ path: COMPONENT_FILE, size: layer.size, digest: layer.digest, mediaType: WASM_MEDIA_TYPE }],
    interface: iface,
  };
}
