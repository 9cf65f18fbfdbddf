/**
 * Automatic termination from the call's side, as pure functions: the policy event a watched call is, the
 * judgement of it (a new decision, and whether it changed anything worth storing), and when the watch
 * must look at it again. The decision itself is the policy engine's (../policy/evaluate.ts).
 *
 * Policy changes reach calls already registered by re-checking, not fan-out: a watched call wakes at
 * its deadline and at least every POLICY_RECHECK_MS, and re-evaluates against the policy in force then.
 * A re-check that changes nothing is remembered, not written (README, "Automatic termination").
 */
import { evaluate } from "../policy/evaluate";
import type { CompiledPolicy } from "../policy/compile";
import type { Counts, Decision, PolicyEvent } from "../policy/types";
import { appendEvent } from "./events";
import { watchEndsAt, watchExpired, watchedRegistration, type Registration, type StoredCall } from "./stored-call";
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
      ...(call.lifecycle.answered_at ? { answered_at: call.lifecycle.answered_at } : {}),
      flags: call.flags,
      ...(call.details?.from ? { from: call.details.from } : {}),
      ...(call.details?.to ? { to: call.details.to } : {}),
    },
    now,
  };
}

/** When the watched call must next be judged: its deadline, the next re-check, or the watch's end. */
export function watchWakeAt(registration: Registration): number | null {
  if (watchExpired(registration)) return null;
  const deadline = registration.decision.deadline === null ? Infinity : Date.parse(registration.decision.deadline);
  return Math.min(Date.parse(registration.evaluated_at) + POLICY_RECHECK_MS, deadline, watchEndsAt(registration));
}

/** What an event in the call's record says about a decision: enough to follow it, not the full trace. */
export function decisionSummary(decision: Decision): Record<string, {} | null> {
  return { policy_version: decision.policy_version, terminate: decision.terminate, deadline: decision.deadline, protected: decision.protected };
}

/** Does a re-evaluation change anything worth storing (rather than every minute's identical re-check)? */
export function decisionChanged(before: Decision, after: Decision): boolean {
  return JSON.stringify(decisionSummary(before)) !== JSON.stringify(decisionSummary(after));
}

export interface Judgement {
  call: StoredCall;
  decision: Decision;
  /** Worth a write: the decision, the retry or the watch changed. */
  changed: boolean;
}

/** The watched call judged under `policy` now, with the counts its counters answered; null for a call no longer watched. */
export function judge(call: StoredCall, policy: CompiledPolicy | null, now: number, counts: Counts = {}): Judgement | null {
  const registration = watchedRegistration(call);
  if (!registration) return null;
  const at = new Date(now).toISOString();
  const decision = evaluate(policy, watchEvent(call, now), counts);
  let next: StoredCall = { ...call, registration: { ...registration, decision, evaluated_at: at } };
  let changed = decisionChanged(registration.decision, decision);
  if (changed) next = appendEvent(next, { at, type: "policy.reevaluated", data: decisionSummary(decision) });
  if (!decision.terminate) {
    // The policy no longer asks for this call's end (a rule was withdrawn): nothing left to retry.
    if (next.retry) {
      next = { ...next, retry: null };
      changed = true;
    }
    if (watchExpired(next.registration!)) {
      next = appendEvent(next, { at, type: "watch.expired", data: { reason: "the call was watched for its maximum time without its end being reported" } });
      changed = true;
    }
  }
  return { call: next, decision, changed };
}
