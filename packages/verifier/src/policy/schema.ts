import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Ajv2020Module from 'ajv/dist/2020.js';
import type addFormatsModule from 'ajv-formats';
import { schemaProblems, type SchemaValidator } from '@wpack/manifest';
import { type ValidationProblem } from '@wpack/core';

/** schemas/ at the repo root is the single source of the policy format (DESIGN §6). */
export const POLICY_SCHEMA_URL = new URL('../../../../../schemas/policy.schema.json', import.meta.url);
export const POLICY_SCHEMA_ID = 'https://wpack.dev/schemas/policy-v1.json';

const PATTERN_REASONS: Record<string, string> = {
  scope: 'must be a repository glob such as "ghcr.io/acme/*" (lower case; `*` within one path segment, `**` across)',
  hostWorld: 'must be a versioned WIT world such as "wasi:http/proxy@0.2.3"',
  interfaceName: 'must be a WIT interface such as "acme:kv/store@1.0.0"',
};

/** Compiled by the build (scripts/compile-schemas.mjs); compiled here only when the build skipped it. */
const precompiled = (await import(new URL('./schema-validators.js', import.meta.url).href).catch(() => undefined)) as
  | { validatePolicy: SchemaValidator }
  | undefined;

let fallback: SchemaValidator | undefined;

function compiled(): SchemaValidator {
  if (fallback === undefined) {
    const require = createRequire(import.meta.url);
    const { Ajv2020 } = require('ajv/dist/2020') as typeof Ajv2020Module;
    const addFormats = require('ajv-formats') as typeof addFormatsModule.default;
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
    addFormats(ajv);
    fallback = ajv.compile(JSON.parse(readFileSync(POLICY_SCHEMA_URL, 'utf8')) as object);
  }
  return fallback;
}

export function validatePolicySchema(doc: unknown): ValidationProblem[] {
  return schemaProblems(precompiled?.validatePolicy ?? compiled(), doc, PATTERN_REASONS);
}

/** Schema problems of a parsed policy document (no files are read). */
export function validatePolicyDocument(doc: unknown): ValidationProblem[] {
  return validatePolicySchema(doc);
}
