import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const WPACK_BIN = fileURLToPath(new URL('../../../packages/cli/bin/run.js', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs the real `wpack` binary in a child process (no TTY), bounded by a timeout. */
export function runWpack(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runProcess(process.execPath, [WPACK_BIN, ...args], options);
}

/** A bash script with $WPACK naming the binary, for pipelines such as password-stdin. */
export function runShell(script: string, options: RunOptions = {}): Promise<RunResult> {
  return runProcess('bash', ['-c', script], { ...options, env: { WPACK: WPACK_BIN, ...options.env } });
}

/** Any command, bounded by a timeout, output captured. */
export function runProcess(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
