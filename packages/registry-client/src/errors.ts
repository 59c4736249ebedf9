/**
 * Errors of the registry client. It knows nothing of wpack's formats, but its
 * errors are WpackErrors like every other layer's, with codes from the one
 * union; the CLI maps `category` to an exit code.
 */
import { WpackError, type ErrorCategory, type RegistryErrorCode } from '@wpack/core';

export class RegistryError extends WpackError<RegistryErrorCode> {
  /** HTTP status, when the failure is a registry response. */
  readonly status: number | undefined;

  constructor(code: RegistryErrorCode, message: string, options: { cause?: unknown; status?: number; category?: ErrorCategory } = {}) {
    super(code, message, {
      cause: options.cause,
      category: options.category ?? (code === 'INVALID_REFERENCE' || code === 'CREDENTIALS' ? 'input' : 'network'),
    });
    this.status = options.status;
  }
}
