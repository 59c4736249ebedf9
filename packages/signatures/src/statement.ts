import { componentArtifact, type LockedManifest } from '@wpack/manifest';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const WPACK_PREDICATE_TYPE = 'https://wpack.dev/attestation/bundle/v1';
export const MANIFEST_SUBJECT = 'wpack.json';

export interface Statement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: typeof WPACK_PREDICATE_TYPE;
  predicate: { name: string; version: string; capabilities: string[]; world: string | null };
}

/**
 * The in-toto Statement v1 a wpack signature carries (DESIGN §4). Subject 1
 * is the locked manifest — which names every other byte by digest; subject 2
 * is the component's OCI manifest, so `cosign verify-attestation` can check
 * the signature on a registry.
 */
export function buildStatement(locked: LockedManifest, manifestDigest: string): Statement {
  const oci = componentArtifact(locked).manifest;
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [
      { name: MANIFEST_SUBJECT, digest: { sha256: hex(manifestDigest) } },
      { name: `${locked.name}@${locked.version}`, digest: { sha256: hex(oci.digest) } },
    ],
    predicateType: WPACK_PREDICATE_TYPE,
    predicate: { name: locked.name, version: locked.version, capabilities: locked.capabilities, world: locked.world ?? null },
  };
}

function hex(digest: string): string {
  return digest.replace(/^sha256:/, '');
}
