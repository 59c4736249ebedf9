import type { ComponentInterface } from '@wpack/component';
import { requirementFor } from './wasi-table.js';

/**
 * The narrowest sensible capability for each import (and export) of a
 * component, in the order they appear, each once; `notes` say what to
 * narrow (a placeholder path, host or variable name). Used by `wpack init`
 * and when a pulled component has no wpack.json of its own.
 */
export function suggestCapabilities(iface: ComponentInterface): { capabilities: string[]; notes: string[] } {
  const capabilities: string[] = [];
  const notes: string[] = [];
  const externs = [
    ...iface.imports.map((e) => ({ ...e, direction: 'import' as const })),
    ...iface.exports.map((e) => ({ ...e, direction: 'export' as const })),
  ];
  for (const e of externs) {
    const req = requirementFor(e.name, e.direction);
    if (req?.suggested === undefined || capabilities.includes(req.suggested)) continue;
    capabilities.push(req.suggested);
    if (req.narrow !== undefined) notes.push(`${req.suggested} (for ${req.interface}): ${req.narrow}`);
  }
  return { capabilities, notes };
}
