/**
 * Deterministic JSON: object keys sorted (by UTF-16 code unit, as
 * Array.prototype.sort does), two-space indent, trailing newline. The locked
 * manifest's bytes are the bundle's identity, so they must never depend on
 * the order in which a program happened to build an object. `compact` gives
 * the same order with no whitespace at all: the byte form of the registry
 * documents whose digests must be known offline (DESIGN §5).
 */
export function canonicalJson(value: unknown, options: { compact?: boolean } = {}): string {
  return options.compact === true ? JSON.stringify(sortKeys(value)) : JSON.stringify(sortKeys(value), null, 2) + '\n';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
