// The one error shape of Slipway. A SlipwayError is the user's to fix (a wrong input, a registry that
// refused, a config that does not validate): its message is one clear sentence that says what was found,
// `where` says where (file:line:col, registry/repository, PR) and `expected` what was expected. Anything
// else that reaches a door (action `run()`, CLI) is our bug, and is printed as such with a request to
// report it, so a user can tell their mistake from ours.

export interface SlipwayErrorDetails {
  /** Where the problem is: `slipway.yaml:4:3`, `ghcr.io/acme/iris`, `acme/env#12`. */
  readonly where?: string;
  /** What was expected there, in the user's words. */
  readonly expected?: string;
  readonly cause?: unknown;
}

export class SlipwayError extends Error {
  override name = 'SlipwayError';
  readonly where: string | undefined;
  readonly expected: string | undefined;
  constructor(message: string, details: SlipwayErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.where = details.where;
    this.expected = details.expected;
  }
}

/** True for errors that are the user's to fix; false for Slipway's own bugs. */
export function isUserError(error: unknown): error is SlipwayError {
  return error instanceof SlipwayError;
}

export const REPORT_BUG_URL = 'https://github.com/slipway-dev/slipway/issues/new';

/**
 * The text a door prints for a failure: a user error as its own sentence; anything else as a bug, with
 * the request to report it. `redact` removes secrets (tokens, passwords) from whatever is printed.
 */
export function describeError(error: unknown, redact: (text: string) => string = (t) => t): string {
  if (isUserError(error)) return redact(error.message);
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return redact(
    `Slipway failed unexpectedly: this is a bug in Slipway, not in your input. ` +
      `Please report it at ${REPORT_BUG_URL} with this log.\n${detail}`,
  );
}

export {
  fitBody,
  GITHUB_BODY_LIMIT,
  htmlSafe,
  logSafe,
  logSafeText,
  markdownSafe,
} from './escape.js';
export { createRedactor, type Redactor } from './redact.js';
