// bench/sign: signing must not read resources, verifying must read every
// byte once, streaming. In one run:
//   - `wpack sign --key` on a bundle with a 1 GiB resource beside the same on
//     a bundle with none (target ratio <= 1.3);
//   - `wpack verify --key` of the 1 GiB bundle beside `openssl dgst -sha256`
//     over the same file (target >= 0.7x openssl's throughput).
//   npm run bench:sign          BENCH_SIZE_MIB=256 npm run bench:sign
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Fixtures from '../test/fixtures/build.js';
import { MiB, WPACK_BIN, best, row, timeCommand, timeNode, makeBenchProject } from './measure.js';

const { buildFixtures } = (await import(new URL('../../test/dist/fixtures/build.js', import.meta.url).href)) as typeof Fixtures;
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? '1024');
const runs = Number(process.env.BENCH_RUNS ?? '3');

const scratch = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'wpack-bench-sign-'));
try {
  const fixtures = await buildFixtures();
  const project = (name: string, resourceMiB: number): string => makeBenchProject(join(scratch, name), 'bench:sign', fixtures['cli-command'], resourceMiB);
  const small = join(scratch, 'small.wpack');
  const big = join(scratch, 'big.wpack');
  timeCommand(process.execPath, [WPACK_BIN, 'bundle', project('small', 0), '-o', small]);
  timeCommand(process.execPath, [WPACK_BIN, 'bundle', project('big', sizeMiB), '-o', big]);
  rmSync(join(scratch, 'big', 'data', 'blob.bin'));

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = join(scratch, 'k.key');
  const pub = join(scratch, 'k.pub');
  writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));

  const signSmall = best(runs, () => timeNode(WPACK_BIN, ['sign', small, '--key', key], scratch));
  const signBig = best(runs, () => timeNode(WPACK_BIN, ['sign', big, '--key', key], scratch));
  timeCommand('cat', [big]); // warm the page cache for both contenders
  const openssl = best(runs, () => timeCommand('openssl', ['dgst', '-sha256', big]));
  const verify = best(runs, () => timeNode(WPACK_BIN, ['verify', big, '--key', pub], scratch));
  // The integrity pass alone, in this process: what verify costs without start-up.
  const { readBundle } = await import('@wpack/manifest');
  let inProcess = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await readBundle(big);
    inProcess = Math.min(inProcess, Number(process.hrtime.bigint() - start) / 1e9);
  }

  const bytes = statSync(big).size;
  const rate = (t: { seconds: number }): number => bytes / MiB / t.seconds;
  const signRatio = signBig.seconds / signSmall.seconds;
  const verifyRatio = rate(verify) / rate(openssl);
  console.log(`bench/sign in ${scratch}: bundles of ${String(sizeMiB)} MiB and ~0 MiB of resources, best of ${String(runs)}, node ${process.version}`);
  console.log(row('wpack sign --key, no resources', `${signSmall.seconds.toFixed(3)} s`));
  console.log(row(`wpack sign --key, ${String(sizeMiB)} MiB resource`, `${signBig.seconds.toFixed(3)} s`));
  console.log(row('ratio big / small', `${signRatio.toFixed(2)}x`, `target <= 1.3x ${signRatio <= 1.3 ? 'MET' : 'MISSED'}`));
  console.log(row('openssl dgst -sha256 of the bundle (baseline)', `${rate(openssl).toFixed(0)} MiB/s`, `${openssl.seconds.toFixed(3)} s`));
  console.log(row('wpack verify --key (whole process)', `${rate(verify).toFixed(0)} MiB/s`, `${verify.seconds.toFixed(3)} s`));
  console.log(row('ratio wpack / openssl', `${verifyRatio.toFixed(2)}x`, `target >= 0.7x ${verifyRatio >= 0.7 ? 'MET' : 'MISSED'}`));
  console.log(row('readBundle in-process (no start-up)', `${rate({ seconds: inProcess }).toFixed(0)} MiB/s`, `${inProcess.toFixed(3)} s, ${(rate({ seconds: inProcess }) / rate(openssl)).toFixed(2)}x openssl`));
  console.log(row('wpack verify peak RSS', `${((verify.peakRss ?? 0) / MiB).toFixed(0)} MiB`));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
