/**
 * One normalized event per provider callback, whatever the provider: the shape every provider's
 * `lifecycle.ts` produces, and the one function that builds it, so that every event is bounded the same way
 * (./bounds.ts) and keeps the same invariants: `cause`, `endedBy`, `providerCause`, `endedAt` and
 * `durationSeconds` say something only about an ended call; an ended call always has a `cause` and an
 * `endedBy` (`unknown` when the provider did not say).
 */
import { e164, instantOrNull, providerWord, seconds } from "./bounds";
import type { CallCause, LifecycleState, ProviderEndedBy } from "./vocabulary";

export interface LifecycleEvent {
  /** The provider's call id, as its callback names it (the route checks it is a valid call id). */
  callId: string;
  /** The provider's own word for what happened (`completed`, `Hangup`, `call.answered`), at most 64 characters. */
  providerStatus: string;
  /** The furthest state this event proves the call reached. */
  state: LifecycleState;
  /** When the provider says the event happened (ISO-8601 UTC), or null. */
  occurredAt: string | null;
  /** The numbers in E.164, or null when the event has none that is one (a SIP URI, a client name, nothing). */
  from: string | null;
  to: string | null;
  /** When the call started, was answered, ended, as far as this event tells (ISO-8601 UTC), else null. */
  startedAt: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  /** The provider's own duration figure in whole seconds, for an ended call, or null. */
  durationSeconds: number | null;
  /** Why the call ended; null unless `state` is `ended`. */
  cause: CallCause | null;
  /** Who ended it, as far as the provider says; null unless `state` is `ended`. Never `gateway`. */
  endedBy: ProviderEndedBy | null;
  /** The provider's own cause words (Plivo `HangupCause`, Telnyx `sip_hangup_cause`), at most 64 characters. */
  providerCause: string | null;
}

/** What a provider's mapping knows about one callback; `lifecycleEvent` bounds it into a LifecycleEvent. */
export interface LifecycleFacts {
  callId: string;
  providerStatus: string;
  state: LifecycleState;
  occurredAt?: string | null;
  from?: string | null;
  to?: string | null;
  startedAt?: string | null;
  answeredAt?: string | null;
  endedAt?: string | null;
  durationSeconds?: unknown;
  cause?: CallCause | null;
  endedBy?: ProviderEndedBy | null;
  providerCause?: string | null;
}

export function lifecycleEvent(facts: LifecycleFacts): LifecycleEvent {
  const ended = facts.state === "ended";
  return {
    callId: facts.callId,
    providerStatus: providerWord(facts.providerStatus) ?? "unknown",
    state: facts.state,
    occurredAt: instantOrNull(facts.occurredAt),
    from: e164(facts.from),
    to: e164(facts.to),
    startedAt: instantOrNull(facts.startedAt),
    answeredAt: instantOrNull(facts.answeredAt),
    endedAt: ended ? instantOrNull(facts.endedAt) : null,
    durationSeconds: ended ? seconds(facts.durationSeconds) : null,
    cause: ended ? (facts.cause ?? "unknown") : null,
    endedBy: ended ? (facts.endedBy ?? "unknown") : null,
    providerCause: ended ? providerWord(facts.providerCause) : null,
  };
}
