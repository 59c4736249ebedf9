/** Why each signature finding matters and how to fix it, for the gate's report. */
import type { SignatureFindingCode } from '@wpack/signatures';

export const SIGNATURE_ADVICE: Record<Exclude<SignatureFindingCode, 'SIGNATURE_VERIFIED'>, { why: string; fix: string }> = {
  SIGNATURE_MALFORMED: { why: 'an unreadable signature proves nothing', fix: 'sign the bundle again with `wpack sign`' },
  SIGNATURE_MEDIA_TYPE: { why: 'wpack verifies Sigstore bundle v0.3 signatures only', fix: 'sign the bundle with `wpack sign`' },
  SIGNATURE_NOT_DSSE: { why: 'a message signature does not bind the signature to this bundle the way a DSSE statement does', fix: 'sign the bundle with `wpack sign`' },
  SIGNATURE_PAYLOAD_TYPE: { why: 'only an in-toto statement says which bundle was signed', fix: 'sign the bundle with `wpack sign`' },
  STATEMENT_INVALID: { why: 'the signed statement is not a wpack bundle attestation, so it vouches for nothing here', fix: 'sign the bundle with `wpack sign`' },
  SUBJECT_MISMATCH: { why: 'the signature was made for other bytes: it was copied from another bundle or the bundle changed after signing', fix: 'sign this exact bundle, and deploy the bytes that were signed' },
  SIGNATURE_INVALID: { why: 'the signed payload was altered, or another key or certificate made the signature', fix: 'rebuild and sign the bundle again; check the trusted root for keyless signatures' },
  UNTRUSTED_KEY: { why: 'the policy trusts only the keys and identities it lists', fix: 'sign with a key the policy lists, or add this signer to signatures.signers' },
  KEY_NOT_YET_VALID: { why: 'the policy accepts this key only from its validFrom date', fix: 'sign with a current key, or correct validFrom in the policy' },
  KEY_EXPIRED: { why: 'the policy accepts this key only until its validUntil date', fix: 'sign with a current key (rotate it), or correct validUntil in the policy' },
  ISSUER_MISMATCH: { why: 'the certificate was issued for an identity from an OIDC issuer the policy does not trust', fix: 'sign from the trusted CI, or add the issuer to signatures.signers' },
  IDENTITY_MISMATCH: { why: 'the certificate identity (the workflow or account that signed) is not one the policy trusts', fix: 'sign from the trusted workflow, or adjust the signer subject in the policy' },
  DUPLICATE_SIGNER: { why: 'one key or identity counts once toward the minimum, however often it signs', fix: 'have another trusted signer sign the bundle' },
  NO_SIGNATURES: { why: 'an unsigned bundle could have been built by anyone', fix: 'sign it: `wpack sign <bundle> --key <key>`, or keyless in CI' },
  THRESHOLD_NOT_MET: { why: 'the policy requires this many distinct trusted signers', fix: 'have more trusted signers sign the bundle with `wpack sign`' },
};
