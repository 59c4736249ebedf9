/**
 * What the gate reports (DESIGN §7): findings, each with a stable code, the
 * step that produced it, a severity, and three plain sentences — what was
 * found, why it matters, how to fix it. `--json`, SARIF and the text report
 * are all rendered from these.
 */
import type { SignatureFindingCode } from '@wpack/signatures';

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
