import type { ValidationProblem } from '@wpack/manifest';
import { VerifierError } from '../errors.js';

/** A policy file failed validation; `problems` has one entry per problem, by JSON pointer. */
export class PolicyValidationError extends VerifierError {
  readonly problems: readonly ValidationProblem[];

  constructor(source: string, problems: readonly ValidationProblem[]) {
    super('POLICY_INVALID', `${source} is not a valid wpack policy:\n` + problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n'));
    this.problems = problems;
  }
}
