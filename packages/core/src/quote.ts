/** Longest value quoted whole in an error message; longer ones are cut. */
export const QUOTE_LIMIT = 120;

/**
 * A value as an error message quotes it: JSON-quoted (so control characters
 * and line breaks are escaped and the message stays one line), and cut to a
 * readable length with the full length said, so a 50 MB string in a policy
 * gives a one-line error, not 50 MB of output. Only the kept part is ever
 * copied.
 */
export function quoteValue(value: string, limit = QUOTE_LIMIT): string {
  if (value.length <= limit) return JSON.stringify(value);
  // Never cut a surrogate pair in half.
  const code = value.charCodeAt(limit - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
  return `${JSON.stringify(value.slice(0, end))}… (${String(value.length)} characters)`;
}

/**
 * A JSON pointer as an error message shows it: a segment longer than the
 * limit (a key taken from the document) is cut like a quoted value, keeping
 * the segments around it, so the problem still says where it is.
 */
export function quotePointer(pointer: string, limit = QUOTE_LIMIT): string {
  if (pointer.length <= limit) return pointer;
  return pointer
    .split('/')
    .map((segment) => (segment.length <= limit ? segment : `${segment.slice(0, limit)}… (${String(segment.length)} characters)`))
    .join('/');
}
