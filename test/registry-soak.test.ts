// Soak: 100 pushes and pulls at once of 20 bundles, in-process, through the
// fault proxy injecting every fault mode at random (seeded, so a failure can
// be replayed), against a real Distribution registry on loopback. Every pull
// is byte-identical or a clean network failure (exit 3's category); nothing
// partial or temporary is left; no promise is left unhandled; memory stays
// bounded (the peak is reported). Bounded: under 2 minutes.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WpackError } from '@wpack/core';
import { createBundle, pullBundle, pushBundle } from '@wpack/manifest';
import { parseReference } from '@wpack/registry-client';
import { startFaultProxy, type FaultAction, type FaultProxy } from './helpers/fault-proxy.js';
import { makeProject } from './helpers/project.js';
import { startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const BUNDLES = 20;
const TASKS = 100;
const SEED = 20261204;
const FAULTS: FaultAction[] = [
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503 },
  { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
  { kind: 'cut', afterBytes: 700, pauseMs: 20 },
  { kind: 'truncate', afterBytes: 700 },
  { kind: 'corrupt' },
];

let work: { dir: string; cleanup: () => Promise<void> };
let registry: TestRegistry;
let proxy: FaultProxy;
const bundles: Buffer[] = [];

before(async () => {
  work = await tempDir('wpack-soak-');
  registry = await startRegistry('plain');
  for (let i = 0; i < BUNDLES; i += 1) {
    const project = await makeProject(join(work.dir, `p${String(i)}`), { resources: { 'data/r.bin': randomBytes(32 * 1024 + i * 1024) } });
    const file = join(work.dir, `b${String(i)}.wpack`);
    await createBundle(project, file);
    bundles.push(await readFile(file));
  }
  proxy = await startFaultProxy(registry.baseURL, [{ path: /./, chance: 0.06, action: FAULTS }], { seed: SEED });
});

after(async () => {
  await proxy.close();
  await registry.stop();
  await work.cleanup();
});

void test(`soak: ${String(TASKS)} pushes and pulls at once through random faults`, { timeout: 120_000 }, async (t: TestContext) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const out = join(work.dir, 'out');
  await mkdir(out);
  const started = performance.now();
  try {
    const outcomes = await Promise.all(
      Array.from({ length: TASKS }, async (_, i) => {
        const n = i % BUNDLES;
        const ref = parseReference(`${proxy.host}/soak/b${String(n)}:t${String(i)}`);
        try {
          await pushBundle(join(work.dir, `b${String(n)}.wpack`), ref);
        } catch (err) {
          return { i, stage: 'push', err };
        }
        const file = join(out, `${String(i)}.wpack`);
        try {
          await pullBundle(ref, file);
        } catch (err) {
          return { i, stage: 'pull', err };
        }
        const same = (await readFile(file)).equals(bundles[n] as Buffer);
        return { i, stage: 'done', same };
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const failed = outcomes.filter((o) => o.stage !== 'done');
    // Every failure is a registry or network failure (exit 3), never a crash, a bug (exit 70) or bad input.
    for (const f of failed) {
      assert.ok(f.err instanceof WpackError, `task ${String(f.i)} (${f.stage}): not a WpackError: ${String(f.err)}`);
      assert.equal(f.err.category, 'network', `task ${String(f.i)} (${f.stage}): ${f.err.code} ${f.err.message}`);
    }
    const done = outcomes.filter((o) => o.stage === 'done');
    assert.deepEqual(done.filter((o) => o.same !== true).map((o) => o.i), [], 'every pull that succeeded is byte-identical');
    // Only the finished outputs: no partial file, no temp file.
    assert.deepEqual((await readdir(out)).sort(), done.map((o) => `${String(o.i)}.wpack`).sort());
    assert.deepEqual(unhandled, []);
    const faults = proxy.hits().filter((h) => h.fault !== undefined);
    assert.ok(new Set(faults.map((h) => h.fault)).size >= 4, `several fault modes were injected: ${[...new Set(faults.map((h) => h.fault))].join(', ')}`);
    assert.ok(done.length >= TASKS / 2, `most tasks get through the faults (${String(done.length)} of ${String(TASKS)})`);
    assert.ok(peak < 1024 * 1024 * 1024, `peak RSS ${String(Math.round(peak / 1048576))} MiB`);
    t.diagnostic(
      `${String(done.length)} of ${String(TASKS)} round trips byte-identical, ${String(failed.length)} clean network failures ` +
        `(${failed.map((f) => `${f.stage}:${(f.err as WpackError).code}`).join(', ') || 'none'}); ${String(faults.length)} faults in ${String(proxy.hits().length)} requests; ` +
        `${seconds.toFixed(1)} s; peak RSS ${String(Math.round(peak / 1048576))} MiB`,
    );
  } finally {
    clearInterval(sampler);
    process.off('unhandledRejection', onUnhandled);
  }
});
