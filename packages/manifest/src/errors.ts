import { problemsMessage, WpackError, type ManifestErrorCode, type ValidationProblem } from '@wpack/core';

export class ManifestError extends WpackError<ManifestErrorCode> {}

/** A manifest failed validation; `problems` lists every problem, one per line. */
export class ManifestValidationError extends ManifestError {
  constructor(source: string, problems: readonly ValidationProblem[]) {
    super('INVALID_MANIFEST', problemsMessage(`${source} is not a valid wpack manifest`, problems), { problems });
  }
}
