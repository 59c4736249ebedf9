// Public surface of @wpack/verifier: signing and signature verification
// (DESIGN §4, §7 step 2).
export { VerifierError } from './errors.js';
export type { VerifierErrorCode } from './errors.js';
export { generateKeyPair, keyHint, loadPrivateKey, loadPublicKey } from './signatures/keys.js';
export type { GeneratedKeyPair } from './signatures/keys.js';
export { buildStatement, IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE, WPACK_PREDICATE_TYPE } from './signatures/statement.js';
export type { Statement } from './signatures/statement.js';
export { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL, DEFAULT_TSA_URL, resolveIdentityToken, signBundle } from './signatures/sign.js';
export type { SignResult, SigningMode } from './signatures/sign.js';
export { describeSigner, SIGSTORE_BUNDLE_V03, verifySignatures, warmUpVerifier } from './signatures/verify.js';
export type { SignatureFinding, SignatureFindingCode, SignaturePolicy, SignatureReport, TrustedIdentity, TrustedKey } from './signatures/verify.js';
export { matchIdentity } from './signatures/identity.js';
export type { IdentityMatcher } from './signatures/identity.js';
export { EMPTY_TRUSTED_ROOT, loadTrustedRoot, publicGoodTrustedRoot } from './signatures/trusted-root.js';
export { describeSignature } from './signatures/describe.js';
export type { SignatureDescription } from './signatures/describe.js';
