export { readComponentInterface } from './reader.js';
export type { ComponentExtern, ComponentInterface, ExternKind } from './reader.js';
