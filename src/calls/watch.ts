/**
 * Automatic termination from the call's side, as pure functions: the policy event a watched call is,
 * and when its Durable Object must look at it again. The decision itself is the policy engine's
 * (../policy/evaluate.ts); this only feeds it and reads the clock off it.
 *
 * Policy changes reach calls already registered by re-checking, not fan-out: a watched call wakes at
 * its deadline and at least every POLICY_RECHECK_MS, and re-evaluates against the policy in force then.
 */
import type { Decision, PolicyEvent } from "../policy/types";
import { watchEndsAt, watchExpired, type Registration, type StoredCall } from "./stored-call";
import { POLICY_RECHECK_MS } from "./timings";

/** Flags as the policy compares them: case-insensitively, so stored lower-case and once each. */
export function normalizeFlags(flags: readonly string[]): string[] {
  return [...new Set(flags.map((flag) => flag.toLowerCase()))];
}

export function watchEvent(call: StoredCall, now: number): PolicyEvent {
  return {
    kind: "call",
    tenant: call.tenant,
    connection: call.connection,
    provider: call.provider,
    call: {
      call_id: call.call_id,
      ...(call.details ? { started_at: call.details.started_at } : {}),
      flags: call.flags,
      ...(call.details?.from ? { from: call.details.from } : {}),
      ...(call.details?.to ? { to: call.details.to } : {}),
    },
    now,
  };
}

/**
 * When the watched call must next be evaluated: at its deadline, at the next policy re-check, or at its
 * automatic retry, whichever comes first, never after the watch ends; null once the last evaluation is done.
 */
export function watchWakeAt(registration: Registration, retryAt: string | null): number | null {
  if (watchExpired(registration)) return null;
  const deadline = registration.decision.deadline === null ? Infinity : Date.parse(registration.decision.deadline);
  const retry = retryAt === null ? Infinity : Date.parse(retryAt);
  return Math.min(Date.parse(registration.evaluated_at) + POLICY_RECHECK_MS, deadline, retry, watchEndsAt(registration));
}

/** What an event in the call's record says about a decision: enough to follow it, not the full trace. */
export function decisionSummary(decision: Decision): Record<string, {} | null> {
  return { policy_version: decision.policy_version, terminate: decision.terminate, deadline: decision.deadline, protected: decision.protected };
}

/** Does a re-evaluation change anything worth an event (rather than every minute's identical re-check)? */
export function decisionChanged(before: Decision, after: Decision): boolean {
  return JSON.stringify(decisionSummary(before)) !== JSON.stringify(decisionSummary(after));
}
