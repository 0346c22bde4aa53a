// Typed errors of the metrics area; callers (action, CLI) print `message` as is: it says where and what.

/** An input file that is not what was expected; `where` is file or file:line. */
export class MetricsInputError extends Error {
  readonly where: string;
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'MetricsInputError';
    this.where = where;
  }
}

/** A data problem configured as an error (slipway.yaml `problems:`), naming the test set, slice or line. */
export class DataProblemError extends Error {
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.name = 'DataProblemError';
    this.kind = kind;
  }
}
