/**
 * Automatic termination from the call's side, as pure functions: the policy event a watched call is,
 * and when its Durable Object must look at it again. The decision itself is the policy engine's
 * (../policy/evaluate.ts); this only feeds it and reads the clock off it.
 *
 * Policy changes reach calls already registered by polling, not fan-out: a watched call wakes at its
 * deadline and at least every POLICY_RECHECK_MS, and re-evaluates against the policy in force then. So
 * a publish (a lowered max_duration, a new fraud rule) holds every live call within that bound plus
 * the policy's own propagation, with no index of live calls to keep consistent with the calls.
 */
import type { Decision, PolicyEvent } from "../policy/types";
import type { RegistrationRecord, WatchedCall } from "./model";

/** How often a watched call re-reads the policy, so that a publish reaches calls already registered. */
export const POLICY_RECHECK_MS = 60_000;

/**
 * How long a registered call is watched at most: far beyond the 4-hour default call limit of Twilio and
 * Plivo, so that a call whose end is never reported (no `ended` signal, no callback) does not cost a
 * wake-up a minute forever.
 */
export const WATCH_LIMIT_MS = 48 * 3_600_000;

/** Flags as the policy compares them: case-insensitively, so stored lower-case and once each. */
export function normalizeFlags(flags: readonly string[]): string[] {
  return [...new Set(flags.map((flag) => flag.toLowerCase()))];
}

export function watchEvent(call: WatchedCall, now: number): PolicyEvent {
  return {
    kind: "call",
    tenant: call.tenant,
    connection: call.connection,
    provider: call.provider,
    call: {
      call_id: call.call_id,
      started_at: call.started_at,
      flags: call.flags,
      ...(call.from !== null ? { from: call.from } : {}),
      ...(call.to !== null ? { to: call.to } : {}),
    },
    now,
  };
}

function watchEndsAt(registration: RegistrationRecord): number {
  return Date.parse(registration.registered_at) + WATCH_LIMIT_MS;
}

/** Has the watch run its course? The evaluation at its end is the last one. */
export function watchExpired(registration: RegistrationRecord): boolean {
  return Date.parse(registration.evaluated_at) >= watchEndsAt(registration);
}

/**
 * When the call must next be evaluated: at its deadline or at the next policy re-check, whichever
 * comes first, never after the watch ends; null once the last evaluation is done.
 */
export function watchWakeAt(registration: RegistrationRecord): number | null {
  if (watchExpired(registration)) return null;
  const deadline = registration.decision.deadline === null ? Infinity : Date.parse(registration.decision.deadline);
  return Math.min(Date.parse(registration.evaluated_at) + POLICY_RECHECK_MS, deadline, watchEndsAt(registration));
}

/** What an event in the call's record says about a decision: enough to follow it, not the full trace. */
export function decisionSummary(decision: Decision): Record<string, unknown> {
  return { policy_version: decision.policy_version, terminate: decision.terminate, deadline: decision.deadline, protected: decision.protected };
}

/** Does a re-evaluation change anything worth an event (rather than every minute's identical re-check)? */
export function decisionChanged(before: Decision, after: Decision): boolean {
  return JSON.stringify(decisionSummary(before)) !== JSON.stringify(decisionSummary(after));
}
