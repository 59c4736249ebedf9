/**
 * `wpack inspect --wit`: a component's imports and exports as WIT-like
 * signatures, from the same type reader the gate compares with. This is what
 * a host must provide (imports) and what it may call (exports).
 */
import { formatFuncType, formatValType, type ComponentTypes, type ImportedType } from '@wpack/component';

export function renderWit(types: ComponentTypes): string[] {
  const lines: string[] = [];
  for (const i of types.imports) lines.push(...renderExtern('import', i.name, i.type));
  for (const e of types.exports) lines.push(...renderExtern('export', e.name, e.type));
  for (const w of types.warnings) lines.push(`// warning: ${w}`);
  return lines;
}

function renderExtern(direction: 'import' | 'export', name: string, t: ImportedType): string[] {
  switch (t.kind) {
    case 'instance': {
      const body: string[] = [];
      for (const [typeName, type] of Object.entries(t.types)) {
        if (type.kind === 'resource') body.push(`  resource ${typeName};`);
        else body.push(`  type ${typeName} = ${formatValType(type.kind === 'named' ? type.type : type)};`);
      }
      for (const [fn, f] of Object.entries(t.functions)) body.push(`  ${fn}: ${formatFuncType(f)};`);
      return [`${direction} ${name} {`, ...body, '}'];
    }
    case 'func':
      return [`${direction} ${name}: ${formatFuncType(t.type)};`];
    case 'type':
      return [`${direction} type ${name} = ${formatValType(t.type)};`];
    case 'opaque':
      return [`${direction} ${name}: ${t.extern} (not read)`];
    case 'unknown':
      return [`${direction} ${name}: (types not read: ${t.reason})`];
  }
}
