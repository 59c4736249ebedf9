// Preloaded into a measured process (`node --import`): on exit, appends the
// process's peak resident set size in bytes to $WPACK_BENCH_RSS_FILE.
import { appendFileSync } from 'node:fs';

const out = process.env.WPACK_BENCH_RSS_FILE;
if (out !== undefined && out !== '') {
  process.on('exit', () => {
    appendFileSync(out, `${String(process.resourceUsage().maxRSS * 1024)}\n`);
  });
}
