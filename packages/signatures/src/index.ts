// Public surface of @wpack/signatures: signing a bundle and verifying its
// signatures (DESIGN §4), keyless through Sigstore or with a local key. The
// gate (@wpack/verifier) decides what the verdicts mean for a policy.
// Curated: test/exports.test.ts pins this list.
export { SignatureError } from './errors.js';
export { generateKeyPair, keyHint, loadPrivateKey, loadPublicKey } from './keys.js';
export type { GeneratedKeyPair } from './keys.js';
export { buildStatement, IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE, WPACK_PREDICATE_TYPE } from './statement.js';
export type { Statement } from './statement.js';
export { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL, DEFAULT_TSA_URL, resolveIdentityToken, signBundle } from './sign.js';
export type { SignResult, SigningMode } from './sign.js';
export { describeSigner, SIGSTORE_BUNDLE_V03, verifySignatures, warmUpVerifier } from './verify.js';
export type { SignatureFinding, SignatureFindingCode, SignaturePolicy, SignatureReport, TrustedIdentity, TrustedKey } from './verify.js';
export type { IdentityMatcher } from './identity.js';
export { loadTrustedRoot, publicGoodTrustedRoot } from './trusted-root.js';
export { describeSignature } from './describe.js';
export type { SignatureDescription } from './describe.js';
