/**
 * The one reader of untrusted JSON (manifests, locked manifests, policies,
 * signature bundles). JSON.parse keeps the last of two equal keys, so
 * `{"mode":"enforce","mode":"warn"}` would quietly mean warn: here a
 * duplicate key is an error naming the key and its JSON pointer.
 *
 * jsonc-parser's visitor scans the text once: it reports every syntax error
 * with its line and column, and every property with the path of its object.
 * The value itself always comes from JSON.parse. Where comments are allowed
 * (policies), the comments and trailing commas the visitor found are blanked
 * out first, so a commented document means exactly what the same document
 * without comments means to JSON.parse (jsonc-parser's own `parse` assigns
 * properties, so `"__proto__"` would set the object's prototype instead).
 */
import { printParseErrorCode, visit } from 'jsonc-parser';
import { problemsMessage, WpackError, type ValidationProblem } from './errors.js';
import { quotePointer, quoteValue } from './quote.js';

export interface StrictJsonOptions {
  /** Allow `//` and block comments and trailing commas (policy files). Default false. */
  comments?: boolean;
}

/** At most this many duplicate keys are listed; one more line says how many were left out. */
export const MAX_DUPLICATE_PROBLEMS = 20;

/** RFC 6901: a JSON pointer to a path, `~` and `/` escaped. */
export function jsonPointer(path: readonly (string | number)[]): string {
  return path.map((p) => '/' + String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/**
 * Reads JSON text. Every duplicate key is a problem located by JSON pointer,
 * and the first syntax error is a problem at the root naming its line and
 * column; `value` is undefined when there is any problem.
 */
export function readJson(text: string, options: StrictJsonOptions = {}): { value: unknown; problems: ValidationProblem[] } {
  const comments = options.comments === true;
  const duplicates: ValidationProblem[] = [];
  let duplicateCount = 0;
  let syntax: ValidationProblem | undefined;
  // The keys seen so far in each open object, innermost last.
  const keys: Set<string>[] = [];
  // Comments and trailing commas, as [offset, length]: blanked before JSON.parse.
  const blanks: [number, number][] = [];
  // The offset of a comma not yet followed by a value: trailing if the container closes next.
  let comma: number | undefined;
  const valueBegins = (): void => {
    comma = undefined;
  };
  const containerEnds = (): void => {
    if (comma !== undefined) blanks.push([comma, 1]);
    comma = undefined;
  };
  visit(
    text,
    {
      onObjectBegin: () => {
        valueBegins();
        keys.push(new Set());
      },
      onObjectEnd: () => {
        containerEnds();
        keys.pop();
      },
      onArrayBegin: valueBegins,
      onArrayEnd: containerEnds,
      onLiteralValue: valueBegins,
      onObjectProperty: (property, _offset, _length, _line, _column, path) => {
        valueBegins();
        const seen = keys[keys.length - 1];
        if (seen === undefined) return;
        if (seen.has(property)) {
          duplicateCount += 1;
          if (duplicates.length < MAX_DUPLICATE_PROBLEMS) duplicates.push({ path: quotePointer(jsonPointer([...path(), property])), message: `duplicate key ${quoteValue(property)}` });
        }
        seen.add(property);
      },
      onSeparator: (character, offset) => {
        if (character === ',') comma = offset;
      },
      onComment: (offset, length) => {
        blanks.push([offset, length]);
      },
      onError: (error, _offset, _length, line, column) => {
        syntax ??= { path: '', message: `not valid JSON: ${printParseErrorCode(error)} at line ${String(line + 1)}, column ${String(column + 1)}` };
      },
    },
    { disallowComments: !comments, allowTrailingComma: comments, allowEmptyContent: false },
  );
  const problems = syntax === undefined ? duplicates : [syntax, ...duplicates];
  if (duplicateCount > duplicates.length) {
    problems.push({ path: '', message: `${String(duplicateCount - duplicates.length)} more duplicate keys` });
  }
  if (problems.length > 0) return { value: undefined, problems };
  try {
    return { value: JSON.parse(blanks.length === 0 ? text : blanked(text, blanks)) as unknown, problems };
  } catch (err) {
    // The visitor accepted what JSON.parse refuses: still a syntax error, never a crash.
    return { value: undefined, problems: [{ path: '', message: `not valid JSON: ${(err as Error).message}` }] };
  }
}

/** The text with each range replaced by spaces, so offsets (and line numbers) stay put. */
function blanked(text: string, ranges: [number, number][]): string {
  const parts: string[] = [];
  let at = 0;
  for (const [offset, length] of ranges.sort((a, b) => a[0] - b[0])) {
    parts.push(text.slice(at, offset), ' '.repeat(length));
    at = offset + length;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** Reads JSON text or throws INVALID_JSON listing every problem; `source` names the document in the message. */
export function parseStrictJson(text: string, source: string, options: StrictJsonOptions = {}): unknown {
  const { value, problems } = readJson(text, options);
  if (problems.length > 0) throw new WpackError('INVALID_JSON', problemsMessage(`${source} is not valid JSON`, problems), { problems });
  return value;
}
