// Public surface of @wpack/verifier: the host policy and the pre-deploy gate
// (DESIGN §6, §7). Signatures are @wpack/signatures'. Curated:
// test/exports.test.ts pins this list.
export { VerifierError } from './errors.js';
export { loadPolicy, parsePolicyText } from './policy/load.js';
export type { LoadedPolicy, PolicyCapability } from './policy/load.js';
export { PolicyValidationError } from './policy/errors.js';
export type { PolicyDocument, PolicyLimits, PolicySigner } from './policy/types.js';
export { POLICY_SCHEMA_ID, validatePolicyDocument } from './policy/schema.js';
export { runGate, runSignatureCheck } from './gate/gate.js';
export type { GateOptions, GateReport } from './gate/gate.js';
export { GATE_CODE_ADVICE, GATE_FINDING_CODES, GATE_STEPS } from './gate/findings.js';
export type { CodeAdvice, GateFinding, GateFindingCode, GateStep, Severity } from './gate/findings.js';
export { checkWorld, resolveHostWorld } from './world/check.js';
export type { HostSpec, HostWorld } from './world/check.js';
export { loadHostProfiles } from './world/host-profiles.js';
export type { HostProfile, HostProfileData } from './world/host-profiles.js';
export { nestWitPackage, WASI_WIT_VERSION, wasiPackages } from './world/wit-source.js';
export type { WitPackage } from './world/wit-source.js';
export { checkCapabilities } from './capabilities/check.js';
