import { WpackError } from '@wpack/core';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `8s`, `10m`, `1h` → milliseconds; anything else is a usage error naming the flag. */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  const ms = m === null ? NaN : Number(m[1]) * (UNITS[m[2] ?? ''] ?? NaN);
  if (!Number.isFinite(ms) || ms <= 0) throw new WpackError('USAGE', `--${flag} ${JSON.stringify(text)}: expected a duration such as 500ms, 8s, 10m or 1h`);
  return ms;
}
