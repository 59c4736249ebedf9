// bench/registry: pushes and pulls a bundle with a generated resource (1 GiB
// by default) against a local Distribution (the test harness's registry) and
// prints wpack's throughput beside plain tools moving the same blob in the
// same run:
//   - push: `curl -T` of the resource as one monolithic blob upload (target
//     wpack >= 0.9x), and `skopeo copy` of an OCI layout holding it as a layer
//     (target wpack >= 1.2x);
//   - pull: `curl | openssl dgst -sha256` of that blob (target wpack >= 0.9x);
//   - wpack's peak RSS for push and for pull (target < 200 MiB).
// Every contender gets a fresh registry each run, so no blob is already there
// (wpack HEADs first and would upload nothing). The contenders take turns
// within each run, so each sees the machine in the same state; best of N.
//   npm run bench:registry          BENCH_SIZE_MIB=256 BENCH_RUNS=1 npm run bench:registry
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type * as Fixtures from '../test/fixtures/build.js';
import type * as Registry from '../test/helpers/registry.js';
import { MiB, WPACK_BIN, row, timeCommand, timeNode, type Timing, makeBenchProject } from './measure.js';

// The fixture builder and the registry harness live in the test project; their compiled output sits at test/dist.
const { buildFixtures } = (await import(new URL('../../test/dist/fixtures/build.js', import.meta.url).href)) as typeof Fixtures;
const { startRegistry } = (await import(new URL('../../test/dist/helpers/registry.js', import.meta.url).href)) as typeof Registry;

const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? '1024');
const runs = Number(process.env.BENCH_RUNS ?? '3');
const TARGET_PUSH_CURL = 0.9;
const TARGET_PUSH_SKOPEO = 1.2;
const TARGET_PULL_CURL = 0.9;
const TARGET_RSS = 200 * MiB;

/** Starts a fresh registry for `fn` and always stops it (which also removes its storage). */
async function withRegistry<T>(fn: (reg: Registry.TestRegistry) => Promise<T> | T): Promise<T> {
  const reg = await startRegistry('plain');
  try {
    return await fn(reg);
  } finally {
    await reg.stop();
  }
}

/** As `best` in measure.ts, over timings taken in turns: the fastest, with the highest peak RSS seen. */
function fastest(timings: Timing[]): Timing {
  let result: Timing | undefined;
  for (const t of timings) {
    if (result === undefined || t.seconds < result.seconds) result = { ...t, peakRss: Math.max(t.peakRss ?? 0, result?.peakRss ?? 0) };
    else result.peakRss = Math.max(t.peakRss ?? 0, result.peakRss ?? 0);
  }
  if (result === undefined) throw new Error('no runs');
  return result;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Flush earlier writes (untimed), so their write-back does not land on the next contender. */
function settle(): void {
  timeCommand('sync', []);
}

const scratch = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'wpack-bench-registry-'));
try {
  const fixtures = await buildFixtures();
  const project = makeBenchProject(join(scratch, 'project'), 'bench:registry', fixtures['cli-command'], sizeMiB);
  const resource = join(project, 'data', 'blob.bin');
  const bundle = join(scratch, 'bench.wpack');
  timeCommand(process.execPath, [WPACK_BIN, 'bundle', project, '-o', bundle], { SOURCE_DATE_EPOCH: '0' });
  const bundleSize = statSync(bundle).size;
  const bytes = statSync(resource).size;
  const hex = await sha256File(resource);

  // The same blob as the one layer of an OCI image layout, with the empty config.
  const layout = join(scratch, 'layout');
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  try {
    linkSync(resource, join(blobs, hex));
  } catch {
    copyFileSync(resource, join(blobs, hex));
  }
  const putJson = (value: unknown): { digest: string; size: number } => {
    const data = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
    const digest = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: data.length };
  };
  const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = putJson({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', ...putJson('{}') },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${hex}`, size: bytes }],
  });
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, ...manifest, annotations: { 'org.opencontainers.image.ref.name': '1' } }] }),
  );

  // Keep the machine's Docker and containers configuration out of every contender.
  const dockerConfig = join(scratch, 'docker');
  const skopeoHome = join(scratch, 'skopeo-home');
  mkdirSync(dockerConfig);
  mkdirSync(skopeoHome);
  const wpackEnv = { DOCKER_CONFIG: dockerConfig };
  const skopeoEnv = { HOME: skopeoHome, REGISTRY_AUTH_FILE: join(skopeoHome, 'auth.json') };
  const pulled = join(scratch, 'pulled.wpack');
  const fetched = join(scratch, 'fetched.bin');

  timeCommand('cat', [resource, bundle]); // warm the page cache for every contender

  const t = { wpackPush: [] as Timing[], wpackPull: [] as Timing[], curlPut: [] as Timing[], curlPull: [] as Timing[], curlFetch: [] as Timing[], skopeo: [] as Timing[] };
  for (let run = 0; run < runs; run++) {
    await withRegistry((reg) => {
      const ref = `${reg.host}/bench/wpack-${String(run)}:1.0.0`;
      settle();
      t.wpackPush.push(timeNode(WPACK_BIN, ['push', bundle, ref], scratch, wpackEnv));
      rmSync(pulled, { force: true });
      settle();
      t.wpackPull.push(timeNode(WPACK_BIN, ['pull', ref, '-o', pulled], scratch, wpackEnv));
      const size = statSync(pulled).size;
      if (size !== bundleSize) throw new Error(`wpack pull ${ref} wrote ${String(size)} bytes, the bundle has ${String(bundleSize)}`);
      rmSync(pulled, { force: true });
    });

    await withRegistry(async (reg) => {
      const repo = `bench/curl-${String(run)}`;
      // Opening the upload session is untimed; the timing is the monolithic PUT of every byte.
      const start = await fetch(`${reg.baseURL}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      await start.arrayBuffer();
      const location = start.headers.get('location');
      if (start.status !== 202 || location === null) throw new Error(`POST ${repo}/blobs/uploads/ answered ${String(start.status)}`);
      const url = new URL(location, reg.baseURL).href;
      const put = `${url}${url.includes('?') ? '&' : '?'}digest=sha256:${hex}`;
      settle();
      t.curlPut.push(timeCommand('curl', ['-sS', '-f', '-X', 'PUT', '-T', resource, '-H', 'Content-Type: application/octet-stream', put]));
      const blob = `${reg.baseURL}/v2/${repo}/blobs/sha256:${hex}`;
      // The digest is compared too (negligible), so a short or wrong body cannot pass as fast.
      const script = 'set -o pipefail; d=$(curl -sS -f "$1" | openssl dgst -sha256 -r) && [ "${d%% *}" = "$2" ]';
      settle();
      t.curlPull.push(timeCommand('bash', ['-c', script, 'bash', blob, hex]));
      rmSync(fetched, { force: true });
      settle();
      t.curlFetch.push(timeCommand('curl', ['-sS', '-f', '-o', fetched, blob]));
      rmSync(fetched, { force: true });
    });

    await withRegistry((reg) => {
      // --preserve-digests: the layer goes up as it is (otherwise skopeo gzips it for a registry).
      const dest = `docker://${reg.host}/bench/skopeo-${String(run)}:1`;
      settle();
      t.skopeo.push(
        timeCommand('skopeo', ['--command-timeout', '600s', 'copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:1`, dest], skopeoEnv),
      );
    });
  }

  const wpackPush = fastest(t.wpackPush);
  const wpackPull = fastest(t.wpackPull);
  const curlPut = fastest(t.curlPut);
  const curlPull = fastest(t.curlPull);
  const curlFetch = fastest(t.curlFetch);
  const skopeo = fastest(t.skopeo);
  const rate = (x: { seconds: number }): number => bytes / MiB / x.seconds;
  const speed = (x: Timing): string => `${rate(x).toFixed(0)} MiB/s`;
  const secs = (x: Timing): string => `${x.seconds.toFixed(3)} s`;
  const verdict = (ratio: number, target: number): string => `target >= ${target.toFixed(1)}x ${ratio >= target ? 'MET' : 'MISSED'}`;
  const pushCurl = rate(wpackPush) / rate(curlPut);
  const pushSkopeo = rate(wpackPush) / rate(skopeo);
  const pullCurl = rate(wpackPull) / rate(curlPull);
  const rss = (x: Timing): string => `${((x.peakRss ?? 0) / MiB).toFixed(0)} MiB`;
  const rssVerdict = (x: Timing): string => `target < ${String(TARGET_RSS / MiB)} MiB ${(x.peakRss ?? 0) < TARGET_RSS ? 'MET' : 'MISSED'}`;

  console.log(
    `bench/registry in ${scratch}: ${String(sizeMiB)} MiB resource (bundle ${(bundleSize / MiB).toFixed(1)} MiB), Distribution on 127.0.0.1, ` +
      `fresh registry per contender, best of ${String(runs)}, node ${process.version}`,
  );
  console.log(`throughput = resource bytes / wall seconds of the whole process (wpack also moves the component and manifests)`);
  console.log(row('curl -T, one monolithic PUT (push baseline)', speed(curlPut), secs(curlPut)));
  console.log(row('skopeo copy oci: layout (push baseline)', speed(skopeo), secs(skopeo)));
  console.log(row('wpack push (whole process)', speed(wpackPush), secs(wpackPush)));
  console.log(row('ratio wpack push / curl -T', `${pushCurl.toFixed(2)}x`, verdict(pushCurl, TARGET_PUSH_CURL)));
  console.log(row('ratio wpack push / skopeo copy', `${pushSkopeo.toFixed(2)}x`, verdict(pushSkopeo, TARGET_PUSH_SKOPEO)));
  console.log(row('curl | openssl dgst -sha256 (pull baseline)', speed(curlPull), secs(curlPull)));
  console.log(row('curl -o file (write floor)', speed(curlFetch), secs(curlFetch)));
  console.log(row('wpack pull (whole process)', speed(wpackPull), secs(wpackPull)));
  console.log(row('ratio wpack pull / curl | openssl', `${pullCurl.toFixed(2)}x`, verdict(pullCurl, TARGET_PULL_CURL)));
  console.log(row('ratio wpack pull / curl -o', `${(rate(wpackPull) / rate(curlFetch)).toFixed(2)}x`));
  console.log(row('wpack push peak RSS', rss(wpackPush), rssVerdict(wpackPush)));
  console.log(row('wpack pull peak RSS', rss(wpackPull), rssVerdict(wpackPull)));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
