// Binds the resources an instance type declares to the import that
// instantiates it: `(export "fields" (type (sub resource)))` inside the type
// imported as `wasi:http/types@0.2.12` becomes origin `wasi:http/types@0.2#fields`.
import type { FuncType, InstanceType, ResourceType, ValType } from './model.js';
import { originKey } from './model.js';
import { setOwn } from './deftype.js';
import { UnsupportedEncoding } from './scope.js';
import type { InstanceDef, ReadContext } from './scope.js';

export function bindInstance(ctx: ReadContext, def: InstanceDef, importName: string): InstanceType {
  const origins = new Map<string, string>();
  for (const [placeholder, resource] of def.declared) origins.set(placeholder, originKey(importName, resource));
  return rebindInstance(ctx, def, origins);
}

/** A copy of `inst` (functions and types only) with resource origins replaced by `origins`. */
export function rebindInstance(ctx: ReadContext, inst: InstanceType, origins: ReadonlyMap<string, string>): InstanceType {
  const binder = new Binder(ctx, origins);
  const out: InstanceType = { kind: 'instance', functions: {}, types: {} };
  for (const [name, func] of Object.entries(inst.functions)) setOwn(out.functions, name, binder.func(func));
  for (const [name, type] of Object.entries(inst.types)) {
    setOwn(out.types, name, type.kind === 'resource' ? binder.resource(type) : binder.val(type));
  }
  return out;
}

/** A copy of `func` with resource origins replaced by `origins`. */
export function rebindFunc(ctx: ReadContext, func: FuncType, origins: ReadonlyMap<string, string>): FuncType {
  return new Binder(ctx, origins).func(func);
}

/** A copy of `type` with resource origins replaced by `origins`. */
export function rebindVal(ctx: ReadContext, type: ValType, origins: ReadonlyMap<string, string>): ValType {
  return new Binder(ctx, origins).val(type);
}

/** Rewrites placeholder origins; shared sub-trees stay shared (memoised by identity). */
class Binder {
  private readonly memo = new Map<ValType, ValType>();

  constructor(
    private readonly ctx: ReadContext,
    private readonly origins: ReadonlyMap<string, string>,
  ) {}

  resource(type: ResourceType): ResourceType {
    return { kind: 'resource', origin: this.origin(type.origin) };
  }

  func(func: FuncType): FuncType {
    const out: FuncType = { params: func.params.map((p) => ({ name: p.name, type: this.val(p.type) })) };
    if (func.result !== undefined) out.result = this.val(func.result);
    if (func.async === true) out.async = true;
    return out;
  }

  val(type: ValType): ValType {
    const known = this.memo.get(type);
    if (known !== undefined) return known;
    if (--this.ctx.bindWork < 0) throw new UnsupportedEncoding('imported types too large to read');
    const out = this.rebuild(type);
    this.memo.set(type, out);
    return out;
  }

  private origin(origin: string): string {
    return this.origins.get(origin) ?? origin;
  }

  private opt(type: ValType | undefined): ValType | undefined {
    return type === undefined ? undefined : this.val(type);
  }

  private rebuild(t: ValType): ValType {
    switch (t.kind) {
      case 'own':
      case 'borrow':
        return { kind: t.kind, resource: this.origin(t.resource) };
      case 'named':
        return { kind: 'named', name: t.name, type: this.val(t.type) };
      case 'record':
        return { kind: 'record', fields: t.fields.map((f) => ({ name: f.name, type: this.val(f.type) })) };
      case 'variant':
        return {
          kind: 'variant',
          cases: t.cases.map((c) => (c.type === undefined ? { name: c.name } : { name: c.name, type: this.val(c.type) })),
        };
      case 'list':
        return t.length === undefined
          ? { kind: 'list', element: this.val(t.element) }
          : { kind: 'list', element: this.val(t.element), length: t.length };
      case 'map':
        return { kind: 'map', key: this.val(t.key), value: this.val(t.value) };
      case 'tuple':
        return { kind: 'tuple', types: t.types.map((x) => this.val(x)) };
      case 'option':
        return { kind: 'option', type: this.val(t.type) };
      case 'result': {
        const ok = this.opt(t.ok);
        const err = this.opt(t.err);
        return { kind: 'result', ...(ok && { ok }), ...(err && { err }) };
      }
      case 'stream':
      case 'future': {
        const type = this.opt(t.type);
        return type === undefined ? { kind: t.kind } : { kind: t.kind, type };
      }
      case 'flags':
      case 'enum':
        return { kind: t.kind, names: [...t.names] };
      default:
        return { kind: t.kind };
    }
  }
}
