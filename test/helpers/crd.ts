// Checks an object against a CustomResourceDefinition's structural
// openAPIV3Schema as the API server would: types, enums, required fields, and
// every field declared (an undeclared one is pruned by the API server, which
// would silently drop part of the policy). Covers the subset of OpenAPI v3 that
// structural schemas use.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  additionalProperties?: Schema | boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

/** The openAPIV3Schema of one served version of a CRD file. */
export async function crdSchema(file: string, version: string): Promise<Schema> {
  const crd = parse(await readFile(file, 'utf8')) as { spec: { versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[] } };
  const found = crd.spec.versions.find((v) => v.name === version && v.served);
  if (found === undefined) throw new Error(`${file} serves no version ${version}`);
  return found.schema.openAPIV3Schema;
}

/** Problems of `value` against `schema`, each as `path: what`. Metadata (apiVersion, kind, metadata) is the API server's own. */
export function structuralProblems(value: unknown, schema: Schema, path = ''): string[] {
  const out: string[] = [];
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (type !== 'integer' && type !== 'string') out.push(`${path}: expected an integer or a string, got ${type}`);
    return out;
  }
  if (schema.type !== undefined && schema.type !== type && !(schema.type === 'number' && type === 'integer')) return [`${path || '/'}: expected ${schema.type}, got ${type}`];
  if (schema.enum !== undefined && !schema.enum.includes(value)) out.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (type === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) out.push(`${path}/${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (path === '' && ['apiVersion', 'kind', 'metadata'].includes(k)) continue;
      const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (sub !== undefined) out.push(...structuralProblems(v, sub, `${path}/${k}`));
      else if (schema['x-kubernetes-preserve-unknown-fields'] !== true && schema.additionalProperties !== true) out.push(`${path}/${k}: not in the schema (the API server would prune it)`);
    }
  }
  if (type === 'array' && schema.items !== undefined) (value as unknown[]).forEach((v, i) => out.push(...structuralProblems(v, schema.items as Schema, `${path}/${String(i)}`)));
  return out;
}
