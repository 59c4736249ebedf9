// Evaluates a nested component (section 4) when it is instantiated, to type
// what the instance exports. wit-component wraps each exported interface in a
// small nested "shim" component instantiated `with` the functions and types
// it re-exports, and composed components (componentize-qjs) instantiate
// whole nested components. The nested component is read as its own scope,
// its imports bound to the `with` arguments; what it exports becomes the new
// instance. Strict: an encoding this reader does not know, or a malformed
// nested component, makes the whole instance unknown (it is not checked by
// readComponentInterface, so it cannot make the component malformed).
import { WpackError } from '@wpack/core';
import { BinaryReader } from '../binary-reader.js';
import { walkSections } from '../section-walker.js';
import type { ExternDesc } from './extern.js';
import { MAX_COMPONENT_DEPTH, UnsupportedEncoding } from './scope.js';
import type { ComponentDef, ComponentEntry, InstanceEntry, ReadContext, Unknown } from './scope.js';
import {
  ScopeReader,
  SECTION_ALIAS,
  SECTION_CANON,
  SECTION_COMPONENT,
  SECTION_EXPORT,
  SECTION_IMPORT,
  SECTION_INSTANCE,
  SECTION_TYPE,
  unknown,
} from './scope-reader.js';
import type { Arg } from './scope-reader.js';

const PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
/** Sections whose bytes a nested evaluation decodes (and pays for). */
const DECODED = new Set([SECTION_INSTANCE, SECTION_ALIAS, SECTION_TYPE, SECTION_CANON, SECTION_IMPORT, SECTION_EXPORT]);

/**
 * Instantiates `component` (index `index` of the instantiating scope, at
 * nesting `depth`) with `args`: the instance it exports, or `unknown` when it
 * cannot be evaluated. Bounded by the work limits of {@link ReadContext}.
 */
export function instantiate(
  ctx: ReadContext,
  component: ComponentEntry,
  index: number,
  args: ReadonlyMap<string, Arg>,
  depth: number,
): InstanceEntry {
  if (component.kind === 'unknown') return unknown(`instance of ${component.reason}`, component.reported);
  try {
    if (depth > MAX_COMPONENT_DEPTH) throw new UnsupportedEncoding(`components nested deeper than ${String(MAX_COMPONENT_DEPTH)}`);
    if (--ctx.instantiations < 0) throw new UnsupportedEncoding('too many nested instantiations to evaluate');
    charge(ctx, PREAMBLE.length + args.size);
    const evaluator = new NestedEvaluator(ctx, component, args, depth);
    evaluator.read();
    return evaluator.exported;
  } catch (err) {
    // Even a malformed nested component only makes this instance unknown.
    if (!(err instanceof WpackError)) throw err;
    return unknown(`instance of component ${String(index)}: ${err.message}`);
  }
}

function charge(ctx: ReadContext, work: number): void {
  ctx.evalWork -= work;
  if (ctx.evalWork < 0) throw new UnsupportedEncoding('nested components too large to evaluate');
}

/** One instantiation of a nested component: any unknown encoding fails it whole. */
class NestedEvaluator extends ScopeReader {
  constructor(
    ctx: ReadContext,
    private readonly component: ComponentDef,
    private readonly args: ReadonlyMap<string, Arg>,
    depth: number,
  ) {
    super(ctx, component.bytes, component.scope, depth, component.before);
  }

  read(): void {
    const { bytes, start, end } = this.component;
    const r = new BinaryReader(bytes, start, end);
    for (const b of PREAMBLE) if (r.byte() !== b) r.fail('nested component without a component preamble');
    for (const section of walkSections(bytes, r.offset, end)) {
      charge(this.ctx, 1 + (DECODED.has(section.id) ? section.end - section.start : 0));
      this.section(section.id, new BinaryReader(bytes, section.start, section.end));
    }
  }

  private section(id: number, r: BinaryReader): void {
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

  protected instantiate(index: number, args: ReadonlyMap<string, Arg>): InstanceEntry {
    return instantiate(this.ctx, this.componentAt(index), index, args, this.depth + 1);
  }

  /**
   * A nested import takes the value of its `with` argument: its identity
   * (resources) comes from there. A function or an `eq` type whose argument
   * is unknown falls back on its declared type.
   */
  protected addImport(name: string, desc: ExternDesc): void {
    const scope = this.scope;
    const arg = this.args.get(name);
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

  /** What a nested component exports is only its instance (`exported`). */
  protected addExport(): void {}
}
