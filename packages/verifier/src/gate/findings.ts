/**
 * What the gate reports (DESIGN §7): findings, each with a stable code, the
 * step that produced it, a severity, and three plain sentences — what was
 * found, why it matters, how to fix it. `--json`, SARIF and the text report
 * are all rendered from these.
 */
import type { SignatureFindingCode } from '@wpack/signatures';
import { SIGNATURE_ADVICE } from './advice.js';

export const GATE_STEPS = ['integrity', 'signatures', 'world', 'capabilities', 'limits'] as const;
export type GateStep = (typeof GATE_STEPS)[number];

export type Severity = 'error' | 'warning' | 'info';

export interface GateFinding {
  code: GateFindingCode;
  severity: Severity;
  step: GateStep;
  /** What was found, naming the thing (an entry, an import, a capability). */
  message: string;
  /** Why it matters. */
  why?: string;
  /** How to fix it. */
  fix?: string;
  /** The bundle entry or interface the finding is about, when there is one. */
  subject?: string;
}

interface CodeInfo {
  step: GateStep;
  /** One line for the code itself (SARIF rule text, the README table). */
  title: string;
}

/**
 * Every code the gate can report, with its step. Tests check that each is
 * produced by at least one scenario, so this list cannot hold dead codes.
 */
export const GATE_FINDING_CODES = {
  INTEGRITY_VERIFIED: { step: 'integrity', title: 'every digest in the locked manifest matches the bytes' },
  DIGEST_MISMATCH: { step: 'integrity', title: 'an entry does not have the digest the manifest records' },
  SIZE_MISMATCH: { step: 'integrity', title: 'an entry does not have the size the manifest records' },
  TRAILING_DATA: { step: 'integrity', title: 'bytes follow the end-of-archive marker that no digest covers' },
  INTERFACE_MISMATCH: { step: 'integrity', title: 'the manifest records other imports or exports than the component has' },
  SCOPE_MISMATCH: { step: 'signatures', title: 'the reference is outside the repositories the policy is for' },
  SIGNATURE_VERIFIED: { step: 'signatures', title: 'a signature verifies and its signer is trusted' },
  SIGNATURE_MALFORMED: { step: 'signatures', title: 'a signature entry is not a valid Sigstore bundle' },
  SIGNATURE_MEDIA_TYPE: { step: 'signatures', title: 'a signature has an unsupported Sigstore bundle media type' },
  SIGNATURE_NOT_DSSE: { step: 'signatures', title: 'a signature signs a message digest, not a DSSE statement' },
  SIGNATURE_PAYLOAD_TYPE: { step: 'signatures', title: 'a DSSE envelope carries another payload type than in-toto' },
  STATEMENT_INVALID: { step: 'signatures', title: 'the signed statement is not a wpack in-toto statement' },
  SUBJECT_MISMATCH: { step: 'signatures', title: 'a signature is about another bundle' },
  SIGNATURE_INVALID: { step: 'signatures', title: 'a signature does not verify' },
  UNTRUSTED_KEY: { step: 'signatures', title: 'a signature was made by a key the policy does not trust' },
  KEY_NOT_YET_VALID: { step: 'signatures', title: 'a signing key is not yet valid' },
  KEY_EXPIRED: { step: 'signatures', title: 'a signing key has expired' },
  ISSUER_MISMATCH: { step: 'signatures', title: 'a keyless signature comes from an untrusted OIDC issuer' },
  IDENTITY_MISMATCH: { step: 'signatures', title: 'a keyless signature comes from an untrusted identity' },
  DUPLICATE_SIGNER: { step: 'signatures', title: 'one signer signed twice; it counts once' },
  NO_SIGNATURES: { step: 'signatures', title: 'the bundle is not signed' },
  THRESHOLD_NOT_MET: { step: 'signatures', title: 'fewer distinct trusted signers than the policy requires' },
  WORLD_COMPATIBLE: { step: 'world', title: 'the host provides every import and calls exports the component has' },
  IMPORT_NOT_PROVIDED: { step: 'world', title: 'a component import is provided by no host world or interface' },
  IMPORT_VERSION_NEWER: { step: 'world', title: 'a component import is newer than the host provides (same track)' },
  EXPORT_MISSING: { step: 'world', title: 'the component lacks an export the host world calls' },
  EXPORT_VERSION_OLDER: { step: 'world', title: 'a component export is older than the host world calls (same track)' },
  MISSING_FUNCTION: { step: 'world', title: 'a function the other side calls does not exist in the interface' },
  MISSING_TYPE: { step: 'world', title: 'a type the other side uses does not exist in the interface' },
  TYPE_MISMATCH: { step: 'world', title: 'a function or type differs between component and host (compared exactly)' },
  PARAM_NAMES_DIFFER: { step: 'world', title: "a function's parameters are named differently; the types agree" },
  TYPES_NOT_READ: { step: 'world', title: 'some component types could not be read: checked by name and version only' },
  CAPABILITIES_GRANTED: { step: 'capabilities', title: 'every capability is declared, used and granted' },
  CAPABILITY_UNDECLARED: { step: 'capabilities', title: 'an import needs a capability the manifest does not declare' },
  CAPABILITY_UNUSED: { step: 'capabilities', title: 'a declared capability is needed by no import' },
  CAPABILITY_NOT_GRANTED: { step: 'capabilities', title: 'a declared capability is not granted by the policy' },
  CAPABILITY_DENIED: { step: 'capabilities', title: 'a declared capability is hit by the policy deny list' },
  LIMITS_OK: { step: 'limits', title: 'the bundle is within the policy limits' },
  COMPONENT_TOO_LARGE: { step: 'limits', title: 'component.wasm is larger than the policy allows' },
  BUNDLE_TOO_LARGE: { step: 'limits', title: 'the bundle is larger than the policy allows' },
  RESOURCES_TOO_LARGE: { step: 'limits', title: 'the resources are larger in total than the policy allows' },
} as const satisfies Record<string, CodeInfo> & Record<SignatureFindingCode, CodeInfo>;

export type GateFindingCode = keyof typeof GATE_FINDING_CODES;

/** Why a finding code matters and how to fix it, said of the code in general. */
export interface CodeAdvice {
  why: string;
  fix: string;
}

/**
 * The advice for every code, said once: the help of SARIF rules and the docs
 * read it, and findings whose advice does not depend on what was found carry
 * it as it stands. Most findings say something more particular (the host
 * version to build against, the setting to raise): the table is the general
 * form of what they say.
 */
const TAMPERED: CodeAdvice = { why: 'these are not the bytes that were bundled and signed', fix: 'pull or copy the bundle again from its source; if it was edited, rebuild and sign it' };
const HOST_BUDGET = 'the host sized its memory and start-up budget for this limit';

export const GATE_CODE_ADVICE: Record<GateFindingCode, CodeAdvice> = {
  ...SIGNATURE_ADVICE,
  INTEGRITY_VERIFIED: { why: 'the bytes are the bytes that were bundled: every later step reads what the signatures cover', fix: 'nothing to fix' },
  DIGEST_MISMATCH: TAMPERED,
  SIZE_MISMATCH: TAMPERED,
  TRAILING_DATA: {
    why: 'wpack stops reading at the marker, but other tar readers (tar-stream, GNU tar -i) read on: an archive appended there can hand them a component.wasm other than the one that was signed',
    fix: 'take the bundle again from its source (`wpack pull` rebuilds it from the registry without those bytes), and find out what appended to this file',
  },
  INTERFACE_MISMATCH: {
    why: 'wpack.json must describe the component it ships; the world and capability checks use what the component really imports',
    fix: 'rebuild the bundle with `wpack bundle`, which records the interface from the component itself',
  },
  SCOPE_MISMATCH: { why: 'the policy vouches for its signers only in the repositories it names', fix: 'verify against the policy written for this repository, or add the repository to scopes' },
  SIGNATURE_VERIFIED: { why: 'a trusted signer vouches for these exact bytes', fix: 'nothing to fix' },
  WORLD_COMPATIBLE: { why: 'the component links against the host and the host finds what it calls', fix: 'nothing to fix' },
  IMPORT_NOT_PROVIDED: { why: 'the runtime cannot link an import nothing provides: the component fails to instantiate', fix: "build the component for a world the host provides, or add the world or interface to the policy's host" },
  IMPORT_VERSION_NEWER: { why: 'the versions share a track, so the runtime links them, but anything added after the host version is missing and fails when first used', fix: 'build against the host version or older, or upgrade the host' },
  EXPORT_MISSING: { why: 'the host has nothing to call: the component cannot be run as this host runs components', fix: "build the component for the host's world, or add the world it targets to the policy's host.worlds" },
  EXPORT_VERSION_OLDER: { why: 'the versions share a track, so the runtime links them, but a function added after the component version is missing', fix: "rebuild the component against the host's world" },
  MISSING_FUNCTION: { why: 'a function the other side calls does not exist: instantiation fails', fix: 'build the component against the interface the host really provides, or upgrade the host' },
  MISSING_TYPE: { why: 'a type the other side relies on does not exist there: the component would fail to link', fix: 'build the component against the interface the host really provides' },
  TYPE_MISMATCH: { why: 'functions and types are compared exactly: a changed one fails at link time, or traps on first call', fix: 'build the component against the interface the host really provides' },
  PARAM_NAMES_DIFFER: { why: 'the types agree, so a host runtime links it; linking with another component requires the names to match', fix: 'rename the parameters to match the interface as the host defines it' },
  TYPES_NOT_READ: { why: 'an encoding this version of wpack does not know; a changed signature there would not be caught before deploy', fix: 'rebuild the component with current tooling, or check it with `wasm-tools component targets`' },
  CAPABILITIES_GRANTED: { why: 'everything the component can reach was declared, reviewed and granted', fix: 'nothing to fix' },
  CAPABILITY_UNDECLARED: { why: 'a bundle must say what it can reach: an undeclared import is access nobody reviewed', fix: 'declare the capability (as narrow as it can be) in wpack.json capabilities and rebuild the bundle' },
  CAPABILITY_UNUSED: { why: 'an unused capability asks the host for access the component cannot use; it widens what a policy must grant', fix: 'remove it from wpack.json capabilities' },
  CAPABILITY_NOT_GRANTED: { why: 'what the policy does not allow is denied', fix: "narrow the capability in wpack.json to fit an allow entry, or add a pattern covering it to the policy's capabilities.allow" },
  CAPABILITY_DENIED: { why: 'it reaches something the deny list names, and deny wins over allow', fix: 'narrow the capability in wpack.json to stay clear of the deny list, or change the host policy' },
  LIMITS_OK: { why: 'the bundle fits the memory and start-up budget the host sized for it', fix: 'nothing to fix' },
  COMPONENT_TOO_LARGE: { why: HOST_BUDGET, fix: 'shrink the component, or raise limits.maxComponentBytes in the policy' },
  BUNDLE_TOO_LARGE: { why: HOST_BUDGET, fix: 'shrink the bundle, or raise limits.maxBundleBytes in the policy' },
  RESOURCES_TOO_LARGE: { why: HOST_BUDGET, fix: 'shrink the resources, or raise limits.maxResourceBytes in the policy' },
};
