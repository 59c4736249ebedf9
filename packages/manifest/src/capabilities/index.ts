/**
 * The capability grammar (DESIGN §2): parse, normalise, decide containment
 * and overlap, and map WASI interfaces to the capabilities they need.
 */
export {
  capabilityKinds,
  parseCapability,
  parseCapabilityPattern,
  MAX_CAPABILITY_LENGTH,
} from './grammar.js';
export type {
  AnyCapability,
  Capability,
  CapabilityForm,
  CapabilityKind,
  CapabilityPattern,
  ClockCapability,
  EnvCapability,
  ExitCapability,
  FilesystemAction,
  FilesystemCapability,
  Host,
  HttpCapability,
  HttpScheme,
  ImportCapability,
  NetworkCapability,
  NnCapability,
  PortRange,
  RandomCapability,
  StdioCapability,
  TerminalCapability,
} from './grammar.js';
export { grants, overlaps } from './match.js';
export { WASI_CAPABILITY_TABLE, describeCapability, requirementFor } from './wasi-table.js';
export type { CapabilityRequirement, WasiTableRow } from './wasi-table.js';
export { suggestCapabilities } from './suggest.js';
