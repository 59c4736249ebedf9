/**
 * Typed errors. Libraries never print and never exit: they throw a WpackError
 * whose `code` says what failed, and the CLI turns it into one line and an
 * exit code. Tests assert codes, never message text.
 */

/** What kind of failure an error is, which decides the CLI's exit code. */
export type ErrorCategory = 'input' | 'denied' | 'network';

export class WpackError<C extends string = string> extends Error {
  readonly code: C;
  readonly category: ErrorCategory;

  constructor(code: C, message: string, options: { cause?: unknown; category?: ErrorCategory } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.category = options.category ?? 'input';
  }
}

export type ManifestErrorCode =
  | 'INVALID_CAPABILITY'
  | 'INVALID_MANIFEST'
  | 'MANIFEST_NOT_FOUND'
  | 'NOT_A_COMPONENT'
  | 'MALFORMED_COMPONENT'
  | 'FILE_NOT_FOUND'
  | 'FILE_CHANGED'
  | 'INVALID_BUNDLE'
  | 'BUNDLE_ENTRY_REJECTED'
  | 'BUNDLE_TOO_LARGE'
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'TARGET_EXISTS'
  | 'BUNDLE_LOCKED'
  | 'AMBIGUOUS_BUNDLE'
  | 'IO_ERROR';

export class ManifestError extends WpackError<ManifestErrorCode> {}

/** One problem found while validating a document, located by JSON pointer. */
export interface ValidationProblem {
  /** JSON pointer into the document, e.g. `/capabilities/2`; `` for the root. */
  path: string;
  message: string;
}

/** A document failed validation; `problems` lists every problem, one per line. */
export class ManifestValidationError extends ManifestError {
  readonly problems: readonly ValidationProblem[];

  constructor(source: string, problems: readonly ValidationProblem[]) {
    super(
      'INVALID_MANIFEST',
      `${source} is not a valid wpack manifest:\n` + problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n'),
    );
    this.problems = problems;
  }
}
