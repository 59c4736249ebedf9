// WIT-like text for types, for messages such as
// `component imports: func(key: string) -> option<list<u8>>`.
import type { FuncType, ResourceType, ValType } from './model.js';

export interface FormatOptions {
  /** Print resources by full origin key (`wasi:io/error@0.2#error`) instead of their name. */
  origins?: boolean;
}

/** The resource part of an origin key: `wasi:io/error@0.2#error` → `error`. */
function resourceName(origin: string, options: FormatOptions): string {
  return options.origins === true ? origin : origin.slice(origin.lastIndexOf('#') + 1);
}

export function formatValType(t: ValType | ResourceType, options: FormatOptions = {}): string {
  const f = (x: ValType): string => formatValType(x, options);
  switch (t.kind) {
    case 'resource':
      return `resource ${resourceName(t.origin, options)}`;
    case 'named':
      return t.name;
    case 'record':
      return `record { ${t.fields.map((x) => `${x.name}: ${f(x.type)}`).join(', ')} }`;
    case 'variant':
      return `variant { ${t.cases.map((c) => (c.type === undefined ? c.name : `${c.name}(${f(c.type)})`)).join(', ')} }`;
    case 'list':
      return t.length === undefined ? `list<${f(t.element)}>` : `list<${f(t.element)}, ${String(t.length)}>`;
    case 'map':
      return `map<${f(t.key)}, ${f(t.value)}>`;
    case 'tuple':
      return `tuple<${t.types.map(f).join(', ')}>`;
    case 'flags':
      return `flags { ${t.names.join(', ')} }`;
    case 'enum':
      return `enum { ${t.names.join(', ')} }`;
    case 'option':
      return `option<${f(t.type)}>`;
    case 'result':
      if (t.ok === undefined && t.err === undefined) return 'result';
      if (t.err === undefined) return `result<${f(t.ok as ValType)}>`;
      return `result<${t.ok === undefined ? '_' : f(t.ok)}, ${f(t.err)}>`;
    case 'own':
    case 'borrow':
      return `${t.kind}<${resourceName(t.resource, options)}>`;
    case 'stream':
    case 'future':
      return t.type === undefined ? t.kind : `${t.kind}<${f(t.type)}>`;
    default:
      return t.kind;
  }
}

/** `func(key: string) -> result<list<u8>, error>`; `async func(...)` for async functions. */
export function formatFuncType(func: FuncType, options: FormatOptions = {}): string {
  const params = func.params.map((p) => `${p.name}: ${formatValType(p.type, options)}`).join(', ');
  const result = func.result === undefined ? '' : ` -> ${formatValType(func.result, options)}`;
  return `${func.async === true ? 'async ' : ''}func(${params})${result}`;
}
