// `npm run bench:run`: `wpack run` (gate included) beside its baselines, on
// the run-probe fixture (a real 1.6 MB componentize-qjs command):
//   warm  wpack run, cache hit          vs  node running the same transpiled
//                                           component directly on preview2-shim
//   cold  wpack run, empty cache        vs  jco run (when it runs here, offline)
//   busy  a guest computing for about a second (`spin`), directly on
//         preview2-shim with V8's default wasm tiering budget and with the
//         larger one wpack run sets: what that budget costs a long run.
// Warm runs and their baseline are interleaved, best of BENCH_RUNS (default 7).
// Peak RSS for the node processes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBundle } from '@wpack/manifest';
import { WASM_TIERING_BUDGET } from '@wpack/runtime';
import { generateKeyPair, loadPrivateKey, signBundle } from '@wpack/signatures';
import { makeBenchProject, REPO_ROOT, row, timeCommand, timeNode, WPACK_BIN, type Timing } from './measure.js';
import type * as RunFixtures from '../test/fixtures/run-build.js';

const CAPS = ['env:APP_*', 'exit', 'stdio:stdout', 'stdio:stderr', 'stdio:stdin', 'terminal', 'clock:wall', 'clock:monotonic', 'random:insecure', 'filesystem:read:/data', 'network:outbound:127.0.0.1:9', 'network:inbound:9999', 'network:dns'];
const scratch = join(REPO_ROOT, '.bench', 'run');
rmSync(scratch, { recursive: true, force: true });
mkdirSync(join(scratch, 'host'), { recursive: true });
writeFileSync(join(scratch, 'host', 'hello.txt'), 'hello');

const { buildRunProbe } = (await import(new URL('../../test/dist/fixtures/run-build.js', import.meta.url).href)) as typeof RunFixtures;
const probe = await buildRunProbe();
const project = makeBenchProject(join(scratch, 'project'), 'acme:probe', probe, 0);
writeFileSync(join(project, 'wpack.json'), JSON.stringify({ name: 'acme:probe', version: '1.0.0', component: 'app.wasm', capabilities: CAPS }));
const bundle = join(scratch, 'app.wpack');
await createBundle(project, bundle);
const pair = generateKeyPair();
writeFileSync(join(scratch, 'release.pub'), pair.publicPem);
await signBundle(bundle, { kind: 'key', privateKey: loadPrivateKey(pair.privatePem) });
writeFileSync(
  join(scratch, 'policy.json'),
  JSON.stringify({ version: 1, host: { worlds: ['wasi:cli/command@0.2.12'] }, signatures: { signers: [{ key: 'release.pub' }] }, capabilities: { allow: CAPS } }),
);

const op = ['--', 'read', '/data', 'hello.txt'];
const runArgs = ['run', bundle, '--policy', join(scratch, 'policy.json'), '--quiet', '--dir', `${join(scratch, 'host')}::/data`, ...op];
const cacheHome = join(scratch, 'cache');
const mib = (t: Timing) => (t.peakRss !== undefined ? `peak RSS ${(t.peakRss / 1024 / 1024).toFixed(0)} MiB` : '');

const cold = timeNode(WPACK_BIN, runArgs, scratch, { XDG_CACHE_HOME: cacheHome });

// The baseline: the cached transpiled files, run by node directly on the permissive shim.
const entry = join(cacheHome, 'wpack', 'transpiled', readdirSync(join(cacheHome, 'wpack', 'transpiled')).find((n) => !n.startsWith('.')) ?? '');
const shimCandidates = [join(REPO_ROOT, 'packages', 'runtime', 'node_modules', '@bytecodealliance', 'preview2-shim'), join(REPO_ROOT, 'node_modules', '@bytecodealliance', 'preview2-shim')];
const shim = join(shimCandidates.find((p) => existsSync(p)) ?? '', 'dist', 'nodejs', 'index.js');
const direct = join(scratch, 'direct.mjs');
writeFileSync(
  direct,
  `import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
setFlagsFromString('--experimental-wasm-extended-const');
const shim = await import(${JSON.stringify(shim)});
const { instantiate } = await import(${JSON.stringify(join(entry, 'component.js'))});
shim.filesystem._setPreopens({ '/data': ${JSON.stringify(join(scratch, 'host'))} });
// argv: the tiering budget ('default' leaves V8's), then the guest's arguments.
const [budget, ...guestArgs] = process.argv.slice(2);
if (budget !== 'default') setFlagsFromString('--wasm-tiering-budget=' + budget);
shim.cli._setArgs(['probe', ...guestArgs]);
const c = shim.cli, k = shim.clocks, r = shim.random, f = shim.filesystem, io = shim.io;
const imports = {
  'wasi:cli/environment': c.environment, 'wasi:cli/exit': c.exit, 'wasi:cli/stdin': c.stdin, 'wasi:cli/stdout': c.stdout, 'wasi:cli/stderr': c.stderr,
  'wasi:cli/terminal-input': c.terminalInput, 'wasi:cli/terminal-output': c.terminalOutput, 'wasi:cli/terminal-stdin': c.terminalStdin,
  'wasi:cli/terminal-stdout': c.terminalStdout, 'wasi:cli/terminal-stderr': c.terminalStderr,
  'wasi:clocks/wall-clock': k.wallClock, 'wasi:clocks/monotonic-clock': k.monotonicClock,
  'wasi:random/random': r.random, 'wasi:random/insecure': r.insecure, 'wasi:random/insecure-seed': r.insecureSeed,
  'wasi:filesystem/types': f.types, 'wasi:filesystem/preopens': f.preopens, 'wasi:io/error': io.error, 'wasi:io/poll': io.poll, 'wasi:io/streams': io.streams,
  'wasi:sockets/instance-network': shim.sockets.instanceNetwork, 'wasi:sockets/tcp-create-socket': shim.sockets.tcpCreateSocket,
  'wasi:sockets/network': shim.sockets.network, 'wasi:sockets/tcp': shim.sockets.tcp,
  'wasi:sockets/udp': shim.sockets.udp, 'wasi:sockets/udp-create-socket': shim.sockets.udpCreateSocket,
  'wasi:sockets/ip-name-lookup': shim.sockets.ipNameLookup,
};
const inst = await instantiate(async (n) => WebAssembly.compile(await readFile(${JSON.stringify(entry)} + '/' + n)), imports);
inst['wasi:cli/run@0.2.12'].run();
`,
);
const fastest = (ts: Timing[]): Timing => ts.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const runs = Number(process.env.BENCH_RUNS ?? 7);
const warm: Timing[] = [];
const directRuns: Timing[] = [];
for (let i = 0; i < runs; i++) {
  warm.push(timeNode(WPACK_BIN, runArgs, scratch, { XDG_CACHE_HOME: cacheHome }));
  directRuns.push(timeNode(direct, ['default', ...op.slice(1)], scratch));
}
const bestWarm = fastest(warm);
const bestDirect = fastest(directRuns);

const spin = ['spin', process.env.BENCH_SPIN ?? '3000000'];
const busy = { v8: [] as Timing[], wpack: [] as Timing[] };
for (let i = 0; i < 3; i++) {
  busy.v8.push(timeNode(direct, ['default', ...spin], scratch));
  busy.wpack.push(timeNode(direct, [String(WASM_TIERING_BUDGET), ...spin], scratch));
}
const [busyV8, busyWpack] = [fastest(busy.v8), fastest(busy.wpack)];

let jco: Timing | string;
const jcoBin = join(REPO_ROOT, 'node_modules', '.bin', 'jco');
const probeRun = spawnSync(jcoBin, ['run', '--help'], { stdio: 'ignore', timeout: 60_000 });
if (probeRun.status === 0) {
  try {
    // jco run starts its own node for the transpiled component; JCO_RUN_ARGS reaches that node (NODE_OPTIONS may not carry V8 flags).
    jco = timeCommand(jcoBin, ['run', probe, 'args'], { JCO_RUN_ARGS: '--experimental-wasm-extended-const' });
  } catch (err) {
    jco = `did not run here: ${(err as Error).message.split('\n')[0] ?? ''}`.slice(0, 120);
  }
} else jco = 'no `jco run` installed';

const ratio = (a: Timing, b: Timing): string => `${(a.seconds / b.seconds).toFixed(2)}×`;
console.log(row('wpack run, warm (cache hit, gate included)', `${bestWarm.seconds.toFixed(2)} s`, mib(bestWarm)));
console.log(row('  baseline: node + preview2-shim, same files', `${bestDirect.seconds.toFixed(2)} s`, mib(bestDirect)));
console.log(row('  ratio (target ≤ 1.5×)', ratio(bestWarm, bestDirect)));
console.log(row('wpack run, cold (transpile + cache write)', `${cold.seconds.toFixed(2)} s`, mib(cold)));
console.log(row('  baseline: jco run', typeof jco === 'string' ? 'n/a' : `${jco.seconds.toFixed(2)} s`, typeof jco === 'string' ? jco : ''));
if (typeof jco !== 'string') console.log(row('  ratio (target ≤ 1.0×)', ratio(cold, jco)));
console.log(row(`busy guest (${spin.join(' ')}), V8's tiering budget`, `${busyV8.seconds.toFixed(2)} s`));
console.log(row(`  with wpack run's budget (${String(WASM_TIERING_BUDGET)})`, `${busyWpack.seconds.toFixed(2)} s`, ratio(busyWpack, busyV8)));
