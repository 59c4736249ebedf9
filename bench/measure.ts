import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const WPACK_BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'run.js');
const RSS_REPORTER = fileURLToPath(new URL('./rss-reporter.js', import.meta.url));

export interface Timing {
  seconds: number;
  /** Peak RSS in bytes, for node processes run through `timeNode`. */
  peakRss?: number;
}

/** Runs a command to completion and returns its wall time; throws on failure. */
export function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Timing {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env }, timeout: 600_000 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${String(r.status)}): ${r.stderr.toString()}`);
  return { seconds };
}

/** Runs a node script with the RSS reporter preloaded. */
export function timeNode(script: string, args: string[], scratch: string, env: NodeJS.ProcessEnv = {}): Timing {
  const rssFile = join(scratch, `rss-${String(process.pid)}-${String(Date.now())}`);
  const t = timeCommand(process.execPath, ['--import', RSS_REPORTER, script, ...args], { ...env, WPACK_BENCH_RSS_FILE: rssFile });
  const peakRss = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  rmSync(rssFile, { force: true });
  return { ...t, peakRss };
}

/** The best (fastest) of `runs` timings: the least disturbed by the rest of the machine. */
export function best(runs: number, fn: () => Timing): Timing {
  let result: Timing | undefined;
  for (let i = 0; i < runs; i++) {
    const t = fn();
    if (result === undefined || t.seconds < result.seconds) result = { ...t, peakRss: Math.max(t.peakRss ?? 0, result?.peakRss ?? 0) };
  }
  if (result === undefined) throw new Error('no runs');
  return result;
}

export const MiB = 1024 * 1024;

export function row(label: string, value: string, note = ''): string {
  return `${label.padEnd(44)} ${value.padStart(14)}  ${note}`;
}

/** Incompressible data without paying for 1 GiB of CSPRNG output: a random MiB, varied per block. */
export function writeResource(path: string, mib: number): void {
  const block = randomBytes(MiB);
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < mib; i++) {
      block.writeUInt32LE(i, 0);
      writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A bench project: a real component (copied from `component`) and, when
 * `resourceMiB` > 0, one generated resource at data/blob.bin. Returns its directory.
 */
export function makeBenchProject(dir: string, name: string, component: string, resourceMiB: number): string {
  mkdirSync(join(dir, 'data'), { recursive: true });
  copyFileSync(component, join(dir, 'app.wasm'));
  const resources = resourceMiB > 0 ? [{ path: 'data/blob.bin' }] : [];
  if (resourceMiB > 0) writeResource(join(dir, 'data', 'blob.bin'), resourceMiB);
  writeFileSync(join(dir, 'wpack.json'), JSON.stringify({ name, version: '1.0.0', component: 'app.wasm', capabilities: [], resources }));
  return dir;
}
