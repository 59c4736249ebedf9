// Index spaces the type reader tracks, and the shared state of one read.
// Binary.md: each component, component type and instance type has its own
// type and instance index spaces, which only grow by appending; `alias outer
// ct idx` reaches the space `ct` levels out.
import { WpackError } from '@wpack/core';
import type { FuncType, InstanceType, ResourceType, ValType } from './model.js';

/** One entry of a type index space. */
export type TypeEntry =
  | { kind: 'val'; val: ValType }
  | ResourceType
  | { kind: 'func'; func: FuncType }
  | { kind: 'instance'; type: InstanceDef }
  | { kind: 'component' }
  | { kind: 'unknown'; reason: string };

/**
 * A decoded instance type. Resources it declares with `(sub resource)` carry
 * placeholder origins until an import binds them to the import's name
 * (each import of an instance type makes fresh resources).
 */
export interface InstanceDef extends InstanceType {
  /** placeholder origin → the resource's export name inside this instance type. */
  declared: Map<string, string>;
}

/**
 * Something an index space holds but this reader could not type. `reported`:
 * the cause is already in the warnings, so what depends on it adds none.
 */
export interface Unknown {
  kind: 'unknown';
  reason: string;
  reported?: boolean;
}

/**
 * An instance made inside the component (instantiated, or of inline exports):
 * beyond the functions and types of {@link InstanceType}, it can export
 * instances and components, and names whose type could not be read.
 */
export interface EvaluatedInstance extends InstanceType {
  extra: {
    instances: Map<string, InstanceEntry>;
    components: Map<string, ComponentEntry>;
    /** Exports by name that are there but could not be typed. */
    missing: Map<string, Unknown>;
  };
}

/** An entry of an instance index space: a typed instance or one we do not model. */
export type InstanceEntry = InstanceType | EvaluatedInstance | Unknown;

/** An entry of the component function index space. */
export type FuncEntry = { kind: 'func'; func: FuncType } | Unknown;

/**
 * A nested component (section 4), kept as its byte range and read only when
 * instantiated; `scope` is where it was defined (for `alias outer`).
 */
export interface ComponentDef {
  kind: 'component';
  bytes: Uint8Array;
  start: number;
  end: number;
  scope: Scope;
  /** How many components the defining scope had before this one (`alias outer` limit). */
  before: number;
}

export type ComponentEntry = ComponentDef | Unknown;

export class Scope {
  readonly types: TypeEntry[] = [];
  readonly instances: InstanceEntry[] = [];
  readonly funcs: FuncEntry[] = [];
  readonly components: ComponentEntry[] = [];

  constructor(readonly parent?: Scope) {}

  /** The scope `count` levels out (`alias outer count idx`); 0 is this one. */
  outer(count: number): Scope {
    let scope: Scope | undefined = count === 0 ? this : this.parent;
    for (let i = 1; i < count && scope !== undefined; i++) scope = scope.parent;
    if (scope === undefined) throw new UnsupportedEncoding(`alias outer ${String(count)} reaches past the outermost scope`);
    return scope;
  }

  type(index: number): TypeEntry {
    const entry = this.types[index];
    if (entry === undefined) throw new UnsupportedEncoding(`type index ${String(index)} is not defined`);
    if (entry.kind === 'unknown') throw new UnsupportedEncoding(entry.reason);
    return entry;
  }
}

/**
 * An encoding this reader does not know, or a reference to a type it could
 * not read. Caught inside the type reader, which then stops reading what
 * depends on it and records a warning; a WpackError in case one ever escapes.
 */
export class UnsupportedEncoding extends WpackError<'UNSUPPORTED_ENCODING'> {
  constructor(message: string) {
    super('UNSUPPORTED_ENCODING', message);
  }
}

/** Limits that keep hostile input (deep or exponentially shared types) bounded. */
export const MAX_TYPE_DEPTH = 100;
export const MAX_TYPE_SIZE = 100_000;
export const MAX_BIND_WORK = 5_000_000;
/** Nesting of component instantiations evaluated for export types. */
export const MAX_COMPONENT_DEPTH = 32;
/** Bytes of component-level sections decoded while evaluating nested components. */
export const MAX_EVAL_WORK = 1_000_000;
/** Instantiations of nested components evaluated in one read. */
export const MAX_INSTANTIATIONS = 2_000;

/** State shared by one `readComponentTypes` call. */
export class ReadContext {
  readonly warnings: string[] = [];
  /** Work left for binding resources of imported instances (hostile-input guard). */
  bindWork = MAX_BIND_WORK;
  /** Work left for evaluating nested components (hostile-input guard). */
  evalWork = MAX_EVAL_WORK;
  /** Instantiations left to evaluate (hostile-input guard). */
  instantiations = MAX_INSTANTIATIONS;
  private nextId = 0;
  /** Tree size and depth of every value type node built by this read. */
  private readonly measures = new WeakMap<object, { size: number; depth: number }>();

  /** A fresh placeholder origin for a resource declared inside a type. */
  placeholder(): string {
    return `?${String(this.nextId++)}`;
  }

  /** Records a new node built from `children` and enforces the size/depth limits. */
  node<T extends ValType>(value: T, children: readonly ValType[]): T {
    let size = 1;
    let depth = 0;
    for (const child of children) {
      const m = this.measures.get(child) ?? { size: 1, depth: 1 };
      size += m.size;
      depth = Math.max(depth, m.depth);
    }
    depth += 1;
    if (depth > MAX_TYPE_DEPTH) throw new UnsupportedEncoding(`value type nested deeper than ${String(MAX_TYPE_DEPTH)}`);
    if (size > MAX_TYPE_SIZE) throw new UnsupportedEncoding(`value type larger than ${String(MAX_TYPE_SIZE)} nodes`);
    this.measures.set(value, { size, depth });
    return value;
  }
}
