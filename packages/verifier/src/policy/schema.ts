import { loadSchemaValidators, schemaProblems } from '@wpack/manifest';
import { type ValidationProblem } from '@wpack/core';

export const POLICY_SCHEMA_ID = 'https://wpack.dev/schemas/policy-v1.json';

const PATTERN_REASONS: Record<string, string> = {
  scope: 'must be a repository glob such as "ghcr.io/acme/*" (lower case; `*` within one path segment, `**` across)',
  hostWorld: 'must be a versioned WIT world such as "wasi:http/proxy@0.2.3"',
  interfaceName: 'must be a WIT interface such as "acme:kv/store@1.0.0"',
};

/**
 * Compiled from schemas/policy.schema.json by the build
 * (scripts/compile-schemas.mjs). Why it could not be loaded is kept and
 * thrown at the first validation: an internal error, never swallowed.
 */
const loaded = await loadSchemaValidators(new URL('./schema-validators.js', import.meta.url), ['validatePolicy'] as const).catch((err: unknown) => err as Error);

export function validatePolicySchema(doc: unknown): ValidationProblem[] {
  if (loaded instanceof Error) throw loaded;
  return schemaProblems(loaded.validatePolicy, doc, PATTERN_REASONS);
}

/** Schema problems of a parsed policy document (no files are read). */
export function validatePolicyDocument(doc: unknown): ValidationProblem[] {
  return validatePolicySchema(doc);
}
