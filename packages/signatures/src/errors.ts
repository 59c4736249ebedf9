import { WpackError, type SignatureErrorCode } from '@wpack/core';

export class SignatureError extends WpackError<SignatureErrorCode> {}
