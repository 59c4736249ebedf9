// Local stand-ins for the public Sigstore services (Fulcio, Rekor, an RFC 3161
// timestamp authority), so keyless signing can be tested end to end without
// network access. The service logic comes from @sigstore/mock; this file serves
// it from plain node:http servers on 127.0.0.1 and builds the matching
// TrustedRoot.
//
// @sigstore/mock's root entry point is deliberately not imported: it loads
// `nock`, and requiring nock patches node:http globally for the whole process.
// The sub-modules used below do not.
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HashAlgorithm, PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { fulcioHandler, initializeCA, initializeCTLog } from '@sigstore/mock/dist/fulcio/index.js';
import { initializeTLog, rekorHandler } from '@sigstore/mock/dist/rekor/index.js';
import { initializeTSA, tsaHandler } from '@sigstore/mock/dist/timestamp/index.js';
import type { Handler } from '@sigstore/mock/dist/shared.types.js';
import { stopServer } from './servers.js';

export interface SigstoreMock {
  /** Fulcio: `POST /api/v2/signingCert`. Pass as `fulcioBaseURL` to FulcioSigner. */
  fulcioURL: string;
  /**
   * Rekor v1: `POST /api/v1/log/entries`. Pass as `rekorBaseURL` to RekorWitness
   * (default `majorApiVersion` 1; Rekor v2 is not served).
   */
  rekorURL: string;
  /** RFC 3161 TSA: `POST /api/v1/timestamp`, only with `withTsa`. Pass as `tsaBaseURL` to TSAWitness. */
  tsaURL?: string;
  /**
   * TrustedRoot in its JSON form (as in trusted_root.json) for the keys this mock
   * signs with: the Fulcio CA, its CT log, the Rekor log and, with `withTsa`,
   * the TSA chain. Every validity window starts at the second the mock started
   * and is open-ended. Feed it to `TrustedRoot.fromJSON`.
   */
  trustedRoot: Record<string, unknown>;
  /**
   * A signed OIDC identity token (ES256 JWT, aud "sigstore", valid for an hour)
   * that this mock's Fulcio accepts; Fulcio rejects tokens it did not mint with
   * 401. The certificate's issuer extension is `iss`; its subject alternative
   * name is `email` when given (as Fulcio does for e-mail identities), else `sub`.
   * Returns synchronously today; the type allows a promise, so `await` it.
   */
  identityToken(claims: { iss: string; sub: string; email?: string }): Promise<string> | string;
  /** Stops every server (dropping kept-alive connections). Safe to call twice. */
  close(): Promise<void>;
}

export interface SigstoreMockOptions {
  /** Also run a timestamp authority and put its chain in the trusted root. */
  withTsa?: boolean;
}

interface Reply {
  statusCode: number;
  body: string | Buffer;
  contentType: string;
}

type Route = (body: string) => Promise<Reply>;

interface Service {
  server: Server;
  url: string;
  routes: Map<string, Route>;
}

const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';
const TOKEN_AUDIENCE = 'sigstore';
const TOKEN_LIFETIME_S = 3600;
const CLOCK_SKEW_S = 60;
const MAX_BODY_BYTES = 1024 * 1024;

const wholeSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;
const toBuffer = (view: ArrayBufferView): Buffer => Buffer.from(view.buffer, view.byteOffset, view.byteLength);
const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');
const p256 = (): { publicKey: KeyObject; privateKey: KeyObject } => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

function notBefore(der: Buffer): number {
  const t = Date.parse(new X509Certificate(der).validFrom);
  if (Number.isNaN(t)) throw new Error('mock certificate has an unreadable notBefore');
  return t;
}

export async function startSigstoreMock(options: SigstoreMockOptions = {}): Promise<SigstoreMock> {
  const started = wholeSecond(Date.now());
  // One clock shared by the CA, CT log, tlog and TSA. @sigstore/mock reads the
  // Date object it is given at every use, so setting it before each request
  // keeps it current; it is always a whole second (sub-second times break
  // verification) and never before the mock's own root certificates.
  const clock = new Date(started);
  let earliest = started;
  const tick = (): void => {
    clock.setTime(Math.max(wholeSecond(Date.now()), earliest, clock.getTime()));
  };
  // Requests are handled one at a time so the clock cannot move mid-request.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(() => {
      tick();
      return fn();
    });
    queue = run.catch(() => undefined);
    return run;
  };

  const services: Service[] = [];
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= Promise.all(services.map((s) => stopServer(s.server))).then(() => undefined);
    return closing;
  };

  try {
    const fulcio = await startService(exclusive);
    services.push(fulcio);
    const rekor = await startService(exclusive);
    services.push(rekor);
    const tsaService = options.withTsa === true ? await startService(exclusive) : undefined;
    if (tsaService) services.push(tsaService);

    const tokenKeys = p256();
    const ctlog = await initializeCTLog(p256(), clock);
    const ca = await initializeCA(p256(), ctlog, clock);
    // The checkpoint origin is the host part of this URL, and verifiers match it
    // against the trusted root's tlog baseUrl, so both use rekor.url.
    const tlog = await initializeTLog(rekor.url, p256(), clock);
    const tsa = tsaService ? await initializeTSA(p256(), clock) : undefined;

    const caRoot = toBuffer(ca.rootCertificate);
    const tsaChain = tsa ? [toBuffer(tsa.intCertificate), toBuffer(tsa.rootCertificate)] : [];
    earliest = Math.max(started, ...[caRoot, ...tsaChain].map(notBefore));

    const bySub = route(fulcioHandler(ca, { subjectClaim: 'sub' }));
    const byEmail = route(fulcioHandler(ca, { subjectClaim: 'email' }));
    fulcio.routes.set('/api/v2/signingCert', async (body) => {
      const token = checkToken(body, tokenKeys.publicKey);
      if (typeof token === 'string') return json(401, { code: 401, message: token });
      return typeof token.email === 'string' ? byEmail(body) : bySub(body);
    });
    const logEntry = route(rekorHandler(tlog));
    rekor.routes.set('/api/v1/log/entries', async (body) => {
      const entry = canonicalEntry(body);
      return typeof entry === 'string' ? logEntry(entry) : json(400, { code: 400, message: entry.error });
    });
    if (tsa && tsaService) {
      const h = tsaHandler(tsa);
      tsaService.routes.set(h.path, route(h));
    }

    const validFor = { start: new Date(started) };
    const logKey = (der: Buffer, keyId: Buffer, baseUrl: string) => ({
      baseUrl,
      hashAlgorithm: HashAlgorithm.SHA2_256,
      publicKey: { rawBytes: der, keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor },
      logId: { keyId },
      checkpointKeyId: undefined,
      operator: 'sigstore.mock',
    });
    const root: TrustedRoot = {
      mediaType: TRUSTED_ROOT_MEDIA_TYPE,
      tlogs: [logKey(tlog.publicKey, createHash('sha256').update(tlog.publicKey).digest(), rekor.url)],
      certificateAuthorities: [
        {
          subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
          uri: fulcio.url,
          certChain: { certificates: [{ rawBytes: caRoot }] },
          validFor,
          operator: 'sigstore.mock',
        },
      ],
      ctlogs: [logKey(ctlog.publicKey, toBuffer(ctlog.logID), fulcio.url)],
      timestampAuthorities: tsaService
        ? [
            {
              subject: { organization: 'sigstore.mock', commonName: 'tsa' },
              uri: tsaService.url,
              certChain: { certificates: tsaChain.map((rawBytes) => ({ rawBytes })) },
              validFor,
              operator: 'sigstore.mock',
            },
          ]
        : [],
    };

    const mock: SigstoreMock = {
      fulcioURL: fulcio.url,
      rekorURL: rekor.url,
      trustedRoot: TrustedRoot.toJSON(root) as Record<string, unknown>,
      identityToken: (claims) => mintToken(claims, tokenKeys.privateKey),
      close,
    };
    if (tsaService) mock.tsaURL = tsaService.url;
    return mock;
  } catch (err) {
    await close();
    throw err;
  }
}

/** Adapts an @sigstore/mock handler (written for nock) to a Route. */
function route(handler: Handler): Route {
  return async (body) => {
    const { statusCode, response, contentType } = await handler.fn(body);
    return {
      statusCode,
      body: typeof response === 'string' ? response : toBuffer(response),
      contentType: contentType ?? 'text/plain',
    };
  };
}

function json(statusCode: number, value: unknown): Reply {
  return { statusCode, body: JSON.stringify(value), contentType: 'application/json' };
}

async function startService(exclusive: <T>(fn: () => Promise<T>) => Promise<T>): Promise<Service> {
  const routes = new Map<string, Route>();
  const server = createServer((req, res) => {
    void respond(req, res, routes, exclusive);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${String(port)}`, routes };
}

async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  routes: Map<string, Route>,
  exclusive: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  let reply: Reply;
  try {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const handler = routes.get(path);
    if (!handler) {
      reply = json(404, { code: 404, message: `no such endpoint: ${req.method ?? ''} ${path}` });
      req.resume();
    } else if (req.method !== 'POST') {
      reply = json(405, { code: 405, message: `use POST for ${path}` });
      req.resume();
    } else {
      const body = await readBody(req);
      reply = body === undefined ? json(413, { code: 413, message: 'request body too large' }) : await exclusive(() => handler(body));
    }
  } catch (err) {
    reply = json(500, { code: 500, message: err instanceof Error ? err.message : String(err) });
  }
  if (res.destroyed) return;
  res.writeHead(reply.statusCode, { 'Content-Type': reply.contentType, 'Content-Length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

/** The request body as text, or undefined when it exceeds MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  }
  return tooLarge ? undefined : Buffer.concat(chunks).toString('utf8');
}


function mintToken(claims: { iss: string; sub: string; email?: string }, key: KeyObject): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'ES256', typ: 'JWT', kid: 'sigstore-mock' };
  const payload: Record<string, unknown> = {
    iss: claims.iss,
    sub: claims.sub,
    aud: TOKEN_AUDIENCE,
    iat: now,
    nbf: now,
    exp: now + TOKEN_LIFETIME_S,
    jti: randomUUID(),
  };
  // @sigstore/sign refuses a token whose email is not verified.
  if (claims.email !== undefined) Object.assign(payload, { email: claims.email, email_verified: true });
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${base64url(signature)}`;
}

/** The token's claims when the request carries a token this mock minted and still valid; otherwise why not. */
function checkToken(body: string, key: KeyObject): Record<string, unknown> | string {
  let token: unknown;
  try {
    token = (JSON.parse(body) as { credentials?: { oidcIdentityToken?: unknown } }).credentials?.oidcIdentityToken;
  } catch {
    return 'request body is not JSON';
  }
  if (typeof token !== 'string') return 'missing credentials.oidcIdentityToken';
  const [header, payload, signature, ...rest] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) return 'malformed identity token';
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) return 'identity token not signed by this mock';
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return 'malformed identity token';
  }
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud !== TOKEN_AUDIENCE) return 'identity token has the wrong audience';
  if (typeof claims.exp !== 'number' || claims.exp <= now - CLOCK_SKEW_S) return 'identity token expired';
  if (typeof claims.nbf === 'number' && claims.nbf > now + CLOCK_SKEW_S) return 'identity token not yet valid';
  return claims;
}

const sha256hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What real Rekor stores for a proposed entry. @sigstore/mock logs the proposed
 * entry as it came, which is right for hashedrekord and intoto but not for
 * dsse 0.0.1 (the kind RekorWitness proposes for DSSE by default): Rekor checks
 * every envelope signature against the verifiers and logs only the payload
 * hash, envelope hash and sorted signature/verifier pairs, which is what
 * @sigstore/verify compares the bundle with. Other kinds pass through.
 */
function canonicalEntry(body: string): string | { error: string } {
  const entry = parseJson(body);
  if (entry === undefined) return { error: 'request body is not JSON' };
  if (!isRecord(entry) || entry.kind !== 'dsse' || entry.apiVersion !== '0.0.1') return body;
  const proposed = isRecord(entry.spec) ? entry.spec.proposedContent : undefined;
  if (!isRecord(proposed) || typeof proposed.envelope !== 'string' || !Array.isArray(proposed.verifiers)) {
    return { error: 'dsse entry needs proposedContent.envelope and proposedContent.verifiers' };
  }
  const envelope = parseJson(proposed.envelope);
  if (!isRecord(envelope) || typeof envelope.payloadType !== 'string' || typeof envelope.payload !== 'string' || !Array.isArray(envelope.signatures)) {
    return { error: 'malformed DSSE envelope' };
  }
  const payload = Buffer.from(envelope.payload, 'base64');
  const type = Buffer.from(envelope.payloadType);
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${String(type.length)} `), type, Buffer.from(` ${String(payload.length)} `), payload]);
  const verifiers: { encoded: string; key: KeyObject }[] = [];
  for (const v of proposed.verifiers) {
    if (typeof v !== 'string') return { error: 'verifiers must be base64 strings' };
    const pem = Buffer.from(v, 'base64').toString('utf8');
    try {
      verifiers.push({ encoded: v, key: pem.includes('CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem) });
    } catch {
      return { error: 'could not parse verifier as a public key or certificate' };
    }
  }
  const signatures: { signature: string; verifier: string }[] = [];
  for (const s of envelope.signatures) {
    const sig = isRecord(s) && typeof s.sig === 'string' ? s.sig : undefined;
    if (sig === undefined) return { error: 'malformed DSSE signature' };
    const by = verifiers.find(({ key }) =>
      verify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', pae, key, Buffer.from(sig, 'base64')),
    );
    if (!by) return { error: 'all signatures must have a key that verifies it' };
    signatures.push({ signature: sig, verifier: by.encoded });
  }
  if (signatures.length === 0) return { error: 'DSSE envelope must contain 1 or more signatures' };
  signatures.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  return JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256hex(proposed.envelope) },
      payloadHash: { algorithm: 'sha256', value: sha256hex(payload) },
      signatures,
    },
  });
}
