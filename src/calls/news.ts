/**
 * What the call's object hears about the call besides hangups — a registration, flags, its end, a
 * provider's status callback — as pure transitions of the stored call. The object stores their result
 * and lets its duties act on it (the watch judges the call at once).
 */
import { appendEvent, eventText } from "./events";
import { decisionSummary } from "./judge";
import { MAX_FLAGS_PER_CALL } from "./schemas";
import type { ProviderStatus, RegisterCommand } from "./rpc";
import { finalOutcome, newStoredCall, type StoredCall } from "./stored-call";

const iso = (ms: number) => new Date(ms).toISOString();

export type Registering = { kind: "register"; call: StoredCall } | { kind: "replay" } | { kind: "conflict"; detail: string };

export function register(call: StoredCall | null, command: RegisterCommand, now: number): Registering {
  if (call?.registration) {
    return call.registration.fingerprint === command.fingerprint
      ? { kind: "replay" }
      : { kind: "conflict", detail: "This call is already registered with different details; send flags or its end to /signals." };
  }
  if (call && finalOutcome(call)) {
    return { kind: "conflict", detail: "This call was hung up before it was registered, so there is nothing to watch; GET it for the outcome." };
  }
  const at = iso(now);
  const base = call ?? newStoredCall(command, at);
  const registered: StoredCall = {
    ...base,
    registered: true,
    details: { started_at: command.started_at, from: command.from, to: command.to, metadata: command.metadata },
    flags: [...new Set([...base.flags, ...command.flags])].slice(0, MAX_FLAGS_PER_CALL),
    registration: { fingerprint: command.fingerprint, registered_at: at, decision: command.decision, evaluated_at: at },
  };
  return { kind: "register", call: appendEvent(registered, { at, type: "call.registered", data: decisionSummary(command.decision) }) };
}

export type Flagging = { kind: "flagged"; call: StoredCall; added: string[] } | { kind: "too_many_flags" };

export function addFlags(call: StoredCall, flags: readonly string[], now: number): Flagging {
  const added = flags.filter((flag) => !call.flags.includes(flag));
  if (call.flags.length + added.length > MAX_FLAGS_PER_CALL) return { kind: "too_many_flags" };
  if (!added.length) return { kind: "flagged", call, added };
  return { kind: "flagged", call: appendEvent({ ...call, flags: [...call.flags, ...added] }, { at: iso(now), type: "call.flagged", data: { flags: added } }), added };
}

/** The call reported over; a call over for good stays as it was (a round in flight still settles itself). */
export function endCall(call: StoredCall, how: { source: "signal" } | { source: "callback"; status: string }, now: number): StoredCall {
  if (call.ended || finalOutcome(call)) return call;
  const at = iso(now);
  return appendEvent({ ...call, ended: { at, source: how.source }, retry: null }, { at, type: "call.ended", data: how });
}

/** A status callback: recorded as an event (bounded), and the call's end when it says so. */
export function hearCallback(call: StoredCall, status: ProviderStatus, now: number): StoredCall {
  const heard = appendEvent(call, { at: iso(now), type: "callback.received", data: { status: eventText(status.status), ended: status.ended } });
  return status.ended ? endCall(heard, { source: "callback", status: eventText(status.status) }, now) : heard;
}
