import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Ajv2020Module from 'ajv/dist/2020.js';
import type { Ajv2020 as Ajv2020Type, ErrorObject } from 'ajv/dist/2020.js';
import type addFormatsModule from 'ajv-formats';
import type { ValidationProblem } from '@wpack/core';

/** A compiled validator: ajv's calling convention, errors on the function. */
export interface SchemaValidator {
  (doc: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** schemas/ at the repo root is the single source of the formats (DESIGN §1). */
export const MANIFEST_SCHEMA_URL = new URL('../../../../../schemas/manifest.schema.json', import.meta.url);
export const MANIFEST_SCHEMA_ID = 'https://wpack.dev/schemas/manifest-v1.json';

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
 * The build compiles the schema into standalone validators
 * (scripts/compile-schemas.mjs), which saves compiling it at every start.
 * Without them (a build that skipped that step) ajv compiles it here.
 */
const precompiled = (await import(new URL('./schema-validators.js', import.meta.url).href).catch(() => undefined)) as
  | { validateSource: SchemaValidator; validateLocked: SchemaValidator }
  | undefined;

let ajv: Ajv2020Type | undefined;

function compiled(ref: string): SchemaValidator {
  if (ajv === undefined) {
    const require = createRequire(import.meta.url);
    const { Ajv2020 } = require('ajv/dist/2020') as typeof Ajv2020Module;
    const addFormats = require('ajv-formats') as typeof addFormatsModule.default;
    ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    ajv.addSchema(JSON.parse(readFileSync(MANIFEST_SCHEMA_URL, 'utf8')) as object);
  }
  const validate = ajv.getSchema(ref);
  if (validate === undefined) throw new Error(`schema ${ref} is missing`);
  return validate;
}

export function validateSourceSchema(doc: unknown): ValidationProblem[] {
  return schemaProblems(precompiled?.validateSource ?? compiled(MANIFEST_SCHEMA_ID), doc, PATTERN_REASONS);
}

export function validateLockedSchema(doc: unknown): ValidationProblem[] {
  return schemaProblems(precompiled?.validateLocked ?? compiled(`${MANIFEST_SCHEMA_ID}#/$defs/locked`), doc, PATTERN_REASONS);
}

/**
 * Runs a compiled validator and turns ajv's errors into one problem per
 * JSON pointer. `reasons` gives plain words for a failed `pattern`, keyed by
 * the $defs entry the pattern came from.
 */
export function schemaProblems(validate: SchemaValidator, doc: unknown, reasons: Readonly<Record<string, string>>): ValidationProblem[] {
  if (validate(doc)) return [];
  return dedupe((validate.errors ?? []).map((e) => toProblem(e, doc, reasons)));
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
  const shown = typeof value === 'string' || typeof value === 'number' ? `${JSON.stringify(value)} — ` : '';
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
