/**
 * A circuit breaker for one provider connection, as a pure state machine (no clock, no storage: the
 * caller passes `now` and keeps the state). A provider that keeps failing costs every hangup its whole
 * retry budget (up to 15 s) and is hammered by every retry; after a few failed hangups in a row the
 * gateway stops sending to it for a cool-down and fails those hangups at once, saying why. Then one
 * probe is let through: if the provider answers, the circuit closes; if not, it opens again.
 *
 *   closed ──N failures in a row, within the window──▶ open ──cool-down over──▶ half_open (one probe)
 *     ▲                                                  ▲                          │
 *     └──────────── the probe (or any hangup) succeeds ──┼──────────────────────────┤
 *                                                        └────── the probe fails ───┘
 *
 * A "failure" is a hangup that ended `failed` because the provider could not be reached or kept
 * answering 5xx/429 after every retry. An answer, any answer (terminated, already ended, not found,
 * credentials rejected, a refusal), proves the provider is up: it is a success here.
 */
import { DEFAULT_SEND_POLICY } from "../providers/send-hangup";
import type { Reading } from "../providers/types";

export interface BreakerConfig {
  /** Failed hangups in a row that open the circuit… */
  failureThreshold: number;
  /** …if the first of them is no older than this. */
  failureWindowMs: number;
  /** How long an open circuit fails hangups fast before it lets a probe through. */
  coolDownMs: number;
  /** A probe that has not reported by then is presumed lost (its object died): another may go. */
  probeLeaseMs: number;
}

export const DEFAULT_BREAKER_CONFIG: BreakerConfig = {
  failureThreshold: 5,
  failureWindowMs: 60_000,
  coolDownMs: 30_000,
  probeLeaseMs: DEFAULT_SEND_POLICY.totalBudgetMs + 5_000,
};

export type BreakerState =
  | { state: "closed"; failures: number; streakStartedAt: number | null }
  | { state: "open"; failures: number; retryAt: number }
  | { state: "half_open"; failures: number; probeLeaseUntil: number };

export const CLOSED: BreakerState = { state: "closed", failures: 0, streakStartedAt: null };

/**
 * Whether a hangup may go to the provider. `reportSuccess` is false when a success would change
 * nothing (closed, no failures), so that a healthy connection costs its caller no second report.
 */
export type Admission = { kind: "send"; reportSuccess: boolean } | { kind: "refuse"; retryAt: number; failures: number };

export type HangupResult = "success" | "failure";

/** An admission, and the state it leaves (a probe's lease starts with it). */
export interface Admitted {
  breaker: BreakerState;
  admission: Admission;
}

export function admit(breaker: BreakerState, now: number, config: BreakerConfig): Admitted {
  switch (breaker.state) {
    case "closed":
      return { breaker, admission: { kind: "send", reportSuccess: breaker.failures > 0 } };
    case "open":
      if (now < breaker.retryAt) return { breaker, admission: { kind: "refuse", retryAt: breaker.retryAt, failures: breaker.failures } };
      return probe(breaker.failures, now, config);
    case "half_open":
      if (now < breaker.probeLeaseUntil) {
        return { breaker, admission: { kind: "refuse", retryAt: breaker.probeLeaseUntil, failures: breaker.failures } };
      }
      return probe(breaker.failures, now, config);
  }
}

function probe(failures: number, now: number, config: BreakerConfig): Admitted {
  return { breaker: { state: "half_open", failures, probeLeaseUntil: now + config.probeLeaseMs }, admission: { kind: "send", reportSuccess: true } };
}

export function record(breaker: BreakerState, result: HangupResult, now: number, config: BreakerConfig): BreakerState {
  // Whatever the state, an answer from the provider means it is up again.
  if (result === "success") return CLOSED;
  switch (breaker.state) {
    case "closed": {
      const streakAlive = breaker.streakStartedAt !== null && now - breaker.streakStartedAt <= config.failureWindowMs;
      const failures = streakAlive ? breaker.failures + 1 : 1;
      const streakStartedAt = streakAlive ? breaker.streakStartedAt! : now;
      if (failures >= config.failureThreshold) return { state: "open", failures, retryAt: now + config.coolDownMs };
      return { state: "closed", failures, streakStartedAt };
    }
    case "open":
      // A hangup admitted before the circuit opened, failing late: the cool-down already runs.
      return { ...breaker, failures: breaker.failures + 1 };
    case "half_open":
      return { state: "open", failures: breaker.failures + 1, retryAt: now + config.coolDownMs };
  }
}

/** What a finished send tells the breaker about the provider. */
export function hangupResult(reading: Reading): HangupResult {
  const providerDown = reading.status === "failed" && reading.retryable === true && !reading.credentialsRejected;
  return providerDown ? "failure" : "success";
}
