// Reads the sections of a component's top level, in order, to type its
// imports and exports. Imports are typed from their declared types. Exports
// usually carry no type: they are typed from what the component exports,
// which mostly comes from instances of nested components, evaluated by
// nested-evaluator.ts. Lenient: an encoding this reader does not know is a
// warning, and only what depends on it is unknown. Core sections, the start
// section and custom sections are skipped by size.
import { BinaryReader } from '../binary-reader.js';
import { walkSections } from '../section-walker.js';
import { rebindFunc, rebindInstance, rebindVal, bindInstance } from './bind.js';
import { namedEntry } from './deftype.js';
import type { ExternDesc } from './extern.js';
import type { ImportedType, InstanceType } from './model.js';
import { originKey } from './model.js';
import { instantiate } from './nested-evaluator.js';
import { UnsupportedEncoding } from './scope.js';
import type { InstanceEntry, ReadContext, Unknown } from './scope.js';
import {
  extraOf,
  ScopeReader,
  SECTION_ALIAS,
  SECTION_CANON,
  SECTION_COMPONENT,
  SECTION_EXPORT,
  SECTION_IMPORT,
  SECTION_INSTANCE,
  SECTION_TYPE,
  SORT_COMPONENT,
  SORT_CORE,
  SORT_VALUE,
  unknown,
} from './scope-reader.js';
import type { Arg } from './scope-reader.js';

/** Resource origins of resources a component defines start with this (see deftype.ts). */
const DEFINED = '(component)#';

export class TopLevelReader extends ScopeReader {
  /** Every import with its type, in order. */
  readonly imports: { name: string; type: ImportedType }[] = [];
  /** Every export with its type, in order. */
  readonly exports: { name: string; type: ImportedType }[] = [];
  /** Origin keys given to resources this component defines, by placeholder origin. */
  private readonly defined = new Map<string, string>();

  constructor(ctx: ReadContext, bytes: Uint8Array) {
    super(ctx, bytes, undefined, 0, Infinity);
  }

  /** Reads every section after the preamble (which readComponentInterface has checked). */
  read(): void {
    const bytes = this.bytes;
    for (const section of walkSections(bytes, 8, bytes.length)) {
      this.section(section.id, new BinaryReader(bytes, section.start, section.end));
    }
  }

  private section(id: number, r: BinaryReader): void {
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
    // nothing in them changes the component-level index spaces. Ids above 11
    // are malformed, and readComponentInterface has already failed on them.
  }

  /** After an unknown encoding the rest of the type section is unknown. */
  protected override typesNotRead(r: BinaryReader, err: UnsupportedEncoding, left: number): void {
    const reason = `type ${String(this.scope.types.length)}: ${err.message}`;
    this.ctx.warnings.push(`type section at byte ${String(r.offset)}: ${reason}`);
    for (let i = 0; i < left; i++) this.scope.types.push({ kind: 'unknown', reason });
  }

  protected instantiate(index: number, args: ReadonlyMap<string, Arg>): InstanceEntry {
    return instantiate(this.ctx, this.componentAt(index), index, args, 1);
  }

  protected addImport(name: string, desc: ExternDesc): void {
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

  protected addExport(name: string, sort: number, arg: Arg): void {
    this.exports.push({ name, type: this.exportedType(name, sort, arg) });
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
