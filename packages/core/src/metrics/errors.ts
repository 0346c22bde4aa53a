import { SlipwayError, type SlipwayErrorDetails } from '../errors/index.js';

// Typed errors of the metrics area; callers (action, CLI) print `message` as is: it says where and what.

/** An input file that is not what was expected; `where` is file or file:line. */
export class MetricsInputError extends SlipwayError {
  override readonly where: string;
  constructor(where: string, message: string, details: Omit<SlipwayErrorDetails, 'where'> = {}) {
    super(`${where}: ${message}`, { ...details, where });
    this.name = 'MetricsInputError';
    this.where = where;
  }
}

/** A data problem configured as an error (slipway.yaml `problems:`), naming the test set, slice or line. */
export class DataProblemError extends SlipwayError {
  readonly kind: string;
  constructor(kind: string, message: string, details: SlipwayErrorDetails = {}) {
    super(message, details);
    this.name = 'DataProblemError';
    this.kind = kind;
  }
}
