// The type reader: the full structural type of every top-level import and
// export of a component. top-level-reader.ts reads the top level's sections;
// nested-evaluator.ts evaluates the nested components whose instances give
// most exports their types; scope-reader.ts holds the section decoding both
// share.
import { readComponentInterface } from '../interface-reader.js';
import type { ComponentTypes } from './model.js';
import { ReadContext, UnsupportedEncoding } from './scope.js';
import { TopLevelReader } from './top-level-reader.js';

/**
 * Reads what every top-level import and export of a component is,
 * structurally: instances with their functions and types, resources by
 * origin key. An encoding it does not know makes the affected imports or
 * exports `unknown` with a warning (the caller falls back to the name-only
 * check).
 *
 * @throws ComponentError NOT_A_COMPONENT / MALFORMED_COMPONENT, exactly like
 *   `readComponentInterface`, and MALFORMED_COMPONENT for corrupt types.
 */
export function readComponentTypes(bytes: Uint8Array): ComponentTypes {
  // Checks the preamble and section framing, and gives the imports and exports by name.
  const iface = readComponentInterface(bytes);
  const reader = new TopLevelReader(new ReadContext(), bytes);
  try {
    reader.read();
  } catch (err) {
    if (!(err instanceof UnsupportedEncoding)) throw err;
    reader.ctx.warnings.push(`stopped reading types: ${err.message}`);
  }
  // Imports the type reader did not reach are still known by name.
  const unread = iface.imports.slice(reader.imports.length);
  const imports = [
    ...reader.imports,
    ...unread.map((i) => ({ name: i.name, type: { kind: 'unknown', reason: 'not reached' } as const })),
  ];
  const unreadExports = iface.exports.slice(reader.exports.length);
  const exports = [
    ...reader.exports,
    ...unreadExports.map((e) => ({ name: e.name, type: { kind: 'unknown', reason: 'not reached' } as const })),
  ];
  return { interface: iface, imports, exports, warnings: reader.ctx.warnings };
}
