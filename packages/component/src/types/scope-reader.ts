// What the top-level type reader and the nested-component evaluator share:
// the decoding of one component's sections into its index spaces (Binary.md:
// type, function, instance and component spaces only grow by appending; an
// import, an alias and an export each add an entry). Each subclass walks its
// own sections with walkSections and picks the decoder for each; they differ
// in how an unknown encoding is taken (the top level reads on, a nested
// evaluation gives up), in how imports get their values, and in what they do
// with exports.
import type { BinaryReader } from '../binary-reader.js';
import { readCanonSection } from './canon.js';
import { namedEntry, setOwn, TypeDecoder } from './deftype.js';
import { readExternDesc, readExternName, readSort, SORT_INSTANCE, SORT_TYPE, vecCount } from './extern.js';
import type { ExternDesc } from './extern.js';
import type { InstanceType } from './model.js';
import { Scope, UnsupportedEncoding } from './scope.js';
import type {
  ComponentEntry,
  EvaluatedInstance,
  FuncEntry,
  InstanceEntry,
  ReadContext,
  TypeEntry,
  Unknown,
} from './scope.js';

export const SECTION_COMPONENT = 4;
export const SECTION_INSTANCE = 5;
export const SECTION_ALIAS = 6;
export const SECTION_TYPE = 7;
export const SECTION_CANON = 8;
export const SECTION_IMPORT = 10;
export const SECTION_EXPORT = 11;

export const SORT_CORE = 0x00;
export const SORT_FUNC = 0x01;
export const SORT_VALUE = 0x02;
export const SORT_COMPONENT = 0x04;

/** A `with` argument of an instantiation, resolved against the instantiating scope. */
export type Arg =
  | { sort: 'func'; entry: FuncEntry }
  | { sort: 'type'; entry: TypeEntry }
  | { sort: 'instance'; entry: InstanceEntry }
  | { sort: 'component'; entry: ComponentEntry }
  | { sort: 'other' };

export const unknown = (reason: string, reported = false): Unknown =>
  reported ? { kind: 'unknown', reason, reported } : { kind: 'unknown', reason };

export function newInstance(): EvaluatedInstance {
  return {
    kind: 'instance',
    functions: {},
    types: {},
    extra: { instances: new Map(), components: new Map(), missing: new Map() },
  };
}

export function extraOf(inst: InstanceType): EvaluatedInstance['extra'] | undefined {
  return 'extra' in inst ? (inst as EvaluatedInstance).extra : undefined;
}

/** Reads one component's sections into its scope (`scope`) and what it exports (`exported`). */
export abstract class ScopeReader {
  /** What this component exports, as the instance an instantiation of it makes. */
  readonly exported: EvaluatedInstance = newInstance();
  readonly scope: Scope;
  /**
   * Set once the index spaces can no longer be trusted; what depends on them
   * is `unknown` from then on. Only the top level reads on past an unreadable
   * section and sets it: a nested evaluation stops at the first one.
   */
  protected lost: string | undefined;
  /** Set once a canon section could not be read: function indices from `at` on are unknown (top level only, as `lost`). */
  protected funcsLost: { at: number; reason: string } | undefined;

  constructor(
    readonly ctx: ReadContext,
    protected readonly bytes: Uint8Array,
    parent: Scope | undefined,
    /** Nesting of this component: 0 at the top level. */
    protected readonly depth: number,
    /**
     * Components the defining scope had before this one: `alias outer 1` of a
     * component must stay below (Infinity at the top level, whose `alias
     * outer 1` fails on the missing outer scope).
     */
    private readonly outerLimit: number,
  ) {
    this.scope = new Scope(parent);
  }

  /** An import of `desc` named `name`: adds to the index space of its sort. */
  protected abstract addImport(name: string, desc: ExternDesc): void;

  /** An export, after it was added to its index space and to `exported`. */
  protected abstract addExport(name: string, sort: number, arg: Arg): void;

  /** Evaluates nested component `index` with `args`: its exports are the new instance. */
  protected abstract instantiate(index: number, args: ReadonlyMap<string, Arg>): InstanceEntry;

  /**
   * A type section stopped at an encoding this reader does not know, with
   * `left` types not read. Rethrows unless a subclass reads on.
   */
  protected typesNotRead(_r: BinaryReader, err: UnsupportedEncoding, _left: number): void {
    throw err;
  }

  /** Section 4: a nested component, kept as its byte range until instantiated. */
  protected componentSection(r: BinaryReader): void {
    const scope = this.scope;
    scope.components.push({
      kind: 'component',
      bytes: this.bytes,
      start: r.offset,
      end: r.end,
      scope,
      before: scope.components.length,
    });
  }

  /** Section 7: `vec(type)`. */
  protected typeSection(r: BinaryReader): void {
    const count = vecCount(r);
    const decoder = new TypeDecoder(r, this.ctx);
    for (let i = 0; i < count; i++) {
      try {
        this.scope.types.push(decoder.defType(this.scope));
      } catch (err) {
        if (!(err instanceof UnsupportedEncoding)) throw err;
        this.typesNotRead(r, err, count - i);
        return;
      }
    }
    if (!r.atEnd) r.fail('trailing bytes in type section');
  }

  /** Section 8: each `canon lift` adds a component function of the given type. */
  protected canonSection(r: BinaryReader): void {
    readCanonSection(r, (typeIndex) => {
      const entry = this.scope.types[typeIndex];
      this.scope.funcs.push(
        entry?.kind === 'func' ? entry : unknown(`canon lift with type ${String(typeIndex)}, not a readable function type`),
      );
    });
  }

  /** Section 10: `vec(import)`; each import adds to the index space of its sort. */
  protected importSection(r: BinaryReader): void {
    const count = vecCount(r);
    for (let i = 0; i < count; i++) {
      const name = readExternName(r);
      this.addImport(name, readExternDesc(r));
    }
  }

  protected funcAt(index: number): FuncEntry {
    const lost = this.funcsLost;
    if (lost !== undefined && index >= lost.at) return unknown(`function after an unreadable canon section (${lost.reason})`, true);
    return this.scope.funcs[index] ?? unknown(`function ${String(index)} is not defined`);
  }

  protected instanceAt(index: number): InstanceEntry {
    if (this.lost !== undefined) return unknown(`earlier section not readable (${this.lost})`, true);
    return this.scope.instances[index] ?? unknown(`instance ${String(index)} is not defined`);
  }

  protected componentAt(index: number): ComponentEntry {
    if (this.lost !== undefined) return unknown(`earlier section not readable (${this.lost})`, true);
    return this.scope.components[index] ?? unknown(`component ${String(index)} is not defined`);
  }

  /** Binary.md `sortidx` → the value it names in this scope. */
  private arg(r: BinaryReader, sort: number, index: number): Arg {
    switch (sort) {
      case SORT_FUNC:
        return { sort: 'func', entry: this.funcAt(index) };
      case SORT_TYPE: {
        const entry = this.scope.types[index];
        if (entry === undefined) r.fail(`type ${String(index)} is not defined`);
        return { sort: 'type', entry };
      }
      case SORT_COMPONENT:
        return { sort: 'component', entry: this.componentAt(index) };
      case SORT_INSTANCE:
        return { sort: 'instance', entry: this.instanceAt(index) };
      default:
        return { sort: 'other' }; // core sorts, values
    }
  }

  /** Section 5: `vec(instance)`: instantiations and instances of inline exports. */
  protected instanceSection(r: BinaryReader): void {
    const count = vecCount(r);
    for (let i = 0; i < count; i++) {
      const tag = r.byte();
      if (tag === 0x00) {
        const component = r.u32();
        const args = new Map<string, Arg>();
        const argCount = vecCount(r);
        for (let a = 0; a < argCount; a++) {
          const name = r.name();
          const sort = readSort(r);
          args.set(name, this.arg(r, sort, r.u32()));
        }
        this.scope.instances.push(this.instantiate(component, args));
      } else if (tag === 0x01) {
        const inst = newInstance();
        const exports = vecCount(r);
        for (let e = 0; e < exports; e++) {
          const name = readExternName(r);
          const sort = readSort(r);
          const arg = this.arg(r, sort, r.u32());
          const named = arg.sort === 'type' && arg.entry.kind === 'val' ? namedEntry(this.ctx, arg.entry, name) : undefined;
          this.record(inst, name, named === undefined ? arg : { sort: 'type', entry: named });
        }
        this.scope.instances.push(inst);
      } else {
        throw new UnsupportedEncoding(`unknown instance expression 0x${tag.toString(16)}`);
      }
    }
    if (!r.atEnd) r.fail('trailing bytes in instance section');
  }

  /** Adds an export `name` of value `arg` to `inst`. */
  private record(inst: EvaluatedInstance, name: string, arg: Arg): void {
    const { extra } = inst;
    if (arg.sort === 'other') return;
    if (arg.entry.kind === 'unknown') {
      extra.missing.set(name, arg.entry);
      return;
    }
    if (arg.sort === 'func' && arg.entry.kind === 'func') setOwn(inst.functions, name, arg.entry.func);
    else if (arg.sort === 'type' && arg.entry.kind === 'val') setOwn(inst.types, name, arg.entry.val);
    else if (arg.sort === 'type' && arg.entry.kind === 'resource') setOwn(inst.types, name, arg.entry);
    else if (arg.sort === 'instance') extra.instances.set(name, arg.entry);
    else if (arg.sort === 'component') extra.components.set(name, arg.entry);
    else extra.missing.set(name, unknown(`${name} is a ${arg.entry.kind} type`));
  }

  /** Section 6: `vec(alias)`. */
  protected aliasSection(r: BinaryReader): void {
    const count = vecCount(r);
    const scope = this.scope;
    for (let i = 0; i < count; i++) {
      const sort = readSort(r);
      const target = r.byte();
      if (target === 0x00 || target === 0x01) {
        const index = r.u32();
        const name = r.name();
        if (target === 0x01 || sort === SORT_CORE || sort === SORT_VALUE) continue; // core and value index spaces
        this.aliasExport(r, sort, index, name);
      } else if (target === 0x02) {
        const outer = r.u32();
        const index = r.u32();
        if (sort === SORT_TYPE) {
          const entry = scope.outer(outer).types[index];
          if (entry === undefined) r.fail(`alias outer of type ${String(index)}, which is not defined`);
          scope.types.push(entry);
        } else if (sort === SORT_COMPONENT) {
          const limit = outer === 1 ? this.outerLimit : Infinity;
          const entry = index < limit ? scope.outer(outer).components[index] : undefined;
          scope.components.push(entry ?? unknown(`alias outer of component ${String(index)}, which is not defined`));
        }
      } else {
        throw new UnsupportedEncoding(`unknown alias target 0x${target.toString(16)}`);
      }
    }
    if (!r.atEnd) r.fail('trailing bytes in alias section');
  }

  /** `alias export` of a component instance: adds its export `name` to the space of `sort`. */
  private aliasExport(r: BinaryReader, sort: number, index: number, name: string): void {
    const scope = this.scope;
    const inst =
      sort === SORT_TYPE && this.lost === undefined
        ? (scope.instances[index] ?? r.fail(`alias of instance ${String(index)}, which is not defined`))
        : this.instanceAt(index);
    const of = (what: string): Unknown => {
      if (inst.kind === 'unknown') return unknown(`${name} of ${inst.reason}`, inst.reported);
      return extraOf(inst)?.missing.get(name) ?? unknown(`instance ${String(index)} exports no ${what} ${name}`);
    };
    const extra = inst.kind === 'unknown' ? undefined : extraOf(inst);
    if (sort === SORT_TYPE) {
      if (inst.kind === 'unknown') return void scope.types.push(of('type'));
      const type = Object.hasOwn(inst.types, name) ? inst.types[name] : undefined;
      if (type !== undefined) scope.types.push(type.kind === 'resource' ? type : { kind: 'val', val: type });
      else if (extra?.missing.has(name) === true) scope.types.push(of('type'));
      else r.fail(`instance ${String(index)} exports no type ${name}`);
    } else if (sort === SORT_FUNC) {
      const func = inst.kind !== 'unknown' && Object.hasOwn(inst.functions, name) ? inst.functions[name] : undefined;
      scope.funcs.push(func === undefined ? of('function') : { kind: 'func', func });
    } else if (sort === SORT_INSTANCE) {
      const found = extra?.instances.get(name);
      scope.instances.push(found ?? (inst.kind !== 'unknown' && extra === undefined ? unknown(`nested instance ${name}`) : of('instance')));
    } else if (sort === SORT_COMPONENT) {
      scope.components.push(extra?.components.get(name) ?? of('component'));
    }
  }

  /** Section 11: `vec(export)`; each adds to its sort's index space, and to what this component exports. */
  protected exportSection(r: BinaryReader): void {
    const count = vecCount(r);
    for (let i = 0; i < count; i++) {
      const name = readExternName(r);
      const sort = readSort(r);
      const index = r.u32();
      const ascribed = r.byte();
      let desc: ExternDesc | undefined;
      if (ascribed === 0x01) desc = readExternDesc(r);
      else if (ascribed !== 0x00) r.fail(`bad export type ascription 0x${ascribed.toString(16)}`);
      let arg = this.exportValue(r, sort, index, desc);
      // An exported value type is known by the export's name from here on.
      if (arg.sort === 'type' && arg.entry.kind === 'val') arg = { sort: 'type', entry: namedEntry(this.ctx, arg.entry, name) };
      if (arg.sort === 'func') this.scope.funcs.push(arg.entry);
      else if (arg.sort === 'type') this.scope.types.push(arg.entry);
      else if (arg.sort === 'instance') this.scope.instances.push(arg.entry);
      else if (arg.sort === 'component') this.scope.components.push(arg.entry);
      this.record(this.exported, name, arg);
      this.addExport(name, sort, arg);
    }
    if (!r.atEnd) r.fail('trailing bytes in export section');
  }

  /**
   * The value an export gives: a function's type ascription when there is one
   * (it names the exported types), a value type named by the export.
   */
  private exportValue(r: BinaryReader, sort: number, index: number, desc: ExternDesc | undefined): Arg {
    const scope = this.scope;
    switch (sort) {
      case SORT_FUNC: {
        if (desc?.sort === 'func') {
          const entry = scope.types[desc.type];
          if (entry?.kind === 'func') return { sort: 'func', entry };
        }
        return { sort: 'func', entry: this.funcAt(index) };
      }
      case SORT_TYPE: {
        const entry = scope.types[index];
        if (entry === undefined) {
          if (this.lost === undefined) r.fail(`export of type ${String(index)}, which is not defined`);
          return { sort: 'type', entry: unknown(`earlier section not readable (${this.lost})`, true) };
        }
        return { sort: 'type', entry };
      }
      default:
        return this.arg(r, sort, index);
    }
  }
}
