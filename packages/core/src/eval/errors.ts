import { SlipwayError } from '../errors/index.js';

// The one error type of evaluation: its message is for the user as it stands (where, what, what to do),
// so actions and the CLI print it without a stack trace.
export class EvaluationError extends SlipwayError {
  override readonly name = 'EvaluationError';
}
