import { WpackError, type VerifierErrorCode } from '@wpack/core';

export class VerifierError extends WpackError<VerifierErrorCode> {}
