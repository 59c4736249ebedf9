// Reads one component's sections in order, keeping its type, function,
// instance and component index spaces (Binary.md: all only grow by
// appending; an import, an alias and an export each add an entry).
//
// The top level types its imports from their declared types. Its exports
// usually carry no type: wit-component wraps each exported interface in a
// small nested "shim" component instantiated `with` the functions and types
// it re-exports, and composed components (componentize-qjs) instantiate
// whole nested components. So a nested component (section 4) is kept as a
// byte range and read only when instantiated, as its own scope with its
// imports bound to the `with` arguments; what it exports becomes the new
// instance. Core sections and the start section are skipped by size.
import { WpackError } from '@wpack/core';
import { BinaryReader } from '../binary-reader.js';
import { bindInstance, rebindFunc, rebindInstance, rebindVal } from './bind.js';
import { readCanonSection } from './canon.js';
import { namedEntry, setOwn, TypeDecoder } from './deftype.js';
import { readExternDesc, readExternName, readSort, SORT_INSTANCE, SORT_TYPE, vecCount } from './extern.js';
import type { ExternDesc } from './extern.js';
import type { ImportedType, InstanceType } from './model.js';
import { originKey } from './model.js';
import { MAX_COMPONENT_DEPTH, Scope, UnsupportedEncoding } from './scope.js';
import type {
  ComponentEntry,
  EvaluatedInstance,
  FuncEntry,
  InstanceEntry,
  ReadContext,
  TypeEntry,
  Unknown,
} from './scope.js';

const SECTION_COMPONENT = 4;
const SECTION_INSTANCE = 5;
const SECTION_ALIAS = 6;
const SECTION_TYPE = 7;
const SECTION_CANON = 8;
const SECTION_IMPORT = 10;
const SECTION_EXPORT = 11;
/** Sections whose bytes a nested evaluation decodes (and pays for). */
const DECODED = new Set([SECTION_INSTANCE, SECTION_ALIAS, SECTION_TYPE, SECTION_CANON, SECTION_IMPORT, SECTION_EXPORT]);

const SORT_CORE = 0x00;
const SORT_FUNC = 0x01;
const SORT_VALUE = 0x02;
const SORT_COMPONENT = 0x04;

const PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/** A `with` argument of an instantiation, resolved against the instantiating scope. */
export type Arg =
  | { sort: 'func'; entry: FuncEntry }
  | { sort: 'type'; entry: TypeEntry }
  | { sort: 'instance'; entry: InstanceEntry }
  | { sort: 'component'; entry: ComponentEntry }
  | { sort: 'other' };

interface Nested {
  args: ReadonlyMap<string, Arg>;
  depth: number;
  /** Components the defining scope had before this one: `alias outer 1` must stay below. */
  before: number;
}

/** Resource origins of resources a component defines start with this (see deftype.ts). */
const DEFINED = '(component)#';

const unknown = (reason: string, reported = false): Unknown =>
  reported ? { kind: 'unknown', reason, reported } : { kind: 'unknown', reason };

function newInstance(): EvaluatedInstance {
  return {
    kind: 'instance',
    functions: {},
    types: {},
    extra: { instances: new Map(), components: new Map(), missing: new Map() },
  };
}

function extraOf(inst: InstanceType): EvaluatedInstance['extra'] | undefined {
  return 'extra' in inst ? (inst as EvaluatedInstance).extra : undefined;
}

export class ComponentReader {
  /** Top level: every import with its type, in order. */
  readonly imports: { name: string; type: ImportedType }[] = [];
  /** Top level: every export with its type, in order. */
  readonly exports: { name: string; type: ImportedType }[] = [];
  /** What this component exports, as the instance an instantiation of it makes. */
  readonly exported: EvaluatedInstance = newInstance();
  readonly scope: Scope;
  /** Set once the index spaces can no longer be trusted; later imports and exports are `unknown`. */
  private lost: string | undefined;
  /** Set once a canon section could not be read: function indices from `at` on are unknown. */
  private funcsLost: { at: number; reason: string } | undefined;
  /** Top level: origin keys given to resources this component defines, by placeholder origin. */
  private readonly defined = new Map<string, string>();

  constructor(
    readonly ctx: ReadContext,
    private readonly bytes: Uint8Array,
    private readonly start: number,
    private readonly end: number,
    parent?: Scope,
    private readonly nested?: Nested,
  ) {
    this.scope = new Scope(parent);
  }

  read(): void {
    const r = new BinaryReader(this.bytes, this.start, this.end);
    if (this.nested !== undefined) {
      for (const b of PREAMBLE) if (r.byte() !== b) r.fail('nested component without a component preamble');
    } else {
      r.skip(8); // checked by readComponentInterface
    }
    while (!r.atEnd) {
      const id = r.byte();
      const size = r.u32();
      const start = r.offset;
      r.skip(size);
      if (this.nested !== undefined) this.charge(1 + (DECODED.has(id) ? size : 0));
      const section = new BinaryReader(this.bytes, start, start + size);
      if (this.nested !== undefined) this.nestedSection(id, section);
      else this.topSection(id, section);
    }
  }

  private charge(work: number): void {
    this.ctx.evalWork -= work;
    if (this.ctx.evalWork < 0) throw new UnsupportedEncoding('nested components too large to evaluate');
  }

  /** A nested component: any unknown encoding makes the whole instantiation unknown. */
  private nestedSection(id: number, r: BinaryReader): void {
    switch (id) {
      case SECTION_COMPONENT:
        return this.componentSection(r);
      case SECTION_INSTANCE:
        return this.instanceSection(r);
      case SECTION_ALIAS:
        return this.aliasSection(r);
      case SECTION_TYPE:
        return this.typeSection(r);
      case SECTION_CANON:
        return this.canonSection(r);
      case SECTION_IMPORT:
        return this.importSection(r);
      case SECTION_EXPORT:
        return this.exportSection(r);
      default:
        // 0 custom, 1 core module, 2 core instance, 3 core type, 9 start
        if (id > SECTION_EXPORT) throw new UnsupportedEncoding(`unknown section id ${String(id)}`);
    }
  }

  /** The top level: an unknown encoding is a warning, and only what depends on it is unknown. */
  private topSection(id: number, r: BinaryReader): void {
    if (id === SECTION_TYPE) return this.typeSection(r);
    if (id === SECTION_IMPORT) return this.importSection(r);
    if (id === SECTION_COMPONENT) return this.componentSection(r);
    const run = (what: string, fn: () => void, onFail: (reason: string) => void): void => {
      try {
        fn();
      } catch (err) {
        if (!(err instanceof UnsupportedEncoding)) throw err;
        this.ctx.warnings.push(`${what} at byte ${String(r.offset)}: ${err.message}`);
        onFail(err.message);
      }
    };
    const lose = (reason: string): void => {
      this.lost ??= reason;
    };
    const loseFuncs = (reason: string): void => {
      this.funcsLost ??= { at: this.scope.funcs.length, reason };
    };
    if (id === SECTION_INSTANCE) run('instance section', () => this.instanceSection(r), lose);
    else if (id === SECTION_ALIAS) run('alias section', () => this.aliasSection(r), lose);
    else if (id === SECTION_EXPORT) run('export section', () => this.exportSection(r), lose);
    else if (id === SECTION_CANON) run('canon section', () => this.canonSection(r), loseFuncs);
    // 0 custom, 1 core module, 2 core instance, 3 core type, 9 start:
    // nothing in them changes the component-level index spaces.
  }

  /** Section 4: a nested component, kept as its byte range until instantiated. */
  private componentSection(r: BinaryReader): void {
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

  /** Section 7: `vec(type)`. After an unknown encoding the rest of the section is unknown. */
  private typeSection(r: BinaryReader): void {
    const count = vecCount(r);
    const decoder = new TypeDecoder(r, this.ctx);
    for (let i = 0; i < count; i++) {
      try {
        this.scope.types.push(decoder.defType(this.scope));
      } catch (err) {
        if (!(err instanceof UnsupportedEncoding) || this.nested !== undefined) throw err;
        const reason = `type ${String(this.scope.types.length)}: ${err.message}`;
        this.ctx.warnings.push(`type section at byte ${String(r.offset)}: ${reason}`);
        for (; i < count; i++) this.scope.types.push({ kind: 'unknown', reason });
        return;
      }
    }
    if (!r.atEnd) r.fail('trailing bytes in type section');
  }

  /** Section 8: each `canon lift` adds a component function of the given type. */
  private canonSection(r: BinaryReader): void {
    readCanonSection(r, (typeIndex) => {
      const entry = this.scope.types[typeIndex];
      this.scope.funcs.push(
        entry?.kind === 'func' ? entry : unknown(`canon lift with type ${String(typeIndex)}, not a readable function type`),
      );
    });
  }

  /** Section 10: `vec(import)`; each import adds to the index space of its sort. */
  private importSection(r: BinaryReader): void {
    const count = vecCount(r);
    for (let i = 0; i < count; i++) {
      const name = readExternName(r);
      const desc = readExternDesc(r);
      if (this.nested !== undefined) {
        this.bindImport(name, desc, this.nested.args.get(name));
        continue;
      }
      let type: ImportedType;
      try {
        type = this.importedType(name, desc);
      } catch (err) {
        if (!(err instanceof UnsupportedEncoding)) throw err;
        this.ctx.warnings.push(`import ${name}: ${err.message}`);
        type = { kind: 'unknown', reason: err.message };
        const entry = unknown(err.message, true);
        if (desc.sort === 'instance') this.scope.instances.push(entry);
        if (desc.sort === 'type') this.scope.types.push(entry);
        if (desc.sort === 'func') this.scope.funcs.push(entry);
        if (desc.sort === 'component') this.scope.components.push(entry);
      }
      this.imports.push({ name, type });
    }
  }

  /** A top-level import: typed from its declared type. */
  private importedType(name: string, desc: ExternDesc): ImportedType {
    if (this.lost !== undefined) throw new UnsupportedEncoding(`earlier section not readable (${this.lost})`);
    const scope = this.scope;
    switch (desc.sort) {
      case 'instance': {
        const entry = scope.type(desc.type);
        if (entry.kind !== 'instance') throw new UnsupportedEncoding(`type ${String(desc.type)} is not an instance type`);
        const bound = bindInstance(this.ctx, entry.type, name);
        scope.instances.push(bound);
        return bound;
      }
      case 'func': {
        const entry = scope.type(desc.type);
        if (entry.kind !== 'func') throw new UnsupportedEncoding(`type ${String(desc.type)} is not a function type`);
        scope.funcs.push(entry);
        return { kind: 'func', type: entry.func };
      }
      case 'type': {
        const entry =
          desc.eq === undefined
            ? { kind: 'resource' as const, origin: originKey('', name) }
            : namedEntry(this.ctx, scope.type(desc.eq), name);
        scope.types.push(entry);
        if (entry.kind === 'val') return { kind: 'type', type: entry.val };
        if (entry.kind === 'resource') return { kind: 'type', type: entry };
        throw new UnsupportedEncoding(`type import ${name} is a ${entry.kind}`);
      }
      case 'component':
        scope.components.push(unknown(`imported component ${name}`));
        return { kind: 'opaque', extern: desc.sort };
      default:
        return { kind: 'opaque', extern: desc.sort };
    }
  }

  /**
   * A nested import takes the value of its `with` argument: its identity
   * (resources) comes from there. A function or an `eq` type whose argument
   * is unknown falls back on its declared type.
   */
  private bindImport(name: string, desc: ExternDesc, arg: Arg | undefined): void {
    const scope = this.scope;
    const missing = (): Unknown => {
      if (arg === undefined) return unknown(`no argument for import ${name}`);
      if (arg.sort !== 'other' && arg.entry.kind === 'unknown') return arg.entry;
      return unknown(`argument ${name} of another sort`);
    };
    switch (desc.sort) {
      case 'instance':
        scope.instances.push(arg?.sort === 'instance' && arg.entry.kind !== 'unknown' ? arg.entry : missing());
        return;
      case 'func': {
        if (arg?.sort === 'func' && arg.entry.kind === 'func') return void scope.funcs.push(arg.entry);
        const entry = scope.type(desc.type);
        if (entry.kind !== 'func') throw new UnsupportedEncoding(`import ${name}: type ${String(desc.type)} is not a function type`);
        scope.funcs.push(entry);
        return;
      }
      case 'type':
        if (arg?.sort === 'type' && arg.entry.kind !== 'unknown') scope.types.push(arg.entry);
        else if (desc.eq !== undefined) scope.types.push(scope.type(desc.eq));
        else scope.types.push(missing());
        return;
      case 'component':
        scope.components.push(arg?.sort === 'component' && arg.entry.kind !== 'unknown' ? arg.entry : missing());
        return;
      default:
        return; // module, value: index spaces this reader does not track
    }
  }

  private funcAt(index: number): FuncEntry {
    const lost = this.funcsLost;
    if (lost !== undefined && index >= lost.at) return unknown(`function after an unreadable canon section (${lost.reason})`, true);
    return this.scope.funcs[index] ?? unknown(`function ${String(index)} is not defined`);
  }

  private instanceAt(index: number): InstanceEntry {
    if (this.lost !== undefined) return unknown(`earlier section not readable (${this.lost})`, true);
    return this.scope.instances[index] ?? unknown(`instance ${String(index)} is not defined`);
  }

  private componentAt(index: number): ComponentEntry {
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
  private instanceSection(r: BinaryReader): void {
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

  /** Evaluates nested component `index` with `args`: its exports are the new instance. */
  private instantiate(index: number, args: ReadonlyMap<string, Arg>): InstanceEntry {
    const component = this.componentAt(index);
    if (component.kind === 'unknown') return unknown(`instance of ${component.reason}`, component.reported);
    try {
      const depth = (this.nested?.depth ?? 0) + 1;
      if (depth > MAX_COMPONENT_DEPTH) throw new UnsupportedEncoding(`components nested deeper than ${String(MAX_COMPONENT_DEPTH)}`);
      if (--this.ctx.instantiations < 0) throw new UnsupportedEncoding('too many nested instantiations to evaluate');
      this.charge(PREAMBLE.length + args.size);
      const nested = { args, depth, before: component.before };
      const reader = new ComponentReader(this.ctx, component.bytes, component.start, component.end, component.scope, nested);
      reader.read();
      return reader.exported;
    } catch (err) {
      // A nested component is not checked by readComponentInterface: even a
      // malformed one only makes this instance unknown.
      if (!(err instanceof WpackError)) throw err;
      return unknown(`instance of component ${String(index)}: ${err.message}`);
    }
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
  private aliasSection(r: BinaryReader): void {
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
          const limit = outer === 1 && this.nested !== undefined ? this.nested.before : Infinity;
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
  private exportSection(r: BinaryReader): void {
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
      if (this.nested === undefined) this.exports.push({ name, type: this.exportedType(name, sort, arg) });
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

  /** A top-level export's public type; resources the component defines get their origin keys here. */
  private exportedType(name: string, sort: number, arg: Arg): ImportedType {
    if (sort === SORT_CORE) return { kind: 'opaque', extern: 'module' };
    if (sort === SORT_VALUE) return { kind: 'opaque', extern: 'value' };
    if (sort === SORT_COMPONENT) return { kind: 'opaque', extern: 'component' };
    if (arg.sort === 'other') return { kind: 'unknown', reason: 'unknown sort' };
    const entry = arg.entry;
    const fail = (u: Unknown): ImportedType => {
      if (u.reported !== true) this.ctx.warnings.push(`export ${name}: ${u.reason}`);
      return { kind: 'unknown', reason: u.reason };
    };
    if (this.lost !== undefined) return fail(unknown(`earlier section not readable (${this.lost})`, true));
    if (entry.kind === 'unknown') return fail(entry);
    try {
      if (arg.sort === 'func' && entry.kind === 'func') {
        return { kind: 'func', type: rebindFunc(this.ctx, entry.func, this.defined) };
      }
      if (arg.sort === 'instance' && entry.kind === 'instance') {
        const inst = entry as InstanceType;
        // A function or type it exports could not be read: typing the rest would
        // make it look narrower than it is. (Nested instances are not modelled.)
        const missing = extraOf(inst)?.missing.values().next().value;
        if (missing !== undefined) return fail(unknown(`its export ${missingName(inst, missing)}: ${missing.reason}`, missing.reported));
        for (const [typeName, type] of Object.entries(inst.types)) {
          if (type.kind === 'resource' && type.origin.startsWith(DEFINED) && !this.defined.has(type.origin)) {
            this.defined.set(type.origin, originKey(name, typeName));
          }
        }
        return rebindInstance(this.ctx, inst, this.defined);
      }
      if (arg.sort === 'type' && entry.kind === 'resource') {
        if (entry.origin.startsWith(DEFINED) && !this.defined.has(entry.origin)) this.defined.set(entry.origin, originKey('', name));
        return { kind: 'type', type: { kind: 'resource', origin: this.defined.get(entry.origin) ?? entry.origin } };
      }
      if (arg.sort === 'type' && entry.kind === 'val') {
        return { kind: 'type', type: rebindVal(this.ctx, entry.val, this.defined) };
      }
      return fail(unknown(`a ${entry.kind} export is not modelled`));
    } catch (err) {
      if (!(err instanceof UnsupportedEncoding)) throw err;
      return fail(unknown(err.message));
    }
  }
}

function missingName(inst: InstanceType, entry: Unknown): string {
  for (const [name, value] of extraOf(inst)?.missing ?? []) if (value === entry) return name;
  return '?';
}
