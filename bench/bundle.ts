// bench/bundle: bundles a generated resource (512 MiB by default) and prints
// wpack's throughput beside `openssl dgst -sha256` over the same file, read
// from the same warm page cache in the same run, plus wpack's peak RSS.
//   npm run bench:bundle            BENCH_SIZE_MIB=256 npm run bench:bundle
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Fixtures from '../test/fixtures/build.js';
import { MiB, WPACK_BIN, best, row, timeCommand, timeNode, makeBenchProject } from './measure.js';

const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? '512');
const runs = Number(process.env.BENCH_RUNS ?? '3');
/** Whole process, wpack bundle against openssl dgst -sha256 over the same 512 MiB (it must also write every byte). */
const TARGET_RATIO = 0.45;
// The fixture builder lives in the test project; its compiled output sits at test/dist.
const { buildFixtures } = (await import(new URL('../../test/dist/fixtures/build.js', import.meta.url).href)) as typeof Fixtures;
const TARGET_RSS = 150 * MiB;

const scratch = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'wpack-bench-bundle-'));
try {
  const fixtures = await buildFixtures();
  const project = makeBenchProject(join(scratch, 'project'), 'bench:bundle', fixtures['cli-command'], sizeMiB);
  const resource = join(project, 'data', 'blob.bin');
  const bytes = statSync(resource).size + statSync(join(project, 'app.wasm')).size;
  readFileSync(join(project, 'app.wasm'));
  timeCommand('cat', [resource, join(project, 'app.wasm')]); // warm the page cache for both contenders

  const openssl = best(runs, () => timeCommand('openssl', ['dgst', '-sha256', resource]));
  // The write floor: a bundle must write every byte it reads, openssl writes none.
  const copy = join(scratch, 'copy.bin');
  const cp = best(runs, () => {
    rmSync(copy, { force: true });
    return timeCommand('cp', [resource, copy]);
  });
  rmSync(copy, { force: true });
  const out = join(scratch, 'out.wpack');
  const wpack = best(runs, () => {
    rmSync(out, { force: true });
    return timeNode(WPACK_BIN, ['bundle', project, '-o', out], scratch, { SOURCE_DATE_EPOCH: '0' });
  });

  const rate = (t: { seconds: number }): number => bytes / MiB / t.seconds;
  const ratio = rate(wpack) / rate(openssl);
  const rss = wpack.peakRss ?? 0;
  console.log(`bench/bundle in ${scratch}: ${String(sizeMiB)} MiB resource + ${String(statSync(join(project, 'app.wasm')).size)} B component, best of ${String(runs)}, node ${process.version}`);
  console.log(row('openssl dgst -sha256 (baseline)', `${rate(openssl).toFixed(0)} MiB/s`, `${openssl.seconds.toFixed(3)} s`));
  console.log(row('cp of the same file (write floor)', `${rate(cp).toFixed(0)} MiB/s`, `${cp.seconds.toFixed(3)} s`));
  console.log(row('wpack bundle (whole process)', `${rate(wpack).toFixed(0)} MiB/s`, `${wpack.seconds.toFixed(3)} s`));
  console.log(row('ratio wpack / openssl', `${ratio.toFixed(2)}x`, `target >= ${TARGET_RATIO.toFixed(1)}x ${ratio >= TARGET_RATIO ? 'MET' : 'MISSED'}`));
  console.log(row('ratio wpack / cp', `${(rate(wpack) / rate(cp)).toFixed(2)}x`));
  console.log(row('wpack peak RSS', `${(rss / MiB).toFixed(0)} MiB`, `target < ${String(TARGET_RSS / MiB)} MiB ${rss < TARGET_RSS ? 'MET' : 'MISSED'}`));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
