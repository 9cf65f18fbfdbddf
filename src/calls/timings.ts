/**
 * Every clock rule of a call's object in one place, as plain functions of data: when a round in flight
 * is presumed lost, when a watched call is evaluated again, when a failed automatic hangup is retried,
 * when a change must have reached the call index, and when a settled call's storage is deleted.
 */
import { DEFAULT_SEND_POLICY } from "../providers/send-hangup";

/** A round still pending this long after it started was left by an object that died: run it again. */
export const ROUND_LEASE_MS = DEFAULT_SEND_POLICY.totalBudgetMs + 15_000;

/** How often a watched call re-reads the policy, so that a publish reaches calls already registered. */
export const POLICY_RECHECK_MS = 60_000;

/**
 * How long a registered call is watched when its end is never reported: far beyond the 4-hour default
 * call limit of Twilio and Plivo, so that such a call does not cost a wake-up a minute forever. A
 * max_duration deadline further out extends the watch to it (stored-call.ts, watchEndsAt).
 */
export const WATCH_LIMIT_MS = 48 * 3_600_000;

/**
 * A watched call whose automatic hangup failed is tried again: the first retry within 30 s, then
 * doubling, never more than 5 minutes apart. Equal jitter (half fixed, half random) keeps retries of
 * many calls on one broken trunk from arriving together while keeping each within its bound.
 */
export const AUTO_RETRY_FIRST_MS = 30_000;
export const AUTO_RETRY_MAX_MS = 300_000;

export function automaticRetryDelayMs(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(AUTO_RETRY_MAX_MS, AUTO_RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * The next automatic retry after `failures` failed rounds in a row, no earlier than `notBefore` (an
 * open circuit's end: the retry is one of the first hangups through after the cool-down).
 */
export function nextAutomaticRetryAt(failures: number, now: number, notBefore: number | null, random: () => number = Math.random): number {
  const backoff = now + automaticRetryDelayMs(failures, random);
  if (notBefore === null || notBefore <= backoff) return backoff;
  // Just after the cool-down, spread over a second so that one of them becomes the probe.
  return Math.min(notBefore + Math.round(random() * 1_000), now + AUTO_RETRY_MAX_MS);
}

/** A change not yet confirmed by the call index is sent again from the alarm after this long. */
export const INDEX_RETRY_MS = 5_000;

/** A round slower than this reports its pending state to the index before it finishes. */
export const INDEX_PENDING_REPORT_MS = 2_000;

/** An alarm duty that threw is tried again after a backoff: 5 s doubling, at most 5 minutes. */
export function alarmErrorDelayMs(failures: number): number {
  return Math.min(AUTO_RETRY_MAX_MS, 5_000 * 2 ** Math.max(0, failures - 1));
}

/** How long before a watch's end its call is read at the provider (reconciliation), so a live one is kept. */
export const RECONCILE_BEFORE_WATCH_END_MS = 10 * 60_000;

/** A provider that says a call is live near its watch's end: watched this much longer, again each time. */
export const WATCH_EXTENSION_MS = WATCH_LIMIT_MS;

/** After a failed status read: 30 s doubling, never more than `reconcileAfter` apart. */
export function reconcileRetryDelayMs(failures: number, reconcileAfterMs: number): number {
  return Math.min(reconcileAfterMs, 30_000 * 2 ** Math.max(0, failures - 1));
}

/** Status reads a call keeps in its record. */
export const MAX_RECONCILIATIONS = 10;
