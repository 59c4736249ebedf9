// The structural type model of a component's imports and exports: plain, JSON-serialisable
// data, so a comparator (or a host profile shipped as JSON) can use it as is.
// The rules it supports: instances compare by width, functions and value types
// exactly, resources nominally by origin key (DESIGN §7, the world step).
import { interfaceTrack } from '@wpack/core';
import type { ComponentInterface } from '../interface-reader.js';

/** The primitive value types (Binary.md `primvaltype`). */
export type PrimitiveKind =
  | 'bool'
  | 's8'
  | 'u8'
  | 's16'
  | 'u16'
  | 's32'
  | 'u32'
  | 's64'
  | 'u64'
  | 'f32'
  | 'f64'
  | 'char'
  | 'string'
  | 'error-context';

export type ValType =
  | { kind: PrimitiveKind }
  /** A type exported under a name from an interface (`(export "error" (type (eq N)))`). */
  | { kind: 'named'; name: string; type: ValType }
  | { kind: 'record'; fields: { name: string; type: ValType }[] }
  | { kind: 'variant'; cases: { name: string; type?: ValType }[] }
  | { kind: 'list'; element: ValType; length?: number }
  | { kind: 'map'; key: ValType; value: ValType }
  | { kind: 'tuple'; types: ValType[] }
  | { kind: 'flags'; names: string[] }
  | { kind: 'enum'; names: string[] }
  | { kind: 'option'; type: ValType }
  | { kind: 'result'; ok?: ValType; err?: ValType }
  /** `resource` is an origin key, e.g. `wasi:io/error@0.2#error` (see {@link originKey}). */
  | { kind: 'own'; resource: string }
  | { kind: 'borrow'; resource: string }
  | { kind: 'stream'; type?: ValType }
  | { kind: 'future'; type?: ValType };

/** An abstract resource type; resources are nominal, identified by their origin. */
export interface ResourceType {
  kind: 'resource';
  origin: string;
}

export interface FuncType {
  params: { name: string; type: ValType }[];
  result?: ValType;
  async?: boolean;
}

export interface InstanceType {
  kind: 'instance';
  /** Exported functions by name, e.g. `get` or `[method]output-stream.write`. */
  functions: Record<string, FuncType>;
  /** Exported types by name: value types (as `named`) and resources. */
  types: Record<string, ValType | ResourceType>;
}

/** What one top-level import is, structurally. */
export type ImportedType =
  | InstanceType
  | { kind: 'func'; type: FuncType }
  | { kind: 'type'; type: ValType | ResourceType }
  /** Imports whose structure is not read (yet): component, core module, value. */
  | { kind: 'opaque'; extern: 'component' | 'module' | 'value' }
  /** The type could not be read (an encoding this reader does not know); see the warnings. */
  | { kind: 'unknown'; reason: string };

/** What one top-level export is, structurally (the shapes of {@link ImportedType}). */
export type ExportedType = ImportedType;

export interface ComponentTypes {
  /** The names and kinds of the imports and exports, as `readComponentInterface` gives them: one parse serves both. */
  interface: ComponentInterface;
  imports: { name: string; type: ImportedType }[];
  /**
   * What every top-level export is, in the same shapes as imports. Resources
   * the component defines get the origin key of the interface that first
   * exports them; re-exported imported resources keep their import origin.
   */
  exports: { name: string; type: ExportedType }[];
  warnings: string[];
}

/** The origin key of a resource first declared as `resource` in the import/export `owner`. */
export function originKey(owner: string, resource: string): string {
  return `${interfaceTrack(owner)}#${resource}`;
}
