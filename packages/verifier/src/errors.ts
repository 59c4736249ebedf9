import { WpackError } from '@wpack/manifest';

export type VerifierErrorCode =
  | 'KEY_EXISTS'
  | 'KEY_INVALID'
  | 'KEY_PASSWORD'
  | 'NO_IDENTITY_TOKEN'
  | 'SIGNING_FAILED'
  | 'TRUSTED_ROOT_INVALID'
  | 'VERIFICATION_FAILED'
  | 'POLICY_INVALID'
  | 'POLICY_NOT_FOUND'
  | 'SIGNER_REQUIRED'
  | 'UNKNOWN_WORLD';

export class VerifierError extends WpackError<VerifierErrorCode> {}
