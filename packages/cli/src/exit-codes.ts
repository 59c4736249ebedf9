import { WpackError } from '@wpack/core';

/** Exit codes, the same for every command and for human and --json output (DESIGN §7). */
export const EXIT = {
  ok: 0,
  denied: 1,
  input: 2,
  network: 3,
  /** A bug in wpack: never a verdict about the input. */
  internal: 70,
} as const;

interface OclifishError {
  oclif?: { exit?: number };
}

/** Every wpack error, of every layer, is a WpackError with a category. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof WpackError) return EXIT[(err as WpackError).category];
  const oclifExit = (err as OclifishError).oclif?.exit;
  if (typeof oclifExit === 'number') return oclifExit === 1 ? EXIT.input : oclifExit;
  return EXIT.internal;
}

/** The code `--json` prints: the error's own, USAGE for oclif's flag errors, INTERNAL for a bug. */
export function errorCodeFor(err: unknown): string {
  if (err instanceof WpackError) return (err as WpackError).code;
  if ((err as OclifishError).oclif !== undefined) return 'USAGE';
  return 'INTERNAL';
}
