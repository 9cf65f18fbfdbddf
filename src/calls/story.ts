/**
 * A call's story as the tenant hears it: what the gateway learns about the call (./lifecycle.ts) goes into
 * its record and, for the types the tenant wants, into its webhook outbox — `call.started` once when the
 * gateway first knows of the call (a registration or a provider event), `call.answered` and `call.ended`
 * once each, in the order learned, each with an id (`msg_{uid}.{fact}`) that no re-sent fact can change.
 * A call only ever hung up, never registered nor heard of from its provider, has no story to tell.
 */
import { isFinal, type HangupOutcome } from "../vocabulary";
import { enqueue, newMessage } from "../webhooks/outbox";
import { appendEvent } from "./events";
import { applyFact, type LifecycleFact } from "./lifecycle";
import { pendingRound, type StoredCall } from "./stored-call";
import type { TenantFacts } from "./tenant-facts";

type StoryType = "call.started" | "call.answered" | "call.ended";

function tell(call: StoredCall, type: StoryType, timestamp: string, data: object, facts: TenantFacts): StoredCall {
  if (!call.registration || !facts.webhookEvents.has(type)) return call;
  const id = `msg_${call.uid}.${type.slice("call.".length)}`;
  return { ...call, outbox: enqueue(call.outbox, newMessage(id, type, timestamp, { call_id: call.call_id, connection: call.connection, provider: call.provider, ...data }, true)) };
}

/** The gateway first knows of the call: registered through the API or from a provider's event. */
export function tellStarted(call: StoredCall, facts: TenantFacts, now: string): StoredCall {
  const source = call.registration?.source ?? "api";
  return tell(call, "call.started", now, { from: call.details?.from ?? null, to: call.details?.to ?? null, started_at: call.details?.started_at ?? null, source }, facts);
}

/**
 * The call with `fact` learned: its lifecycle moved on (never back), and the tenant told what is new.
 * `said`: what the source said in its own words, kept with the end's event (a callback's status).
 */
export function learn(call: StoredCall, fact: LifecycleFact, facts: TenantFacts, now: string, said: Record<string, string> = {}): StoredCall {
  const { lifecycle, learned } = applyFact(call.lifecycle, fact);
  if (lifecycle === call.lifecycle) return call;
  let next: StoredCall = { ...call, lifecycle };
  for (const what of learned) {
    if (what === "answered") {
      next = tell(next, "call.answered", now, { answered_at: lifecycle.answered_at }, facts);
      continue;
    }
    const { cause, ended_by, source } = lifecycle;
    // An end stops every retry; the watch, no longer watching, stops by itself. A hangup's end is its round's event.
    next = { ...next, retry: null };
    if (source !== "hangup") next = appendEvent(next, { at: now, type: "call.ended", data: { source, ...said, cause, ended_by } });
    // The provider's end of a call this gateway is hanging up (Twilio's `canceled` before the hangup's own
    // answer) may well be that hangup: who ended it is known once the round settles, and so is told then.
    const inFlight = source !== "hangup" ? pendingRound(next) : null;
    next = inFlight ? { ...next, rounds: next.rounds.map((r) => (r === inFlight ? { ...r, end_heard_at: now } : r)) } : tellEnded(next, now, facts);
  }
  return next;
}

function tellEnded(call: StoredCall, now: string, facts: TenantFacts): StoredCall {
  const { ended_at, duration_seconds, cause, ended_by, provider_cause, source } = call.lifecycle;
  return tell(call, "call.ended", now, { ended_at, duration_seconds, cause, ended_by, provider_cause, source }, facts);
}

/**
 * A final hangup outcome ends the story too: cut by this gateway, or found over by the provider. `call`
 * has the round that gave `outcome` settled; an end heard while it was in flight is told now, with who
 * ended the call as the outcome says (a failed round tells it as the provider said it).
 */
export function learnOutcome(call: StoredCall, outcome: HangupOutcome, facts: TenantFacts): StoredCall {
  const heard = call.rounds.at(-1)?.end_heard_at;
  let next = call;
  if (isFinal(outcome.status)) {
    const cut = outcome.status === "terminated";
    const fact = { state: "ended" as const, at: outcome.completed_at, source: "hangup" as const, cause: cut ? ("completed" as const) : ("unknown" as const), endedBy: cut ? ("gateway" as const) : ("unknown" as const) };
    next = learn(call, fact, facts, outcome.completed_at);
  }
  return heard ? tellEnded(next, heard, facts) : next;
}
