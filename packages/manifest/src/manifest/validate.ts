import { parseCapability } from '../capabilities/grammar.js';
import { quoteValue, readJson, type ValidationProblem } from '@wpack/core';
import { ManifestError, ManifestValidationError } from '../errors.js';
import { validateLockedSchema, validateSourceSchema } from './schema.js';
import {
  COMPONENT_FILE,
  RESOURCES_DIR,
  WASM_MEDIA_TYPE,
  type LockedManifest,
  type SourceManifest,
} from './types.js';

/**
 * Reads a manifest's JSON text through the strict reader: a syntax error or a
 * duplicate key (`"name":"acme:hello","name":"evil:x"`, which JSON.parse
 * would read as the last) is a located INVALID_MANIFEST problem.
 */
export function parseJson(text: string, source: string): unknown {
  const { value, problems } = readJson(text);
  if (problems.length > 0) throw new ManifestValidationError(source, problems);
  return value;
}

/** Validates a source manifest: the schema, then the capability grammar and resource rules. */
export function validateSourceManifest(doc: unknown, source: string): SourceManifest {
  const problems = validateSourceSchema(doc);
  if (problems.length === 0) problems.push(...semanticProblems(doc as SourceManifest));
  if (problems.length > 0) throw new ManifestValidationError(source, problems);
  return doc as SourceManifest;
}

/** Validates the locked manifest read from a bundle, including its file list's shape. */
export function validateLockedManifest(doc: unknown, source: string): LockedManifest {
  const problems = validateLockedSchema(doc);
  if (problems.length === 0) problems.push(...semanticProblems(doc as LockedManifest), ...fileListProblems(doc as LockedManifest));
  if (problems.length > 0) throw new ManifestValidationError(source, problems);
  return doc as LockedManifest;
}

function semanticProblems(m: Pick<SourceManifest, 'capabilities' | 'resources'>): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  (m.capabilities ?? []).forEach((text, i) => {
    try {
      parseCapability(text);
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      problems.push({ path: `/capabilities/${String(i)}`, message: `${quoteValue(text)} — ${err.message}` });
    }
  });
  const seen = new Map<string, number>();
  (m.resources ?? []).forEach((r, i) => {
    const first = seen.get(r.path);
    if (first !== undefined) {
      problems.push({ path: `/resources/${String(i)}/path`, message: `${quoteValue(r.path)} — listed twice (also /resources/${String(first)})` });
    }
    seen.set(r.path, i);
  });
  return problems;
}

/** The file list must be exactly component.wasm then every resource, sorted, each once. */
function fileListProblems(m: LockedManifest): ValidationProblem[] {
  const expected = [COMPONENT_FILE, ...m.resources.map((r) => RESOURCES_DIR + r.path).sort()];
  const actual = m.files.map((f) => f.path);
  if (expected.length !== actual.length || expected.some((p, i) => p !== actual[i])) {
    return [{ path: '/files', message: 'must list component.wasm then every resource as resources/<path>, sorted, each once' }];
  }
  if (m.files[0]?.mediaType !== WASM_MEDIA_TYPE) {
    return [{ path: '/files/0/mediaType', message: `must be ${WASM_MEDIA_TYPE}` }];
  }
  return [];
}
