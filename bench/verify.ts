// bench/verify: start-up cost of the pre-deploy gate, whole process, beside
// `node -e 0` measured in the same run:
//   - `wpack --version` (target <= 3x node -e 0, moonshot 2x);
//   - `wpack verify <bundle> --policy <policy>` on a key-signed bundle of a
//     real ~1.6 MB JavaScript component (componentize-qjs), offline
//     (target <= 3x node -e 0, moonshot 2x);
//   - `wpack verify <bundle> --key` (the quick check), for reference;
//   - in-process, the type-level world step alone (read + compare; < 5 ms).
// BENCH_COMPONENT=<file.wasm> measures another component instead, e.g. a
// ~12 MB componentize-js one (built outside the project: see README).
//   npm run bench:verify          BENCH_RUNS=20 npm run bench:verify
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Fixtures from '../test/fixtures/build.js';
import { WPACK_BIN, best, row, timeCommand, timeNode, type Timing } from './measure.js';

const { buildFixtures } = (await import(new URL('../../test/dist/fixtures/build.js', import.meta.url).href)) as typeof Fixtures;
const { suggestCapabilities } = await import('@wpack/manifest');
const { readComponentInterface } = await import('@wpack/component');
const runs = Number(process.env.BENCH_RUNS ?? '10');

const scratch = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'wpack-bench-verify-'));
try {
  const fixtures = await buildFixtures();
  const project = join(scratch, 'app');
  const component = join(project, 'app.wasm');
  timeCommand('mkdir', ['-p', project]);
  copyFileSync(process.env.BENCH_COMPONENT ?? fixtures['js-qjs'], component);
  const { capabilities } = suggestCapabilities(readComponentInterface(readFileSync(component)));
  writeFileSync(join(project, 'wpack.json'), JSON.stringify({ name: 'bench:verify', version: '1.0.0', component: 'app.wasm', capabilities }));
  const bundle = join(scratch, 'app.wpack');
  timeCommand(process.execPath, [WPACK_BIN, 'bundle', project, '-o', bundle]);

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(scratch, 'k.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(scratch, 'k.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  timeCommand(process.execPath, [WPACK_BIN, 'sign', bundle, '--key', join(scratch, 'k.key')]);
  const policy = join(scratch, 'policy.json');
  writeFileSync(
    policy,
    JSON.stringify({
      version: 1,
      // The component exports a plain `hello` function: a host that gives the
      // CLI and HTTP imports (componentize-js components import wasi:http) and calls it.
      host: { worlds: ['wasi:cli/imports@0.2.12', 'wasi:http/imports@0.2.12'] },
      signatures: { signers: [{ key: 'k.pub' }] },
      capabilities: { allow: capabilities },
      limits: { maxComponentBytes: 52428800 },
    }),
  );

  const contenders = {
    node: ['-e', '0'],
    version: [WPACK_BIN, '--version'],
    gate: [WPACK_BIN, 'verify', bundle, '--policy', policy],
    quick: [WPACK_BIN, 'verify', bundle, '--key', join(scratch, 'k.pub')],
  } as const;
  type Name = keyof typeof contenders;
  const names = Object.keys(contenders) as Name[];
  // Wall time of the bare process (no preload, which would add the same
  // constant to every contender and flatter the ratios), interleaved so a
  // disturbance of the machine hits every contender alike.
  const times = Object.fromEntries(names.map((n) => [n, [] as Timing[]])) as Record<Name, Timing[]>;
  for (let i = 0; i < runs; i++) for (const n of names) times[n].push(timeCommand(process.execPath, [...contenders[n]]));
  const fastest = (n: Name): Timing => best(runs, (() => { let i = 0; return () => times[n][i++] as Timing; })());
  // Peak RSS from one more run each, with the RSS reporter preloaded.
  const rss = Object.fromEntries(names.map((n) => [n, timeNode(contenders[n][0], contenders[n].slice(1), scratch).peakRss ?? 0])) as Record<Name, number>;
  const node = fastest('node');
  const version = fastest('version');
  const gate = fastest('gate');
  const quick = fastest('quick');
  const ratio = (t: Timing): number => t.seconds / node.seconds;
  const mib = (n: Name): string => `${(rss[n] / 1024 / 1024).toFixed(0)} MiB RSS`;

  console.log(`bench/verify in ${scratch}: component ${String(statSync(component).size)} bytes (${process.env.BENCH_COMPONENT ?? 'componentize-qjs'}), bundle ${String(statSync(bundle).size)} bytes, best of ${String(runs)}, node ${process.version}`);
  console.log(row('node -e 0 (baseline)', `${node.seconds.toFixed(3)} s`, mib('node')));
  console.log(row('wpack --version', `${version.seconds.toFixed(3)} s`, `${ratio(version).toFixed(2)}x node; target <= 3x ${ratio(version) <= 3 ? 'MET' : 'MISSED'}; ${mib('version')}`));
  console.log(row('wpack verify --policy (the gate)', `${gate.seconds.toFixed(3)} s`, `${ratio(gate).toFixed(2)}x node; target <= 3x ${ratio(gate) <= 3 ? 'MET' : 'MISSED'}; ${mib('gate')}`));
  console.log(row('wpack verify --key (quick check)', `${quick.seconds.toFixed(3)} s`, `${ratio(quick).toFixed(2)}x node; ${mib('quick')}`));

  // The type-level world step alone, in this process: read the component's
  // types and compare them with the host's (warm: best of 50 after 5 rounds).
  const { checkWorld, loadPolicy } = await import('@wpack/verifier');
  const { readComponentInterface: readNames, readComponentTypes } = await import('@wpack/component');
  const bytes = readFileSync(component);
  const host = (await loadPolicy(policy)).host;
  let readMs = Infinity;
  let compareMs = Infinity;
  for (let i = 0; i < 55; i++) {
    const t0 = performance.now();
    const types = readComponentTypes(bytes);
    const t1 = performance.now();
    await checkWorld(readNames(bytes), host, types);
    const t2 = performance.now();
    if (i >= 5) {
      readMs = Math.min(readMs, t1 - t0);
      compareMs = Math.min(compareMs, t2 - t1);
    }
  }
  const typeStep = readMs + compareMs;
  console.log(row('type reader + world compare (in-process)', `${typeStep.toFixed(2)} ms`, `read ${readMs.toFixed(2)} ms + compare ${compareMs.toFixed(2)} ms; target < 5 ms ${typeStep < 5 ? 'MET' : 'MISSED'}`));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
