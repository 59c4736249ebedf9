/**
 * The one error base class. Libraries never print and never exit: they throw
 * a WpackError whose `code` says what failed and whose `category` decides the
 * CLI's exit code. Every code of every package is in the one union below, so
 * the CLI, the `--json` schemas and the tests read one list. Tests assert
 * codes, never message text.
 */

/** What kind of failure an error is: input → exit 2, denied → 1, network → 3. */
export type ErrorCategory = 'input' | 'denied' | 'network';

/** Codes of @wpack/core's own readers. */
export type CoreErrorCode = 'INVALID_JSON';

/** Codes of the component binary and type readers. */
export type ComponentErrorCode = 'NOT_A_COMPONENT' | 'MALFORMED_COMPONENT' | 'UNSUPPORTED_ENCODING';

/** Codes of the OCI distribution client. */
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
  | 'CREDENTIALS'
  | 'IO_ERROR';

/** Codes of the manifest, the capability grammar, the bundle and its OCI mapping. */
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
  /** wpack.json records other imports or exports than its component.wasm has (the gate's INTERFACE_MISMATCH, as bad input). */
  | 'INTERFACE_MISMATCH'
  | 'IO_ERROR';

/** Codes of signing and signature verification. */
export type SignatureErrorCode =
  | 'KEY_EXISTS'
  | 'KEY_INVALID'
  | 'KEY_PASSWORD'
  | 'NO_IDENTITY_TOKEN'
  | 'SIGNING_FAILED'
  | 'TRUSTED_ROOT_INVALID'
  | 'VERIFICATION_FAILED';

/** Codes of the host policy and the gate. */
export type VerifierErrorCode = 'VERIFICATION_FAILED' | 'POLICY_INVALID' | 'POLICY_NOT_FOUND' | 'SIGNER_REQUIRED' | 'UNKNOWN_WORLD';

/** Codes of `wpack run`: what it was asked to run, and what it refuses to grant. */
export type RuntimeErrorCode = 'NO_RUN_EXPORT' | 'NO_HTTP_HANDLER' | 'HTTP_INBOUND_NOT_GRANTED' | 'UNSUPPORTED_IMPORT' | 'DIR_NOT_GRANTED' | 'ENV_NOT_GRANTED' | 'TRANSPILE_FAILED';

/** Codes of the command line itself. */
export type CliErrorCode = 'USAGE';

/** Every code any wpack error carries. */
export type ErrorCode =
  | CoreErrorCode
  | ComponentErrorCode
  | RegistryErrorCode
  | ManifestErrorCode
  | SignatureErrorCode
  | VerifierErrorCode
  | RuntimeErrorCode
  | CliErrorCode;

/** One problem found in a document, located by JSON pointer. */
export interface ValidationProblem {
  /** JSON pointer into the document, e.g. `/capabilities/2`; `` for the root. */
  path: string;
  message: string;
}

export interface WpackErrorOptions {
  cause?: unknown;
  category?: ErrorCategory;
  /** For a document that failed validation: every problem, by JSON pointer. */
  problems?: readonly ValidationProblem[];
}

export class WpackError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly category: ErrorCategory;
  /** Every problem of an invalid document, one line each in the message; empty for other errors. */
  readonly problems: readonly ValidationProblem[];

  constructor(code: C, message: string, options: WpackErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.category = options.category ?? 'input';
    this.problems = options.problems ?? [];
  }
}

/** The message of an invalid document: a heading, then one indented line per problem. */
export function problemsMessage(heading: string, problems: readonly ValidationProblem[]): string {
  return `${heading}:\n` + problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n');
}

/** The problems of a document in one line, for messages that must stay one line: the first, and how many more. */
export function problemsLine(problems: readonly ValidationProblem[]): string {
  const first = problems[0];
  if (first === undefined) return '';
  const more = problems.length > 1 ? ` (and ${String(problems.length - 1)} more)` : '';
  return `${first.path === '' ? '' : `${first.path}: `}${first.message}${more}`;
}
