/**
 * What the call's object hears about the call besides hangups — a registration, flags, its end, a
 * provider's event — as pure transitions of the stored call. The object stores their result and lets its
 * duties act on it (the watch judges the call at once).
 */
import { appendEvent, eventText } from "./events";
import { decisionSummary } from "./judge";
import type { LifecycleFact } from "./lifecycle";
import type { LifecycleEvent } from "../providers/lifecycle/event";
import type { ProviderEventCommand, RegisterCommand } from "./rpc";
import { MAX_FLAGS_PER_CALL } from "./schemas";
import { finalOutcome, isOver, newStoredCall, type Registration, type StoredCall } from "./stored-call";
import { learn, tellStarted } from "./story";
import type { TenantFacts } from "./tenant-facts";

const iso = (ms: number) => new Date(ms).toISOString();

function registered(call: StoredCall, details: StoredCall["details"] & {}, flags: readonly string[], registration: Registration, reconcile: boolean): StoredCall {
  return {
    ...call,
    reconcile: { ...call.reconcile, enabled: reconcile },
    registered: true,
    details,
    flags: [...new Set([...call.flags, ...flags])].slice(0, MAX_FLAGS_PER_CALL),
    registration,
  };
}

export type Registering = { kind: "register"; call: StoredCall } | { kind: "flags"; flags: string[] } | { kind: "replay" } | { kind: "conflict"; detail: string };

export function register(call: StoredCall | null, command: RegisterCommand, facts: TenantFacts, now: number): Registering {
  if (call?.registration) {
    // A call the provider's events registered: the tenant's registration adds its flags, as a signal would.
    if (call.registration.source === "provider_event") return { kind: "flags", flags: command.flags };
    return call.registration.fingerprint === command.fingerprint
      ? { kind: "replay" }
      : { kind: "conflict", detail: "This call is already registered with different details; send flags or its end to /signals." };
  }
  if (call && finalOutcome(call)) {
    return { kind: "conflict", detail: "This call was hung up before it was registered, so there is nothing to watch; GET it for the outcome." };
  }
  const at = iso(now);
  const details = { started_at: command.started_at, answered_at: command.answered_at, from: command.from, to: command.to, metadata: command.metadata };
  const registration: Registration = { source: "api", fingerprint: command.fingerprint, registered_at: at, decision: command.decision, evaluated_at: at, extended_until: null };
  let next = registered(call ?? newStoredCall(command, at), details, command.flags, registration, command.reconcile);
  next = appendEvent(next, { at, type: "call.registered", data: decisionSummary(command.decision) });
  next = tellStarted(next, facts, at);
  return { kind: "register", call: learn(next, { state: command.answered_at ? "answered" : "initiated", at, startedAt: command.started_at, answeredAt: command.answered_at }, facts, at) };
}

export type Flagging = { kind: "flagged"; call: StoredCall; added: string[] } | { kind: "too_many_flags" };

export function addFlags(call: StoredCall, flags: readonly string[], now: number): Flagging {
  const added = flags.filter((flag) => !call.flags.includes(flag));
  if (call.flags.length + added.length > MAX_FLAGS_PER_CALL) return { kind: "too_many_flags" };
  if (!added.length) return { kind: "flagged", call, added };
  return { kind: "flagged", call: appendEvent({ ...call, flags: [...call.flags, ...added] }, { at: iso(now), type: "call.flagged", data: { flags: added } }), added };
}

/** The tenant says the call is over; a call over for good stays as it was (a round in flight still settles itself). */
export function endBySignal(call: StoredCall, facts: TenantFacts, now: number): StoredCall {
  return isOver(call) ? call : learn(call, { state: "ended", at: iso(now), source: "signal" }, facts, iso(now));
}

function eventFact(event: LifecycleEvent, now: string): LifecycleFact {
  const { startedAt, answeredAt, endedAt, durationSeconds, cause, endedBy, providerCause } = event;
  return { state: event.state, at: event.occurredAt ?? now, startedAt, answeredAt, endedAt, durationSeconds, cause, endedBy, providerCause, source: "callback" };
}

export type Hearing = { kind: "recorded"; call: StoredCall } | { kind: "registered"; call: StoredCall } | { kind: "unknown" };

/**
 * A provider's event: recorded (bounded), and learned into the lifecycle. About a call the gateway has not
 * registered, on a connection that watches every call, it registers the call with the event's numbers and times.
 */
export function hearEvent(call: StoredCall | null, command: ProviderEventCommand, facts: TenantFacts, now: number): Hearing {
  const at = iso(now);
  const { event } = command;
  const registers = command.register !== null && !call?.registration && !(call && isOver(call));
  if (!call && !registers) return { kind: "unknown" };
  let next = call ?? newStoredCall(command, at);
  if (registers) {
    const startedAt = event.startedAt ?? event.answeredAt ?? event.occurredAt ?? at;
    const details = { started_at: startedAt, answered_at: event.answeredAt ?? null, from: event.from, to: event.to, metadata: null };
    const registration: Registration = { source: "provider_event", fingerprint: null, registered_at: at, decision: command.register!.decision, evaluated_at: at, extended_until: null };
    next = registered(next, details, [], registration, command.register!.reconcile);
    next = appendEvent(next, { at, type: "call.registered", data: { source: "provider_event", ...decisionSummary(command.register!.decision) } });
    next = tellStarted(next, facts, at);
  }
  const status = eventText(event.providerStatus);
  next = appendEvent(next, { at, type: "callback.received", data: { status, state: event.state, ended: event.state === "ended" } });
  next = { ...learn(next, eventFact(event, at), facts, at, { status }), provider_heard_at: at };
  return { kind: registers ? "registered" : "recorded", call: next };
}
