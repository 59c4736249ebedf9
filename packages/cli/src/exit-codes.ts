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
  code?: unknown;
}

/** Errors of every wpack layer carry a category; the registry client's are not WpackErrors but share the shape. */
function categoryOf(err: unknown): keyof typeof EXIT | undefined {
  if (err instanceof WpackError) return (err as WpackError).category;
  const c = (err as { category?: unknown } | null)?.category;
  return c === 'input' || c === 'denied' || c === 'network' ? c : undefined;
}

export function exitCodeFor(err: unknown): number {
  const category = categoryOf(err);
  if (category !== undefined) return EXIT[category];
  const oclifExit = (err as OclifishError).oclif?.exit;
  if (typeof oclifExit === 'number') return oclifExit === 1 ? EXIT.input : oclifExit;
  return EXIT.internal;
}

export function errorCodeFor(err: unknown): string {
  if (err instanceof WpackError) return (err as WpackError).code;
  const code = (err as { code?: unknown } | null)?.code;
  if (categoryOf(err) !== undefined && typeof code === 'string') return code;
  if ((err as OclifishError).oclif !== undefined) return 'USAGE';
  return 'INTERNAL';
}
