// Public surface of @wpack/component: reading a WebAssembly component binary.
// The interface reader gives the names of its imports and exports (cheap: two
// sections); the type reader gives their full structure (README, "Types:
// signature drift before deploy"); the producers reader, which languages and
// tools made it. All walk sections with section-walker.ts.
export { ComponentError } from './errors.js';
export { readComponentInterface } from './interface-reader.js';
export type { ComponentExtern, ComponentInterface, ExternKind } from './interface-reader.js';
export { readProducers } from './producers.js';
export type { ComponentProducers, Producer, ProducerField, Producers } from './producers.js';
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
