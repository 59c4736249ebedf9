/**
 * The one reader of untrusted JSON (manifests, locked manifests, policies,
 * signature bundles, registry responses). JSON.parse keeps the last of two
 * equal keys, so `{"mode":"enforce","mode":"warn"}` would quietly mean warn:
 * here a duplicate key is an error naming the key and its JSON pointer.
 * jsonc-parser's visitor does the scanning (it reports every property with
 * its path); the value itself comes from JSON.parse, or from jsonc-parser
 * where comments are allowed (policies).
 */
import { parse as parseJsonc, printParseErrorCode, visit, type JSONPath, type ParseError } from 'jsonc-parser';
import { problemsMessage, WpackError, type ValidationProblem } from './errors.js';
import { quoteValue } from './quote.js';

export interface StrictJsonOptions {
  /** Allow `//` and block comments and trailing commas (policy files). Default false. */
  comments?: boolean;
}

/** RFC 6901: a JSON pointer to a path, `~` and `/` escaped. */
export function jsonPointer(path: readonly (string | number)[]): string {
  return path.map((p) => '/' + String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** Reads JSON text; every syntax error and duplicate key is a problem, and `value` is undefined when there is one. */
export function readJson(text: string, options: StrictJsonOptions = {}): { value: unknown; problems: ValidationProblem[] } {
  const comments = options.comments === true;
  const problems: ValidationProblem[] = [];
  const keys: Set<string>[] = [];
  let syntax: ParseError | undefined;
  visit(
    text,
    {
      onObjectBegin: () => {
        keys.push(new Set());
      },
      onObjectEnd: () => {
        keys.pop();
      },
      onObjectProperty: (property: string, _offset: number, _length: number, _line: number, _column: number, path: () => JSONPath) => {
        const seen = keys[keys.length - 1];
        if (seen === undefined) return;
        if (seen.has(property)) problems.push({ path: jsonPointer([...path(), property]), message: `duplicate key ${quoteValue(property)}` });
        seen.add(property);
      },
      onError: (error, offset, length) => {
        syntax ??= { error, offset, length };
      },
    },
    { disallowComments: !comments, allowTrailingComma: comments, allowEmptyContent: false },
  );
  if (syntax !== undefined) {
    const before = text.slice(0, syntax.offset);
    const line = before.split('\n').length;
    const column = syntax.offset - before.lastIndexOf('\n');
    problems.unshift({ path: '', message: `not valid JSON: ${printParseErrorCode(syntax.error)} at line ${String(line)}, column ${String(column)}` });
  }
  if (problems.length > 0) return { value: undefined, problems };
  return { value: comments ? (parseJsonc(text, [], { allowTrailingComma: true }) as unknown) : (JSON.parse(text) as unknown), problems };
}

/** Reads JSON text or throws INVALID_JSON listing every problem; `source` names the document in the message. */
export function parseStrictJson(text: string, source: string, options: StrictJsonOptions = {}): unknown {
  const { value, problems } = readJson(text, options);
  if (problems.length > 0) throw new WpackError('INVALID_JSON', problemsMessage(`${source} is not valid JSON`, problems), { problems });
  return value;
}
