/**
 * Errors of the registry client. It knows nothing of wpack, so it has its own
 * error class; the shape (code, category) is the one every wpack layer uses,
 * and the CLI maps `category` to an exit code.
 */
export type RegistryErrorCode =
  | 'INVALID_REFERENCE'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'NOT_FOUND'
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'UNSUPPORTED'
  | 'PROTOCOL'
  | 'NETWORK'
  | 'CREDENTIALS';

export type RegistryErrorCategory = 'input' | 'network';

export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  readonly category: RegistryErrorCategory;
  /** HTTP status, when the failure is a registry response. */
  readonly status: number | undefined;

  constructor(code: RegistryErrorCode, message: string, options: { cause?: unknown; status?: number; category?: RegistryErrorCategory } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.status = options.status;
    this.category = options.category ?? (code === 'INVALID_REFERENCE' || code === 'CREDENTIALS' ? 'input' : 'network');
  }
}
