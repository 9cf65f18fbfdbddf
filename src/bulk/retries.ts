/**
 * The retry of a bulk job's failed calls, as a plain function of data: a call whose hangup failed (a
 * provider outage, an open circuit) is asked again, each time a new round in its own object, on the
 * call objects' own automatic schedule (the first within 30 s, then doubling, never more than 5 minutes
 * apart), for FAILED_RETRY_WINDOW_MS after acceptance; then the job completes with them counted failed.
 */
import { nextAutomaticRetryAt } from "../calls/timings";

/** Failed hangups are asked again for this long after the job was accepted. */
export const FAILED_RETRY_WINDOW_MS = 60 * 60_000;

/** How many runs of failures so far, and when the next retry is due (null: it is running). */
export interface RetryState {
  failures: number;
  next_at: number | null;
}

export type RetryStep =
  /** Nothing to retry (none failed, or the window is over): the job may complete. */
  | { kind: "none" }
  /** The retry is due: ask every failed call again now, and store `state`. */
  | { kind: "now"; state: RetryState }
  /** Wait until `at`; store `state` if given (a new run of failures was scheduled). */
  | { kind: "wait"; at: number; state?: RetryState };

export function nextRetryStep(failed: number, acceptedAt: number, retry: RetryState | undefined, now: number): RetryStep {
  const windowEnd = acceptedAt + FAILED_RETRY_WINDOW_MS;
  if (!failed || now >= windowEnd) return { kind: "none" };
  if (retry?.next_at != null) {
    // An alarm that ran early waits for the retry it already scheduled.
    return now >= retry.next_at ? { kind: "now", state: { ...retry, next_at: null } } : { kind: "wait", at: retry.next_at };
  }
  const failures = (retry?.failures ?? 0) + 1;
  const at = Math.min(nextAutomaticRetryAt(failures, now, null), windowEnd);
  return { kind: "wait", at, state: { failures, next_at: at } };
}
