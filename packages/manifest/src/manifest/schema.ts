import type { ErrorObject } from 'ajv/dist/2020.js';
import { quotePointer, quoteValue, type ValidationProblem } from '@wpack/core';

/** A compiled validator: ajv's calling convention, errors on the function. */
export interface SchemaValidator {
  (doc: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** Plain-words reasons for a failed `pattern`, keyed by the $defs entry it came from. */
const PATTERN_REASONS: Record<string, string> = {
  packageName: 'must be namespace:name in lowercase kebab-case, e.g. "acme:classifier"',
  semver: 'must be a semantic version, e.g. "1.2.0"',
  worldName: 'must be a WIT world name, e.g. "wasi:cli/command@0.2.3"',
  relativePath: 'must be a relative path without ".", ".." or empty segments, backslashes or control characters',
  mediaType: 'must be a media type, e.g. "application/octet-stream"',
  digest: 'must be "sha256:" followed by 64 lowercase hex digits',
};

/**
 * Loads the standalone validators the build compiled from schemas/
 * (scripts/compile-schemas.mjs writes `schema-validators.js` beside the
 * module that uses them). The build is the only reader of schemas/: a package
 * never reads a file outside itself. A missing or broken module is a broken
 * build, so it is an internal error (a plain Error, never a verdict about the
 * input) that says how to fix it.
 */
export async function loadSchemaValidators<N extends string>(url: URL, names: readonly N[]): Promise<Record<N, SchemaValidator>> {
  const broken = (why: string, cause?: unknown): Error =>
    new Error(`the precompiled schema validators ${url.pathname} ${why}: run \`npm run build\``, cause === undefined ? undefined : { cause });
  let module: Record<string, unknown>;
  try {
    module = (await import(url.href)) as Record<string, unknown>;
  } catch (err) {
    throw broken(`cannot be loaded (${err instanceof Error ? err.message : String(err)})`, err);
  }
  const out = {} as Record<N, SchemaValidator>;
  for (const name of names) {
    const validate = module[name];
    if (typeof validate !== 'function') throw broken(`export no function ${name}`);
    out[name] = validate as SchemaValidator;
  }
  return out;
}

/**
 * The validators, or why they could not be loaded. The error is kept and
 * thrown at the first validation, so commands that validate nothing still
 * run; it is never swallowed.
 */
const loaded = await loadSchemaValidators(new URL('./schema-validators.js', import.meta.url), ['validateSource', 'validateLocked'] as const).catch(
  (err: unknown) => err as Error,
);

function validators(): Record<'validateSource' | 'validateLocked', SchemaValidator> {
  if (loaded instanceof Error) throw loaded;
  return loaded;
}

export function validateSourceSchema(doc: unknown): ValidationProblem[] {
  return schemaProblems(validators().validateSource, doc, PATTERN_REASONS);
}

export function validateLockedSchema(doc: unknown): ValidationProblem[] {
  return schemaProblems(validators().validateLocked, doc, PATTERN_REASONS);
}

/**
 * Runs a compiled validator and turns ajv's errors into one problem per
 * JSON pointer. `reasons` gives plain words for a failed `pattern`, keyed by
 * the $defs entry the pattern came from.
 */
export function schemaProblems(validate: SchemaValidator, doc: unknown, reasons: Readonly<Record<string, string>>): ValidationProblem[] {
  if (validate(doc)) return [];
  // A pointer can hold a key of the document: it is shown cut, like a value.
  return dedupe((validate.errors ?? []).map((e) => toProblem(e, doc, reasons)).map((p) => ({ ...p, path: quotePointer(p.path) })));
}

function toProblem(e: ErrorObject, doc: unknown, reasons: Readonly<Record<string, string>>): ValidationProblem {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path: `${e.instancePath}/${String(params.missingProperty)}`, message: 'is required' };
    case 'additionalProperties':
      return { path: `${e.instancePath}/${String(params.additionalProperty)}`, message: 'is not a known property' };
    case 'pattern': {
      const def = /\$defs\/([^/]+)\/pattern$/.exec(e.schemaPath)?.[1];
      return withValue(e.instancePath, doc, (def && reasons[def]) ?? `must match ${String(params.pattern)}`);
    }
    case 'oneOf':
      // The alternatives' own errors say what each needed; this says to pick one.
      return { path: e.instancePath, message: 'must take exactly one of the alternative forms (see the errors above)' };
    case 'uniqueItems':
      return { path: `${e.instancePath}/${String(params.i)}`, message: `duplicates item ${String(params.j)}` };
    default:
      return withValue(e.instancePath, doc, e.message ?? 'is invalid');
  }
}

function withValue(path: string, doc: unknown, message: string): ValidationProblem {
  const value = valueAt(doc, path);
  const shown = typeof value === 'string' ? `${quoteValue(value)} — ` : typeof value === 'number' ? `${String(value)} — ` : '';
  return { path, message: shown + message };
}

/** Resolves a JSON pointer (RFC 6901) inside a parsed document. */
export function valueAt(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let node = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function dedupe(problems: ValidationProblem[]): ValidationProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
