/**
 * A call's lifecycle, as a pure state machine: initiated → ringing → answered → ended, never backwards.
 * Facts come from the provider's events, a tenant's signal or registration, a status read
 * (reconciliation) or a final hangup outcome. The same fact twice changes nothing; a fact about an
 * earlier state arriving late only fills details still unknown (an `answered_at`, an end's cause); a second
 * end is not an end. What the gateway newly learned (started, answered, ended) is what it tells the tenant.
 */

import { LIFECYCLE_STATES, type CallCause, type EndedBy, type LifecycleState } from "../providers/lifecycle/vocabulary";

/** What ended the call: a provider callback, a tenant's signal, a status read, or this gateway's hangup. */
export type EndSource = "callback" | "signal" | "reconcile" | "hangup";

/** One transition, for the record's timeline (at most one per state). */
export interface LifecycleStep {
  state: LifecycleState;
  at: string;
}

export interface Lifecycle {
  state: LifecycleState;
  started_at: string | null;
  answered_at: string | null;
  ended_at: string | null;
  /** From answer to end; null if never answered. */
  duration_seconds: number | null;
  cause: CallCause | null;
  ended_by: EndedBy | null;
  /** The provider's own words for the end (Plivo's HangupCause, Telnyx's sip_hangup_cause …). */
  provider_cause: string | null;
  source: EndSource | null;
  timeline: LifecycleStep[];
}

/** Something learned about the call; every field but `state` and `at` may be unknown. */
export interface LifecycleFact {
  state: LifecycleState;
  /** When it happened (the provider's time when it gives one, else when the gateway learned it). */
  at: string;
  startedAt?: string | null;
  answeredAt?: string | null;
  endedAt?: string | null;
  durationSeconds?: number | null;
  cause?: CallCause | null;
  endedBy?: EndedBy | null;
  providerCause?: string | null;
  /** For an end: where it came from. */
  source?: EndSource;
}

/** What a fact taught the gateway, in the order it learned it: each at most once per call. */
export type Learned = "answered" | "ended";

export function newLifecycle(startedAt: string | null, answeredAt: string | null, at: string): Lifecycle {
  const state: LifecycleState = answeredAt ? "answered" : "initiated";
  return {
    state,
    started_at: startedAt,
    answered_at: answeredAt,
    ended_at: null,
    duration_seconds: null,
    cause: null,
    ended_by: null,
    provider_cause: null,
    source: null,
    timeline: [{ state: "initiated", at: startedAt ?? at }, ...(answeredAt ? [{ state: "answered" as const, at: answeredAt }] : [])],
  };
}

const rank = (state: LifecycleState) => LIFECYCLE_STATES.indexOf(state);

function durationOf(answeredAt: string | null, endedAt: string, given: number | null | undefined): number | null {
  if (!answeredAt) return null;
  if (given !== undefined && given !== null) return given;
  return Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(answeredAt)) / 1000));
}

/** The lifecycle after `fact`, and what it newly taught; the very same object when it taught nothing. */
export function applyFact(lifecycle: Lifecycle, fact: LifecycleFact): { lifecycle: Lifecycle; learned: Learned[] } {
  const learned: Learned[] = [];
  let next = lifecycle;
  const fill = <K extends keyof Lifecycle>(key: K, value: Lifecycle[K] | undefined) => {
    if (value !== undefined && value !== null && (next[key] === null || next[key] === undefined)) next = { ...next, [key]: value };
  };

  fill("started_at", fact.startedAt);
  const answeredAt = fact.answeredAt ?? (fact.state === "answered" ? fact.at : undefined);
  // An answer the gateway did not know of: learned even when the end tells it (Plivo's AnswerTime).
  if (answeredAt && next.answered_at === null && next.state !== "ended") {
    next = { ...next, answered_at: answeredAt };
    learned.push("answered");
  }

  if (rank(fact.state) > rank(next.state)) {
    next = { ...next, state: fact.state, timeline: [...next.timeline, { state: fact.state, at: fact.state === "answered" ? (answeredAt ?? fact.at) : fact.at }] };
    if (fact.state === "ended") {
      const endedAt = fact.endedAt ?? fact.at;
      next = {
        ...next,
        ended_at: endedAt,
        duration_seconds: durationOf(next.answered_at, endedAt, fact.durationSeconds),
        cause: fact.cause ?? "unknown",
        ended_by: fact.endedBy ?? "unknown",
        provider_cause: fact.providerCause ?? null,
        source: fact.source ?? "callback",
      };
      learned.push("ended");
    }
  } else if (fact.state === "ended" && next.state === "ended") {
    // A later word on an end already known (a callback after the gateway's own hangup): details, not a second end.
    if (next.cause === "unknown" && fact.cause && fact.cause !== "unknown") next = { ...next, cause: fact.cause };
    if (next.ended_by === "unknown" && fact.endedBy && fact.endedBy !== "unknown") next = { ...next, ended_by: fact.endedBy };
    fill("provider_cause", fact.providerCause);
  }
  return { lifecycle: next, learned };
}
