/** Longest value quoted whole in an error message; longer ones are cut. */
export const QUOTE_LIMIT = 120;

/**
 * A value as an error message quotes it: JSON-quoted, and cut to a readable
 * length with the full length said, so a 50 MB string in a policy gives a
 * one-line error, not 50 MB of output.
 */
export function quoteValue(value: string, limit = QUOTE_LIMIT): string {
  if (value.length <= limit) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, limit))}… (${String(value.length)} characters)`;
}
