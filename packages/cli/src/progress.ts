import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';
import type { SingleBar } from 'cli-progress';

/** Inputs smaller than this finish before a bar would be worth drawing. */
const MIN_BYTES_FOR_BAR = 64 * 1024 * 1024;

export interface ByteProgress {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A byte progress bar on stderr, drawn only when stderr is a terminal and the
 * work is large; otherwise nothing, so piped and CI output stays clean.
 * cli-progress is loaded on the first update that needs a bar.
 */
export function byteProgress(label: string): ByteProgress {
  let bar: SingleBar | undefined;
  let decided = false;
  const mib = (n: number): number => Math.round(n / 1048576);
  return {
    update(done, total) {
      if (!decided) {
        decided = true;
        if (process.stderr.isTTY && total >= MIN_BYTES_FOR_BAR) bar = startBar(label, mib(total));
      }
      bar?.update(mib(done));
    },
    stop() {
      bar?.stop();
    },
  };
}

function startBar(label: string, totalMiB: number): SingleBar {
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} MiB`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(totalMiB, 0);
  return bar;
}
