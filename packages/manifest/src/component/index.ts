export { readComponentInterface } from './reader.js';
export type { ComponentExtern, ComponentInterface, ExternKind } from './reader.js';
export { readComponentTypes } from './types/read-types.js';
export { formatFuncType, formatValType } from './types/format.js';
export { originKey } from './types/model.js';
export type { FormatOptions } from './types/format.js';
export type {
  ComponentTypes,
  ExportedType,
  FuncType,
  ImportedType,
  InstanceType,
  PrimitiveKind,
  ResourceType,
  ValType,
} from './types/model.js';
