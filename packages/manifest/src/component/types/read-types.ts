// Reads the full structural type of every top-level import of a component.
// Walks the top-level sections in order, keeping the type and instance index
// spaces (Binary.md: both only grow by appending), and skips by size what
// does not affect them: core sections, nested components (4), start (9).
import { BinaryReader } from '../binary-reader.js';
import { readComponentInterface } from '../reader.js';
import { bindInstance } from './bind.js';
import { skipCanonSection } from './canon.js';
import { namedEntry, TypeDecoder } from './deftype.js';
import { readExternDesc, readExternName, readSort, SORT_INSTANCE, SORT_TYPE, vecCount } from './extern.js';
import type { ExternDesc } from './extern.js';
import type { ComponentTypes, ImportedType } from './model.js';
import { originKey } from './model.js';
import { ReadContext, Scope, UnsupportedEncoding } from './scope.js';

const SECTION_INSTANCE = 5;
const SECTION_ALIAS = 6;
const SECTION_TYPE = 7;
const SECTION_CANON = 8;
const SECTION_IMPORT = 10;
const SECTION_EXPORT = 11;

/**
 * Reads what every top-level import of a component is, structurally:
 * instances with their functions and types, resources by origin key.
 * An encoding it does not know makes the affected imports `unknown` with a
 * warning (the caller falls back to the name-only check).
 *
 * @throws ManifestError NOT_A_COMPONENT / MALFORMED_COMPONENT, exactly like
 *   `readComponentInterface`, and MALFORMED_COMPONENT for corrupt types.
 */
export function readComponentTypes(bytes: Uint8Array): ComponentTypes {
  // Checks the preamble and section framing, and gives the exports by name.
  const iface = readComponentInterface(bytes);
  const reader = new TopLevelReader(bytes);
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
  return {
    imports,
    exports: iface.exports.map((e) => ({ name: e.name, kind: e.kind })),
    warnings: reader.ctx.warnings,
  };
}

class TopLevelReader {
  readonly ctx = new ReadContext();
  readonly imports: ComponentTypes['imports'] = [];
  private readonly scope = new Scope();
  /** Set once the index spaces can no longer be trusted; later imports are `unknown`. */
  private lost: string | undefined;

  constructor(private readonly bytes: Uint8Array) {}

  read(): void {
    const r = new BinaryReader(this.bytes, 8);
    while (!r.atEnd) {
      const id = r.byte();
      const size = r.u32();
      const start = r.offset;
      r.skip(size);
      const section = new BinaryReader(this.bytes, start, start + size);
      this.section(id, section);
    }
  }

  private section(id: number, r: BinaryReader): void {
    if (id === SECTION_TYPE) return this.typeSection(r);
    if (id === SECTION_IMPORT) return this.importSection(r);
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
    if (id === SECTION_INSTANCE) run('instance section', () => this.instanceSection(r), lose);
    else if (id === SECTION_ALIAS) run('alias section', () => this.aliasSection(r), lose);
    else if (id === SECTION_EXPORT) run('export section', () => this.exportSection(r), lose);
    else if (id === SECTION_CANON) run('canon section', () => skipCanonSection(r), () => undefined);
    // 0 custom, 1 core module, 2 core instance, 3 core type, 4 component, 9 start:
    // nothing in them changes the component-level type or instance index spaces.
  }

  /** Section 7: `vec(type)`. After an unknown encoding the rest of the section is unknown. */
  private typeSection(r: BinaryReader): void {
    const count = vecCount(r);
    const decoder = new TypeDecoder(r, this.ctx);
    for (let i = 0; i < count; i++) {
      try {
        this.scope.types.push(decoder.defType(this.scope));
      } catch (err) {
        if (!(err instanceof UnsupportedEncoding)) throw err;
        const reason = `type ${String(this.scope.types.length)}: ${err.message}`;
        this.ctx.warnings.push(`type section at byte ${String(r.offset)}: ${reason}`);
        for (; i < count; i++) this.scope.types.push({ kind: 'unknown', reason });
        return;
      }
    }
    if (!r.atEnd) r.fail('trailing bytes in type section');
  }

  /** Section 10: `vec(import)`; each import adds to the index space of its sort. */
  private importSection(r: BinaryReader): void {
    const count = vecCount(r);
    for (let i = 0; i < count; i++) {
      const name = readExternName(r);
      const desc = readExternDesc(r);
      let type: ImportedType;
      try {
        type = this.importedType(name, desc);
      } catch (err) {
        if (!(err instanceof UnsupportedEncoding)) throw err;
        this.ctx.warnings.push(`import ${name}: ${err.message}`);
        type = { kind: 'unknown', reason: err.message };
        if (desc.sort === 'instance') this.scope.instances.push({ kind: 'unknown', reason: err.message });
        if (desc.sort === 'type') this.scope.types.push({ kind: 'unknown', reason: err.message });
      }
      this.imports.push({ name, type });
    }
  }

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
      default:
        return { kind: 'opaque', extern: desc.sort };
    }
  }

  /** Section 5: `vec(instance)`. Instances made here (instantiate / inline exports) are not modelled. */
  private instanceSection(r: BinaryReader): void {
    const count = vecCount(r);
    for (let i = 0; i < count; i++) {
      const tag = r.byte();
      if (tag === 0x00) {
        r.u32(); // componentidx
        const args = vecCount(r);
        for (let a = 0; a < args; a++) {
          r.name();
          readSort(r);
          r.u32();
        }
      } else if (tag === 0x01) {
        const exports = vecCount(r);
        for (let e = 0; e < exports; e++) {
          readExternName(r);
          readSort(r);
          r.u32();
        }
      } else {
        throw new UnsupportedEncoding(`unknown instance expression 0x${tag.toString(16)}`);
      }
      this.scope.instances.push({ kind: 'unknown', reason: 'an instance created inside the component' });
    }
    if (!r.atEnd) r.fail('trailing bytes in instance section');
  }

  /** Section 6: `vec(alias)`; `alias export` of an imported instance carries types (and resource identity). */
  private aliasSection(r: BinaryReader): void {
    const count = vecCount(r);
    const scope = this.scope;
    for (let i = 0; i < count; i++) {
      const sort = readSort(r);
      const target = r.byte();
      if (target === 0x00 || target === 0x01) {
        const instance = r.u32();
        const name = r.name();
        if (target === 0x01) continue; // core export: core index spaces
        const inst = scope.instances[instance];
        if (inst === undefined) r.fail(`alias of instance ${String(instance)}, which is not defined`);
        if (sort === SORT_TYPE) {
          if (inst.kind === 'unknown') scope.types.push({ kind: 'unknown', reason: `${name} of ${inst.reason}` });
          else {
            const type = Object.hasOwn(inst.types, name) ? inst.types[name] : undefined;
            if (type === undefined) r.fail(`instance ${String(instance)} exports no type ${name}`);
            scope.types.push(type.kind === 'resource' ? type : { kind: 'val', val: type });
          }
        } else if (sort === SORT_INSTANCE) {
          scope.instances.push({ kind: 'unknown', reason: `nested instance ${name}` });
        }
      } else if (target === 0x02) {
        const outer = r.u32();
        const index = r.u32();
        if (sort === SORT_TYPE) {
          const entry = scope.outer(outer).types[index];
          if (entry === undefined) r.fail(`alias outer of type ${String(index)}, which is not defined`);
          scope.types.push(entry);
        }
      } else {
        throw new UnsupportedEncoding(`unknown alias target 0x${target.toString(16)}`);
      }
    }
    if (!r.atEnd) r.fail('trailing bytes in alias section');
  }

  /** Section 11: exports are read by name elsewhere; here only their new type / instance indices. */
  private exportSection(r: BinaryReader): void {
    const count = vecCount(r);
    const scope = this.scope;
    for (let i = 0; i < count; i++) {
      readExternName(r);
      const sort = readSort(r);
      const index = r.u32();
      const ascribed = r.byte();
      if (ascribed === 0x01) readExternDesc(r);
      else if (ascribed !== 0x00) r.fail(`bad export type ascription 0x${ascribed.toString(16)}`);
      if (sort === SORT_TYPE) scope.types.push(scope.types[index] ?? { kind: 'unknown', reason: 'exported type' });
      if (sort === SORT_INSTANCE) {
        scope.instances.push(scope.instances[index] ?? { kind: 'unknown', reason: 'exported instance' });
      }
    }
  }
}
