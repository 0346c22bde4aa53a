// The whole publish's deadline: one signal every request and retry of the operation listens to, aborted
// with an error that says what ran out and what to do, never a bare AbortError.
import { OciError } from './errors.js';

/** Default whole-publish deadline: long enough for a large model on a slow link, short of a hung job. */
export const DEFAULT_PUBLISH_TIMEOUT_MINUTES = 120;

export class DeadlineError extends OciError {
  override name = 'DeadlineError';
}

export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the clock once the operation is over, so it holds nothing open. */
  clear(): void;
  /**
   * Ends whatever still runs under the signal, with `reason`: once the operation has failed, the rest of
   * its work (another file's upload) stops rather than go on sending and keep the process alive.
   */
  stop(reason: unknown): void;
}

/**
 * The longest delay a Node timer holds (2^31 − 1 ms, about 24.8 days). A longer one fires at once, so a
 * deadline or idle limit past it means "no limit" rather than "stop now".
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A deadline of `minutes` for `what` (e.g. "publishing acme/iris:1.0.0"). */
export function startDeadline(minutes: number, what: string, hint: string): Deadline {
  const controller = new AbortController();
  const ms = minutes * 60_000;
  const stop = (reason: unknown) => controller.abort(reason);
  if (!(ms <= MAX_TIMER_MS)) return { signal: controller.signal, clear: () => {}, stop };
  const timer = setTimeout(() => {
    controller.abort(
      new DeadlineError(
        `${what} did not finish within its deadline of ${formatMinutes(minutes)} and was stopped; no tag was ` +
          `moved unless the log says it was. ${hint}`,
      ),
    );
  }, ms);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer), stop };
}

function formatMinutes(minutes: number): string {
  return minutes < 1 ? `${Number((minutes * 60).toFixed(1))} s` : `${Number(minutes.toFixed(2))} min`;
}
