// A registry that answers with a bad document or a bad header: each failure
// is a RegistryError (exit 3) on one line naming what was read, never an
// internal error (exit 70). A tiny loopback server plays the registry; the
// real CLI talks to it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createBundle } from '@wpack/manifest';
import { parseReference, RegistryError, RemoteRepository } from '@wpack/registry-client';
import { runWpack, type RunResult } from './helpers/cli.js';
import { makeProject } from './helpers/project.js';
import { startRegistry } from './helpers/registry.js';
import { stopServer } from './helpers/servers.js';
import { tempDir } from './helpers/tmp.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DIGEST = 'sha256:' + 'a'.repeat(64);

let work: { dir: string; cleanup: () => Promise<void> };
let bundle: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  work = await tempDir('wpack-protocol-');
  await makeProject(join(work.dir, 'p'));
  bundle = join(work.dir, 'app.wpack');
  await createBundle(join(work.dir, 'p'), bundle);
  await mkdir(join(work.dir, 'docker'));
  env = { DOCKER_CONFIG: join(work.dir, 'docker') };
});
after(() => work.cleanup());

type Handler = (req: IncomingMessage, res: ServerResponse, host: string) => void;

/** A loopback "registry" answering every request with `handler`, stopped when `body` ends. */
async function withServer(handler: Handler, body: (host: string) => Promise<void>): Promise<void> {
  let host = '';
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res, host));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  try {
    await body(host);
  } finally {
    await stopServer(server);
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body = ''): void {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** Exit 3, one line, and in --json the code asked for. */
async function assertRegistryFailure(args: string[], code: string): Promise<RunResult> {
  const human = await runWpack(args, { env, timeoutMs: 30_000 });
  assert.equal(human.code, 3, `exit 3, got ${String(human.code)}: ${human.stderr}`);
  const lines = human.stderr.trim().split('\n');
  assert.equal(lines.length, 1, human.stderr);
  assert.match(lines[0] ?? '', /^wpack: (?!internal error)/);
  const json = await runWpack([...args, '--json'], { env, timeoutMs: 30_000 });
  assert.equal(json.code, 3, json.stdout);
  assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, code);
  return human;
}

/** Serves `manifest` for GET/HEAD of any manifest; 404 for the rest. */
const serveManifest =
  (manifest: string, headers: Record<string, string> = {}): Handler =>
  (req, res) => {
    if (/\/manifests\//.test(req.url ?? '')) send(res, 200, { 'content-type': OCI_MANIFEST, ...headers }, req.method === 'HEAD' ? '' : manifest);
    else send(res, 404, { 'content-type': 'application/json' }, '{"errors":[{"code":"NOT_FOUND"}]}');
  };

void describe('bad registry documents and headers: exit 3, one line, never 70', () => {
  void test('a manifest with a duplicate key', async () => {
    const dup = `{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","config":{"mediaType":"a","digest":"${DIGEST}","size":1},"layers":[],"layers":[]}`;
    await withServer(serveManifest(dup), async (host) => {
      const r = await assertRegistryFailure(['pull', `${host}/acme/app:1.0.0`, '-o', join(work.dir, 'x.wpack')], 'PROTOCOL');
      assert.match(r.stderr, /duplicate key/);
      assert.match(r.stderr, /acme\/app:1\.0\.0/);
    });
  });

  void test('a manifest that is not JSON', async () => {
    await withServer(serveManifest('{"schemaVersion":2,'), async (host) => {
      await assertRegistryFailure(['pull', `${host}/acme/app:1.0.0`, '-o', join(work.dir, 'x.wpack')], 'PROTOCOL');
    });
  });

  void test('a token response with a duplicate key, and one that is not JSON', async () => {
    for (const tokenBody of ['{"token":"a","token":"b"}', 'not json']) {
      await withServer(
        (req, res, host) => {
          if ((req.url ?? '').startsWith('/token')) send(res, 200, { 'content-type': 'application/json' }, tokenBody);
          else send(res, 401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="test"` });
        },
        async (host) => {
          const r = await assertRegistryFailure(['pull', `${host}/acme/app:1.0.0`, '-o', join(work.dir, 'x.wpack')], 'PROTOCOL');
          assert.match(r.stderr, /token response/);
        },
      );
    }
  });

  void test('a WWW-Authenticate challenge that cannot be read', async () => {
    await withServer(
      (_req, res) => send(res, 401, { 'www-authenticate': 'Negotiate' }),
      async (host) => {
        await assertRegistryFailure(['pull', `${host}/acme/app:1.0.0`, '-o', join(work.dir, 'x.wpack')], 'UNAUTHORIZED');
      },
    );
  });

  void test('an upload Location that is not a URL', async () => {
    await withServer(
      (req, res) => {
        if (req.method === 'POST') send(res, 202, { location: 'http://[not-a-host/upload' });
        else send(res, 404, {});
      },
      async (host) => {
        const r = await assertRegistryFailure(['push', bundle, `${host}/acme/app:1.0.0`], 'PROTOCOL');
        assert.match(r.stderr, /Location/);
      },
    );
  });

  void test('a Docker-Content-Digest or Content-Length header that is not one', async () => {
    const good = `{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","config":{"mediaType":"a","digest":"${DIGEST}","size":1},"layers":[]}`;
    await withServer(serveManifest(good, { 'docker-content-digest': 'sha256:zz' }), async (host) => {
      const r = await assertRegistryFailure(['copy', `${host}/acme/app:1.0.0`, `${host}/acme/copy:1.0.0`], 'PROTOCOL');
      assert.match(r.stderr, /Docker-Content-Digest/);
    });
    await withServer(
      (req, res) => {
        // Written raw: node:http itself would not send a Content-Length that is not a number.
        res.socket?.end(`HTTP/1.1 200 OK\r\ncontent-type: ${OCI_MANIFEST}\r\ndocker-content-digest: ${DIGEST}\r\ncontent-length: 12abc\r\nconnection: close\r\n\r\n`);
        void req;
      },
      async (host) => {
        await assertRegistryFailure(['copy', `${host}/acme/app:1.0.0`, `${host}/acme/copy:1.0.0`], 'PROTOCOL');
      },
    );
  });

  void test('a tag list with a duplicate key, or tags that are not strings', async () => {
    for (const list of ['{"name":"acme/app","tags":["a"],"tags":["b"]}', '{"name":"acme/app","tags":[1]}']) {
      await withServer(
        (_req, res) => send(res, 200, { 'content-type': 'application/json' }, list),
        async (host) => {
          const repo = RemoteRepository.open(parseReference(`${host}/acme/app`));
          try {
            await assert.rejects(repo.tags(), (e: unknown) => e instanceof RegistryError && e.code === 'PROTOCOL' && e.category === 'network');
          } finally {
            await repo.close();
          }
        },
      );
    }
  });

  void test('a TLS certificate that does not verify: said as such, not retried', async () => {
    const reg = await startRegistry('tls');
    try {
      const start = performance.now();
      const r = await assertRegistryFailure(['push', bundle, `${reg.host}/acme/app:1.0.0`, '--no-plain-http'], 'NETWORK');
      assert.match(r.stderr, /certificate/);
      assert.ok(performance.now() - start < 10_000, 'no backoff over five attempts');
    } finally {
      await reg.stop();
    }
  });
});
