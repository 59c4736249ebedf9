import { describe, OCI_EMPTY, OCI_MANIFEST, RemoteRepository, type ClientOptions, type Descriptor, type Reference } from '@wpack/registry-client';
import { readRange } from '../bundle/read-ahead.js';
import { readBundle } from '../bundle/read.js';
import { indexArchive } from '../bundle/tar-index.js';
import { MANIFEST_FILE } from '../manifest/types.js';
import { componentArtifact } from './component-artifact.js';
import {
  ENTRY_ANNOTATION,
  SIGSTORE_BUNDLE_MEDIA_TYPE,
  SIGSTORE_CONTENT_ANNOTATION,
  SIGSTORE_PREDICATE_ANNOTATION,
  WPACK_ARTIFACT_TYPE,
  WPACK_BUNDLE_ANNOTATION,
  WPACK_TAG_ANNOTATION,
  WPACK_MANIFEST_MEDIA_TYPE,
} from './media-types.js';

export interface PushResult {
  /** Digest of the component's OCI manifest: what the tag points at, and what to pin. */
  digest: string;
  reference: string;
  /** The wpack referrer and each signature referrer. */
  referrers: Descriptor[];
  /** Bytes actually uploaded (blobs the registry already had are skipped). */
  uploaded: number;
}

const EMPTY_CONFIG = Buffer.from('{}');

/**
 * Pushes a bundle (DESIGN §5): the component as a standard Wasm OCI artifact
 * under the tag, the locked wpack.json and the resources as a wpack referrer,
 * and every signature as a cosign-v3-style referrer. The bundle is fully
 * verified first; blobs stream from the bundle file without being copied.
 */
export interface TransferOptions extends ClientOptions {
  /** Bytes of component and resources moved so far, of the total. */
  onProgress?: (done: number, total: number) => void;
}

export async function pushBundle(file: string, ref: Reference, options: TransferOptions = {}): Promise<PushResult> {
  const contents = await readBundle(file);
  const index = await indexArchive(file);
  const locked = contents.manifest;
  const repo = RemoteRepository.open(ref, options);
  let uploaded = 0;
  let moved = 0;
  const total = locked.files.reduce((n, f) => n + f.size, 0);
  try {
    const fromBundle = (path: string): (() => AsyncIterable<Uint8Array>) => {
      const entry = index.entries.find((e) => e.name === path);
      if (entry === undefined) throw new Error(`bundle entry ${path} vanished`);
      return () => counted(readRange(file, { start: entry.dataOffset, end: entry.dataOffset + entry.size }), (n) => options.onProgress?.((moved += n), total));
    };
    const pushBlob = async (desc: Descriptor, body: Buffer | (() => AsyncIterable<Uint8Array>)): Promise<void> => {
      if ((await repo.pushBlob(desc, body)) === 'pushed') uploaded += desc.size;
    };

    // 1. The component artifact, which other tools can pull and run.
    const { manifest, config } = componentArtifact(locked);
    const component = locked.files[0];
    if (component === undefined) throw new Error('locked manifest without a component');
    await pushBlob({ mediaType: config.mediaType, digest: config.digest, size: config.size }, config.bytes);
    await pushBlob({ mediaType: component.mediaType, digest: component.digest, size: component.size }, fromBundle(component.path));
    const subject: Descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size };
    await repo.pushManifest(subject, manifest.bytes, ref.tag);

    // 2. The wpack referrer: the locked manifest and the resources.
    const emptyConfig = describe(OCI_EMPTY, EMPTY_CONFIG);
    await pushBlob(emptyConfig, EMPTY_CONFIG);
    const manifestLayer = describe(WPACK_MANIFEST_MEDIA_TYPE, contents.manifestBytes, { annotations: { [ENTRY_ANNOTATION]: MANIFEST_FILE } });
    await pushBlob(manifestLayer, contents.manifestBytes);
    const layers: Descriptor[] = [manifestLayer];
    for (const f of locked.files.slice(1)) {
      const layer: Descriptor = { mediaType: f.mediaType, digest: f.digest, size: f.size, annotations: { [ENTRY_ANNOTATION]: f.path } };
      await pushBlob(layer, fromBundle(f.path));
      layers.push(layer);
    }
    const referrers: Descriptor[] = [];
    // Bundles that share a component share its manifest (and its tags): the
    // tag a bundle was pushed under tells a pull by that tag which one it meant.
    const annotations: Record<string, string> = { 'org.opencontainers.image.created': locked.created };
    if (ref.tag !== undefined) annotations[WPACK_TAG_ANNOTATION] = ref.tag;
    referrers.push(await pushReferrer(repo, WPACK_ARTIFACT_TYPE, emptyConfig, layers, subject, annotations));

    // 3. Signatures, as cosign v3 lays them out.
    for (const sig of contents.signatures) {
      const layer = describe(SIGSTORE_BUNDLE_MEDIA_TYPE, sig.bytes, { annotations: { [ENTRY_ANNOTATION]: sig.path } });
      await pushBlob(layer, sig.bytes);
      referrers.push(
        await pushReferrer(repo, SIGSTORE_BUNDLE_MEDIA_TYPE, emptyConfig, [layer], subject, {
          [SIGSTORE_CONTENT_ANNOTATION]: 'dsse-envelope',
          [SIGSTORE_PREDICATE_ANNOTATION]: predicateTypeOf(sig.bytes),
          'org.opencontainers.image.created': locked.created,
          // Which bundle carried it: a pull of that bundle takes it back
          // whatever it claims to sign (verification judges the claim).
          [WPACK_BUNDLE_ANNOTATION]: contents.digest,
        }),
      );
    }
    return { digest: manifest.digest, reference: ref.tag ?? manifest.digest, referrers, uploaded };
  } finally {
    await repo.close();
  }
}

async function pushReferrer(
  repo: RemoteRepository,
  artifactType: string,
  config: Descriptor,
  layers: Descriptor[],
  subject: Descriptor,
  annotations: Record<string, string>,
): Promise<Descriptor> {
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType, config, layers, subject, annotations }),
  );
  const desc = describe(OCI_MANIFEST, bytes, { artifactType, annotations });
  await repo.pushReferrer(desc, bytes, subject);
  return desc;
}

/** The in-toto predicate type inside a DSSE Sigstore bundle, for the cosign annotation. */
function predicateTypeOf(bytes: Buffer): string {
  try {
    const json = JSON.parse(bytes.toString('utf8')) as { dsseEnvelope?: { payload?: string } };
    const payload = JSON.parse(Buffer.from(json.dsseEnvelope?.payload ?? '', 'base64').toString('utf8')) as { predicateType?: unknown };
    return typeof payload.predicateType === 'string' ? payload.predicateType : '';
  } catch {
    return '';
  }
}

async function* counted(source: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    onBytes(chunk.length);
    yield chunk;
  }
}
