// A token server for registry tests, after the Docker registry token spec
// (https://distribution.github.io/distribution/spec/auth/token/): the client
// asks `GET <realm>?service=<service>&scope=repository:<name>:pull,push` with
// Basic credentials and gets back a JWT that the registry verifies against its
// `auth.token.rootcertbundle`.
//
// Tokens are ES256, signed with node:crypto. The header carries the signing
// certificate as `x5c`: Distribution 2.8 finds the verification key either
// from x5c (checked against the root bundle) or from a `kid` in its own libtrust
// key-ID format; x5c is the simple, known-good way.
import { randomUUID, sign, timingSafeEqual, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stopServer } from './servers.js';

export interface TokenUser {
  username: string;
  password: string;
  /** The repository actions this user may be granted, on every repository (e.g. ['pull', 'push']). */
  actions: readonly string[];
  /**
   * An OAuth2 refresh token for this user (what `docker login` stores as
   * `identitytoken`), accepted by the refresh_token grant on POST.
   */
  identityToken?: string;
}

export interface TokenIssuerOptions {
  /** The `iss` claim; must equal the registry's `auth.token.issuer`. */
  issuer: string;
  /** The `aud` claim; must equal the registry's `auth.token.service`. */
  service: string;
  /** The EC P-256 private key that signs tokens. */
  key: KeyObject;
  /** The DER certificate of `key`, as placed in the registry's root bundle. */
  certificate: Buffer;
  users: readonly TokenUser[];
  /** Token lifetime in seconds (default 300). */
  lifetimeSeconds?: number;
}

export interface TokenIssuer {
  /** The realm URL, `http://127.0.0.1:<port>/token`. */
  realm: string;
  /** Every token request so far: method, and for a POST its form fields. */
  requests(): TokenRequest[];
  /** Stops the server (dropping kept-alive connections). Safe to call twice. */
  close(): Promise<void>;
}

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenRequest {
  method: string;
  form?: Record<string, string>;
}

const DEFAULT_LIFETIME_S = 300;
const MAX_FORM_BYTES = 64 * 1024;
const TOKEN_PATH = '/token';

/** Starts the token server on 127.0.0.1 with an OS-chosen port. */
export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const seen: TokenRequest[] = [];
  const server = createServer((req, res) => {
    const fail = (err: unknown): void => reply(res, 500, { errors: [{ code: 'UNKNOWN', message: err instanceof Error ? err.message : String(err) }] });
    if (req.method !== 'POST') {
      seen.push({ method: req.method ?? '' });
      try {
        handle(req, res, options);
      } catch (err) {
        fail(err);
      }
      return;
    }
    readForm(req).then((form) => {
      seen.push({ method: 'POST', ...(form !== undefined ? { form: Object.fromEntries(form) } : {}) });
      handleRefresh(req, res, form, options);
    }, fail);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A forgotten close() must not keep the test process alive.
  server.unref();
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    realm: `http://127.0.0.1:${String(port)}${TOKEN_PATH}`,
    requests: () => [...seen],
    close: () => (closing ??= stopServer(server)),
  };
}

function handle(req: IncomingMessage, res: ServerResponse, options: TokenIssuerOptions): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== TOKEN_PATH) {
    reply(res, 404, { errors: [{ code: 'NOT_FOUND', message: `no such endpoint: ${url.pathname}` }] });
    return;
  }
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET, POST');
    reply(res, 405, { errors: [{ code: 'UNSUPPORTED', message: 'only GET and POST are served' }] });
    return;
  }
  const service = url.searchParams.get('service');
  if (service !== null && service !== options.service) {
    reply(res, 400, { errors: [{ code: 'DENIED', message: `unknown service: ${service}` }] });
    return;
  }
  const user = authenticate(req.headers.authorization, options.users);
  if (user === undefined) {
    res.setHeader('WWW-Authenticate', `Basic realm="${options.service}"`);
    reply(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    return;
  }
  let access: AccessEntry[];
  try {
    access = grant(url.searchParams.getAll('scope'), user);
  } catch (err) {
    reply(res, 400, { errors: [{ code: 'INVALID_SCOPE', message: err instanceof Error ? err.message : String(err) }] });
    return;
  }
  const lifetime = options.lifetimeSeconds ?? DEFAULT_LIFETIME_S;
  const now = Math.floor(Date.now() / 1000);
  const token = issue(user, access, options);
  reply(res, 200, { token, access_token: token, expires_in: lifetime, issued_at: new Date(now * 1000).toISOString() });
}

/** A form body (application/x-www-form-urlencoded), bounded; undefined for another content type. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('form body too large');
    chunks.push(chunk);
  }
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The OAuth2 refresh_token grant of the distribution docs' "oauth.md": POST
 * to the realm with grant_type, service, client_id, refresh_token and a
 * space-delimited scope; the answer carries access_token. A refresh token
 * that no user holds is answered 400 invalid_grant (RFC 6749 §5.2).
 */
function handleRefresh(req: IncomingMessage, res: ServerResponse, form: URLSearchParams | undefined, options: TokenIssuerOptions): void {
  if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== TOKEN_PATH) {
    reply(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'no such endpoint' }] });
    return;
  }
  if (form === undefined) {
    reply(res, 400, { error: 'invalid_request', error_description: 'expected a form body' });
    return;
  }
  if (form.get('grant_type') !== 'refresh_token') {
    reply(res, 400, { error: 'unsupported_grant_type' });
    return;
  }
  if (form.get('service') !== options.service || !form.get('client_id')) {
    reply(res, 400, { error: 'invalid_request', error_description: 'service and client_id are required' });
    return;
  }
  const presented = Buffer.from(form.get('refresh_token') ?? '');
  const user = options.users.find((u) => u.identityToken !== undefined && u.identityToken.length === presented.length && timingSafeEqual(Buffer.from(u.identityToken), presented));
  if (user === undefined) {
    reply(res, 400, { error: 'invalid_grant', error_description: 'unknown refresh token' });
    return;
  }
  let access: AccessEntry[];
  try {
    access = grant([form.get('scope') ?? ''], user);
  } catch (err) {
    reply(res, 400, { error: 'invalid_scope', error_description: err instanceof Error ? err.message : String(err) });
    return;
  }
  reply(res, 200, { access_token: issue(user, access, options), expires_in: options.lifetimeSeconds ?? DEFAULT_LIFETIME_S, scope: form.get('scope') ?? '' });
}

/** A signed token for `user` granting `access`. */
function issue(user: TokenUser, access: AccessEntry[], options: TokenIssuerOptions): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    { alg: 'ES256', typ: 'JWT', x5c: [options.certificate.toString('base64')] },
    { iss: options.issuer, sub: user.username, aud: options.service, exp: now + (options.lifetimeSeconds ?? DEFAULT_LIFETIME_S), nbf: now, iat: now, jti: randomUUID(), access },
    options.key,
  );
}

/** The user named by valid Basic credentials, else undefined. */
function authenticate(header: string | undefined, users: readonly TokenUser[]): TokenUser | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const username = decoded.slice(0, colon);
  const password = Buffer.from(decoded.slice(colon + 1));
  const user = users.find((u) => u.username === username);
  if (user === undefined) return undefined;
  const expected = Buffer.from(user.password);
  return expected.length === password.length && timingSafeEqual(expected, password) ? user : undefined;
}

/**
 * The access claim for the requested scopes: each `type:name:actions` scope
 * (several per parameter, space-separated, as the spec allows) is granted the
 * requested actions the user holds. Only repository scopes are granted; others
 * (e.g. `registry:catalog:*`) get no actions. Entries with nothing granted are
 * left out, as the registry then answers 401/403 for them.
 */
export function grant(scopes: readonly string[], user: Pick<TokenUser, 'actions'>): AccessEntry[] {
  const byResource = new Map<string, AccessEntry>();
  for (const scope of scopes.flatMap((s) => s.split(' ')).filter((s) => s !== '')) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first <= 0 || last === first || last === scope.length - 1) throw new Error(`malformed scope: ${scope}`);
    const type = scope.slice(0, first);
    const name = scope.slice(first + 1, last);
    const requested = scope.slice(last + 1).split(',');
    if (type !== 'repository') continue;
    const allowed = requested.filter((a) => user.actions.includes(a));
    if (allowed.length === 0) continue;
    const key = `${type}:${name}`;
    const entry = byResource.get(key) ?? { type, name, actions: [] };
    for (const action of allowed) if (!entry.actions.includes(action)) entry.actions.push(action);
    byResource.set(key, entry);
  }
  return [...byResource.values()];
}

/** A compact JWS, ES256 (signature as raw r||s, as JWS requires). */
export function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

