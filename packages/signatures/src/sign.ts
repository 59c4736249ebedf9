import type { KeyObject } from 'node:crypto';
import { sign as cryptoSign, createPublicKey } from 'node:crypto';
import { appendEntry, isSignatureEntry, readBundleHead, SIGNATURES_DIR } from '@wpack/manifest';
import { SignatureError } from './errors.js';
import { keyHint } from './keys.js';
import { buildStatement, IN_TOTO_PAYLOAD_TYPE } from './statement.js';
import { sigstoreBundle, sigstoreSign } from './sigstore-js.js';

export const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';
export const DEFAULT_TSA_URL = 'https://timestamp.sigstore.dev/api/v1/timestamp';

export type SigningMode =
  | { kind: 'key'; privateKey: KeyObject }
  | { kind: 'keyless'; identityToken: string; fulcioURL: string; rekorURL: string; tsaURL?: string };

export interface SignResult {
  /** The entry added, e.g. signatures/2.sigstore.json. */
  entry: string;
  /** The bundle digest that was signed (unchanged by signing). */
  digest: string;
  kind: 'key' | 'keyless';
  keyHint?: string;
  tlogIndex?: string;
}

/**
 * Signs a bundle: a DSSE envelope holding the in-toto statement of DESIGN
 * §4, as a Sigstore bundle v0.3, appended as the next signatures/<n> entry.
 * Reads the locked manifest, which pins every other byte by digest, and
 * component.wasm, to refuse a manifest that does not record its interface;
 * the resources are never read.
 */
export async function signBundle(file: string, mode: SigningMode): Promise<SignResult> {
  const head = await readBundleHead(file);
  const statement = buildStatement(head.manifest, head.digest);
  const { DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness } = sigstoreSign();
  const { bundleToJSON } = sigstoreBundle();

  let builder;
  let hint: string | undefined;
  if (mode.kind === 'key') {
    const publicKey = createPublicKey(mode.privateKey);
    hint = keyHint(publicKey);
    const publicPem = String(publicKey.export({ type: 'spki', format: 'pem' }));
    const algorithm = mode.privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    builder = new DSSEBundleBuilder({
      signer: {
        sign: (data: Buffer) =>
          Promise.resolve({ signature: cryptoSign(algorithm, data, mode.privateKey), key: { $case: 'publicKey' as const, publicKey: publicPem, hint: hint ?? '' } }),
      },
      witnesses: [],
    });
  } else {
    const token = mode.identityToken;
    builder = new DSSEBundleBuilder({
      signer: new FulcioSigner({ fulcioBaseURL: mode.fulcioURL, identityProvider: { getToken: () => Promise.resolve(token) } }),
      witnesses: [
        new RekorWitness({ rekorBaseURL: mode.rekorURL }),
        ...(mode.tsaURL !== undefined ? [new TSAWitness({ tsaBaseURL: mode.tsaURL })] : []),
      ],
    });
  }

  let json: unknown;
  try {
    const bundle = await builder.create({ data: Buffer.from(JSON.stringify(statement)), type: IN_TOTO_PAYLOAD_TYPE });
    json = bundleToJSON(bundle);
  } catch (err) {
    throw new SignatureError('SIGNING_FAILED', `signing failed: ${(err as Error).message}`, {
      cause: err,
      category: mode.kind === 'keyless' ? 'network' : 'input',
    });
  }
  const entry = `${SIGNATURES_DIR}${String(nextSignatureNumber(head.signatures.map((s) => s.path)))}.sigstore.json`;
  await appendEntry(file, entry, Buffer.from(JSON.stringify(json, null, 2) + '\n'), new Date(head.manifest.created));

  const result: SignResult = { entry, digest: head.digest, kind: mode.kind };
  if (hint !== undefined) result.keyHint = hint;
  const tlog = (json as { verificationMaterial?: { tlogEntries?: { logIndex?: string }[] } }).verificationMaterial?.tlogEntries?.[0]?.logIndex;
  if (tlog !== undefined) result.tlogIndex = tlog;
  return result;
}

function nextSignatureNumber(paths: string[]): number {
  let max = 0;
  for (const p of paths) {
    if (!isSignatureEntry(p)) continue;
    max = Math.max(max, Number(/(\d+)\.sigstore\.json$/.exec(p)?.[1] ?? 0));
  }
  // Entry names allow six digits (signatures/<n>.sigstore.json).
  if (max + 1 > 999_999) throw new SignatureError('SIGNING_FAILED', 'the bundle has no signature number left');
  return max + 1;
}

/**
 * The OIDC token for keyless signing: an explicit one, else SIGSTORE_ID_TOKEN,
 * else GitHub Actions' ambient credentials (audience "sigstore").
 */
export async function resolveIdentityToken(explicit?: string): Promise<string> {
  if (explicit !== undefined && explicit !== '') return explicit;
  if (process.env.SIGSTORE_ID_TOKEN) return process.env.SIGSTORE_ID_TOKEN;
  if (process.env.ACTIONS_ID_TOKEN_REQUEST_URL && process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    const { CIContextProvider } = sigstoreSign();
    let token: unknown;
    try {
      token = await new CIContextProvider('sigstore').getToken();
    } catch (err) {
      // It rejects with plain strings as well as Errors.
      throw new SignatureError('NO_IDENTITY_TOKEN', `GitHub Actions did not hand out an OIDC token: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
        category: 'network',
      });
    }
    if (typeof token !== 'string' || token === '') {
      throw new SignatureError('NO_IDENTITY_TOKEN', 'GitHub Actions answered the token request without a token: does the job have `permissions: id-token: write`?', {
        category: 'network',
      });
    }
    return token;
  }
  throw new SignatureError(
    'NO_IDENTITY_TOKEN',
    'keyless signing needs an OIDC identity token: pass --identity-token, set SIGSTORE_ID_TOKEN, or run in GitHub Actions with `permissions: id-token: write` (or sign with --key)',
  );
}
