// Decodes Binary.md "Type Definitions": `deftype` (value, function, component,
// instance and resource types) into entries of a type index space.
import type { BinaryReader } from '../binary-reader.js';
import { readExternDesc, readExternName, readSort, SORT_INSTANCE, SORT_TYPE, vecCount } from './extern.js';
import type { ExternDesc } from './extern.js';
import type { FuncType, PrimitiveKind, ValType } from './model.js';
import { Scope, UnsupportedEncoding } from './scope.js';
import type { InstanceDef, ReadContext, TypeEntry } from './scope.js';

/** Binary.md `primvaltype`: one byte each, 0x7f..0x73 and 0x64 (error-context). */
const PRIMITIVES: ReadonlyMap<number, PrimitiveKind> = new Map([
  [0x7f, 'bool'],
  [0x7e, 's8'],
  [0x7d, 'u8'],
  [0x7c, 's16'],
  [0x7b, 'u16'],
  [0x7a, 's32'],
  [0x79, 'u32'],
  [0x78, 's64'],
  [0x77, 'u64'],
  [0x76, 'f32'],
  [0x75, 'f64'],
  [0x74, 'char'],
  [0x73, 'string'],
  [0x64, 'error-context'],
]);

/** Decoding of types inside one index space. */
export class TypeDecoder {
  constructor(
    readonly r: BinaryReader,
    readonly ctx: ReadContext,
  ) {}

  /** Binary.md `type` → `deftype`. */
  defType(scope: Scope): TypeEntry {
    const r = this.r;
    const op = r.byte();
    switch (op) {
      case 0x40: // functype
      case 0x43: // functype async
        return { kind: 'func', func: this.funcType(scope, op === 0x43) };
      case 0x41: // componenttype: decoded to step over it, kept opaque
        this.declarators(scope, true);
        return { kind: 'component' };
      case 0x42: // instancetype
        return { kind: 'instance', type: this.declarators(scope, false) };
      case 0x3f: {
        // resourcetype: 0x3f core:valtype (i32 / i64 rep) dtor?:<core:funcidx>?
        const rep = r.byte();
        if (rep !== 0x7f && rep !== 0x7e) throw new UnsupportedEncoding(`resource rep 0x${rep.toString(16)}`);
        if (this.optional()) r.u32();
        return { kind: 'resource', origin: `(component)#${this.ctx.placeholder()}` };
      }
      default:
        return { kind: 'val', val: this.defValType(scope, op) };
    }
  }

  /** Binary.md `valtype`: a type index (s33 ≥ 0) or a primitive opcode. */
  valType(scope: Scope): ValType {
    const v = this.r.s33();
    if (v >= 0) return this.valAt(scope, v);
    const kind = PRIMITIVES.get(v + 0x80);
    if (kind === undefined) throw new UnsupportedEncoding(`unknown value type ${String(v)}`);
    return { kind };
  }

  private valAt(scope: Scope, index: number): ValType {
    const entry = scope.type(index);
    if (entry.kind !== 'val') this.r.fail(`type ${String(index)} is a ${entry.kind}, not a value type`);
    return entry.val;
  }

  private resourceAt(scope: Scope, index: number): string {
    const entry = scope.type(index);
    if (entry.kind !== 'resource') this.r.fail(`type ${String(index)} is a ${entry.kind}, not a resource`);
    return entry.origin;
  }

  /** `T?` = 0x00 | 0x01 T. Returns whether T follows. */
  private optional(): boolean {
    const flag = this.r.byte();
    if (flag > 0x01) this.r.fail(`bad optional flag 0x${flag.toString(16)}`);
    return flag === 0x01;
  }

  private optVal(scope: Scope): ValType | undefined {
    return this.optional() ? this.valType(scope) : undefined;
  }

  /** Binary.md `defvaltype`, after its opcode byte. */
  private defValType(scope: Scope, op: number): ValType {
    const { r, ctx } = this;
    const prim = PRIMITIVES.get(op);
    if (prim !== undefined) return { kind: prim };
    switch (op) {
      case 0x72: {
        const fields = this.vec(() => ({ name: r.name(), type: this.valType(scope) }));
        return ctx.node({ kind: 'record', fields }, fields.map((f) => f.type));
      }
      case 0x71: {
        const cases = this.vec(() => {
          const name = r.name();
          const type = this.optVal(scope);
          // case ::= label t? 0x00; older encoders: 0x01 <u32> refines
          if (this.optional()) r.u32();
          return type === undefined ? { name } : { name, type };
        });
        return ctx.node({ kind: 'variant', cases }, cases.flatMap((c) => (c.type === undefined ? [] : [c.type])));
      }
      case 0x70: {
        const element = this.valType(scope);
        return ctx.node({ kind: 'list', element }, [element]);
      }
      case 0x67: {
        const element = this.valType(scope);
        return ctx.node({ kind: 'list', element, length: r.u32() }, [element]);
      }
      case 0x6f: {
        const types = this.vec(() => this.valType(scope));
        return ctx.node({ kind: 'tuple', types }, types);
      }
      case 0x6e:
        return { kind: 'flags', names: this.vec(() => r.name()) };
      case 0x6d:
        return { kind: 'enum', names: this.vec(() => r.name()) };
      case 0x6b: {
        const type = this.valType(scope);
        return ctx.node({ kind: 'option', type }, [type]);
      }
      case 0x6a: {
        const ok = this.optVal(scope);
        const err = this.optVal(scope);
        const result: ValType = { kind: 'result', ...(ok && { ok }), ...(err && { err }) };
        return ctx.node(result, [ok, err].filter((t) => t !== undefined));
      }
      case 0x69:
        return { kind: 'own', resource: this.resourceAt(scope, r.u32()) };
      case 0x68:
        return { kind: 'borrow', resource: this.resourceAt(scope, r.u32()) };
      case 0x66:
      case 0x65: {
        const type = this.optVal(scope);
        const kind = op === 0x66 ? 'stream' : 'future';
        return ctx.node(type === undefined ? { kind } : { kind, type }, type === undefined ? [] : [type]);
      }
      case 0x63: {
        const key = this.valType(scope);
        const value = this.valType(scope);
        return ctx.node({ kind: 'map', key, value }, [key, value]);
      }
      default:
        throw new UnsupportedEncoding(`unknown type opcode 0x${op.toString(16)}`);
    }
  }

  /**
   * Binary.md `functype` after 0x40 / 0x43: `paramlist` then `resultlist`
   * (0x00 valtype | 0x01 0x00). Older encoders wrote the result list as
   * 0x01 vec(labelvaltype); an empty one is read as "no result".
   */
  private funcType(scope: Scope, isAsync: boolean): FuncType {
    const r = this.r;
    const params = this.vec(() => ({ name: r.name(), type: this.valType(scope) }));
    const func: FuncType = { params };
    const tag = r.byte();
    if (tag === 0x00) func.result = this.valType(scope);
    else if (tag !== 0x01) r.fail(`bad result list 0x${tag.toString(16)}`);
    else if (r.u32() !== 0) throw new UnsupportedEncoding('named function results (legacy multi-value encoding)');
    if (isAsync) func.async = true;
    return func;
  }

  /**
   * Binary.md `instancetype` (0x42) / `componenttype` (0x41): declarators in a
   * fresh index space nested in `parent`. Returns what the type exports.
   */
  private declarators(parent: Scope, isComponent: boolean): InstanceDef {
    const { r } = this;
    const scope = new Scope(parent);
    const def: InstanceDef = { kind: 'instance', functions: {}, types: {}, declared: new Map() };
    const count = vecCount(r);
    for (let i = 0; i < count; i++) {
      const tag = r.byte();
      switch (tag) {
        case 0x00:
          throw new UnsupportedEncoding('core type declarator in an instance or component type');
        case 0x01:
          scope.types.push(this.defType(scope));
          break;
        case 0x02:
          this.aliasDeclarator(scope);
          break;
        case 0x03: // importdecl, component types only
          if (!isComponent) r.fail('import declarator in an instance type');
          this.declare(scope, readExternName(r), readExternDesc(r), undefined);
          break;
        case 0x04:
          this.declare(scope, readExternName(r), readExternDesc(r), def);
          break;
        default:
          throw new UnsupportedEncoding(`unknown declarator 0x${tag.toString(16)}`);
      }
    }
    return def;
  }

  /** Binary.md `alias` as a declarator: `outer` types, `export` of local instances. */
  private aliasDeclarator(scope: Scope): void {
    const r = this.r;
    const sort = readSort(r);
    const target = r.byte();
    if (target === 0x02) {
      const count = r.u32();
      const index = r.u32();
      if (sort === SORT_TYPE) scope.types.push(scope.outer(count).type(index));
      return;
    }
    if (target === 0x00) {
      r.u32();
      r.name();
      // Instances inside instance types are not modelled (see `declare`).
      if (sort === SORT_TYPE) scope.types.push({ kind: 'unknown', reason: 'type exported by a nested instance' });
      if (sort === SORT_INSTANCE) scope.instances.push({ kind: 'unknown', reason: 'nested instance' });
      return;
    }
    throw new UnsupportedEncoding(`unknown alias target 0x${target.toString(16)} in a type`);
  }

  /**
   * An import or export declarator: adds to the local index spaces and, for
   * exports (`into`), records the function or type under its name.
   */
  private declare(scope: Scope, name: string, desc: ExternDesc, into: InstanceDef | undefined): void {
    switch (desc.sort) {
      case 'func': {
        const entry = scope.type(desc.type);
        if (entry.kind !== 'func') this.r.fail(`function ${name} has a non-function type`);
        if (into) setOwn(into.functions, name, entry.func);
        return;
      }
      case 'type': {
        let entry: TypeEntry;
        if (desc.eq === undefined) {
          const origin = this.ctx.placeholder();
          into?.declared.set(origin, name);
          entry = { kind: 'resource', origin };
        } else {
          entry = namedEntry(this.ctx, scope.type(desc.eq), name);
        }
        scope.types.push(entry);
        if (into && (entry.kind === 'val' || entry.kind === 'resource')) {
          setOwn(into.types, name, entry.kind === 'val' ? entry.val : entry);
        }
        return;
      }
      case 'instance':
        // An instance inside an instance type: not modelled, only counted.
        scope.instances.push({ kind: 'unknown', reason: `nested instance ${name}` });
        return;
      default:
        return; // module, value, component: index spaces this reader does not track
    }
  }

  private vec<T>(each: () => T): T[] {
    const count = vecCount(this.r);
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(each());
    return out;
  }
}

/** Sets an own property, even for a hostile name such as `__proto__`. */
export function setOwn<T>(record: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
}

/** `(type (eq i))` exported as `name`: a value type keeps the name; a resource stays itself. */
export function namedEntry(ctx: ReadContext, entry: TypeEntry, name: string): TypeEntry {
  if (entry.kind !== 'val') return entry;
  const inner = entry.val.kind === 'named' ? entry.val.type : entry.val;
  return { kind: 'val', val: ctx.node({ kind: 'named', name, type: inner }, [inner]) };
}
