import { problemsMessage, type ValidationProblem } from '@wpack/core';
import { VerifierError } from '../errors.js';

/** A policy file failed validation; `problems` has one entry per problem, by JSON pointer. */
export class PolicyValidationError extends VerifierError {
  constructor(source: string, problems: readonly ValidationProblem[]) {
    super('POLICY_INVALID', problemsMessage(`${source} is not a valid wpack policy`, problems), { problems });
  }
}
