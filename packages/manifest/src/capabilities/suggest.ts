import type { ComponentInterface } from '@wpack/component';
import { compare } from '../bundle/lock.js';
import { parseCapability } from './grammar.js';
import { requirementFor } from './wasi-table.js';

/**
 * The narrowest sensible capability for each import (and export) of a
 * component, each once, canonical and sorted as a locked wpack.json stores
 * them (so `wpack init` writes what `wpack bundle` will lock); `notes` say
 * what to narrow (a placeholder path, host or variable name), in the same
 * order. Used by `wpack init`, `wpack inspect` on a component, and when a
 * pulled component has no wpack.json of its own.
 */
export function suggestCapabilities(iface: ComponentInterface): { capabilities: string[]; notes: string[] } {
  const found = new Map<string, string | undefined>();
  const externs = [
    ...iface.imports.map((e) => ({ ...e, direction: 'import' as const })),
    ...iface.exports.map((e) => ({ ...e, direction: 'export' as const })),
  ];
  for (const e of externs) {
    const req = requirementFor(e.name, e.direction);
    if (req?.suggested === undefined) continue;
    const text = parseCapability(req.suggested).text;
    if (found.has(text)) continue;
    found.set(text, req.narrow === undefined ? undefined : `${text} (for ${req.interface}): ${req.narrow}`);
  }
  const capabilities = [...found.keys()].sort(compare);
  const notes = capabilities.flatMap((c) => found.get(c) ?? []);
  return { capabilities, notes };
}
