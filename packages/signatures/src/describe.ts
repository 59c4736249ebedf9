import { readJson } from '@wpack/core';
import { describeProblems } from './verify.js';
import { sigstoreBundle, sigstoreCore } from './sigstore-js.js';

/** What a signature entry says about itself, before any trust decision: for `wpack inspect`. */
export interface SignatureDescription {
  kind: 'key' | 'keyless' | 'unknown';
  mediaType?: string;
  keyHint?: string;
  /** Certificate subject alternative name (keyless). */
  identity?: string;
  /** OIDC issuer from the Fulcio certificate extension (keyless). */
  issuer?: string;
  tlogIndex?: string;
  /** RFC 3339: the transparency log's integrated time, else an RFC 3161 timestamp's. */
  timestamp?: string;
  /** Why the entry could not be read, if it could not. */
  problem?: string;
}

// eslint-disable-next-line @typescript-eslint/require-await -- kept async: callers await it, and sigstore-js may load asynchronously again
export async function describeSignature(bytes: Buffer): Promise<SignatureDescription> {
  const read = readJson(bytes.toString('utf8'));
  if (read.problems.length > 0) return { kind: 'unknown', problem: `not strict JSON: ${describeProblems(read.problems)}` };
  const json = read.value as { mediaType?: unknown } | null;
  if (json === null || typeof json !== 'object') return { kind: 'unknown', problem: 'not a JSON object' };
  const out: SignatureDescription = { kind: 'unknown' };
  if (typeof json.mediaType === 'string') out.mediaType = json.mediaType;
  const { bundleFromJSON } = sigstoreBundle();
  const { X509Certificate } = sigstoreCore();
  let parsed;
  try {
    parsed = bundleFromJSON(json);
  } catch (err) {
    return { ...out, problem: `not a Sigstore bundle: ${(err as Error).message}` };
  }
  const vm = parsed.verificationMaterial;
  const tlog = vm.tlogEntries[0];
  if (tlog !== undefined) {
    out.tlogIndex = tlog.logIndex;
    const when = new Date(Number(tlog.integratedTime) * 1000);
    if (!Number.isNaN(when.getTime())) out.timestamp = when.toISOString();
  }
  switch (vm.content.$case) {
    case 'publicKey':
      return { ...out, kind: 'key', keyHint: vm.content.publicKey.hint };
    case 'certificate':
    case 'x509CertificateChain': {
      const raw = vm.content.$case === 'certificate' ? vm.content.certificate.rawBytes : vm.content.x509CertificateChain.certificates[0]?.rawBytes;
      if (raw === undefined) return { ...out, kind: 'keyless', problem: 'no certificate' };
      let identity: string | undefined;
      let issuer: string | undefined;
      try {
        const cert = X509Certificate.parse(Buffer.from(raw));
        identity = cert.subjectAltName;
        issuer = fulcioIssuer(cert.extension(ISSUER_V2_OID)?.value, cert.extension(ISSUER_V1_OID)?.value);
      } catch (err) {
        return { ...out, kind: 'keyless', problem: `unreadable certificate: ${(err as Error).message}` };
      }
      return {
        ...out,
        kind: 'keyless',
        ...(identity !== undefined ? { identity } : {}),
        ...(issuer !== undefined ? { issuer } : {}),
      };
    }
    default:
      return out;
  }
}

/** Fulcio's OIDC issuer extensions: 1.8 holds a DER UTF8String, the older 1.1 the raw bytes. */
const ISSUER_V2_OID = '1.3.6.1.4.1.57264.1.8';
const ISSUER_V1_OID = '1.3.6.1.4.1.57264.1.1';

function fulcioIssuer(v2: Buffer | undefined, v1: Buffer | undefined): string | undefined {
  if (v2 !== undefined && v2[0] === 0x0c) {
    const len = v2[1] ?? 0;
    // Short-form length (< 128) or one/two length bytes (0x81, 0x82).
    const [start, size] = len < 0x80 ? [2, len] : len === 0x81 ? [3, v2[2] ?? 0] : [4, ((v2[2] ?? 0) << 8) | (v2[3] ?? 0)];
    return v2.subarray(start, start + size).toString('utf8');
  }
  return v1?.toString('utf8');
}
