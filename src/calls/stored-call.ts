/**
 * The one document a call's Durable Object keeps: who the call is, what was registered about it, every
 * hangup round, the outcome webhooks still to deliver, and a bounded event log. It is stored whole in
 * one row (./call-store.ts) and read through the pure functions below; the record the API returns is
 * derived from it (./record.ts).
 */
import type { Decision } from "../policy/types";
import type { AttemptLog } from "../providers/send-hangup";
import type { HangupOutcome, HangupSource } from "../vocabulary";
import { isFinal } from "../vocabulary";
import type { CallEvent } from "./events";
import type { OutboxMessage } from "./outbox";
import { POLICY_RECHECK_MS, WATCH_LIMIT_MS } from "./timings";

/** A JSON object read back from storage (see ./schemas.ts for why its values are `{} | null`). */
export type JsonObject = Record<string, {} | null>;

/** Who the call belongs to; the object's name is derived from the same three ids. */
export interface CallIdentity {
  tenant: string;
  connection: string;
  call_id: string;
  provider: string;
}

/** What a registration says about a call beyond who it belongs to. */
export interface CallDetails {
  /** ISO-8601 UTC. */
  started_at: string;
  from: string | null;
  to: string | null;
  metadata: JsonObject | null;
}

export interface Registration {
  /** Hash of the registration request, to tell its retry from a different registration. */
  fingerprint: string;
  registered_at: string;
  /** The latest automatic-termination decision (kind "call"). */
  decision: Decision;
  evaluated_at: string;
}

/** One attempt to hang the call up: one operation at the provider, with its own bounded retries. */
export interface Round {
  n: number;
  /** Stable for the round across retries and restarts (Telnyx `command_id`, the webhook id). */
  operation_id: string;
  source: HangupSource;
  /** The bulk hangup job that asked for this round, if one did (a resumed job gets its own outcome replayed). */
  bulk_job?: string;
  reason: string | null;
  decision: Decision | null;
  requested_at: string;
  status: "pending" | "completed";
  completed_at: string | null;
  outcome: HangupOutcome | null;
  attempts: AttemptLog[];
}

/** A watched call's automatic hangup keeps failing: when the object tries again. */
export interface AutomaticRetry {
  /** Failed automatic rounds in a row. */
  failures: number;
  next_at: string;
}

export interface StoredCall extends CallIdentity {
  registered: boolean;
  /** Set by the registration; null for a call only ever hung up. */
  details: CallDetails | null;
  /** Lower-case, without duplicates (the policy compares flags case-insensitively), at most MAX_FLAGS_PER_CALL. */
  flags: string[];
  registration: Registration | null;
  /** Reported over (signal or callback), as opposed to hung up. */
  ended: { at: string; source: "signal" | "callback" } | null;
  /** The latest rounds, oldest first; `rounds_omitted` older ones were dropped to keep the record small. */
  rounds: Round[];
  rounds_omitted: number;
  retry: AutomaticRetry | null;
  /** Idempotency-Key → the round that answered it (the latest MAX_IDEMPOTENCY_KEYS). */
  idempotency: { key: string; fingerprint: string; round: number }[];
  outbox: OutboxMessage[];
  events: CallEvent[];
  events_omitted: Record<string, number>;
  /** Alarm runs in a row in which a duty threw (they back off). */
  alarm_failures: number;
  /** Grows with every change (never below the clock, so a call deleted and seen again keeps growing). */
  version: number;
  created_at: string;
  updated_at: string;
}

export function newStoredCall(identity: CallIdentity, now: string): StoredCall {
  return {
    tenant: identity.tenant,
    connection: identity.connection,
    call_id: identity.call_id,
    provider: identity.provider,
    registered: false,
    details: null,
    flags: [],
    registration: null,
    ended: null,
    rounds: [],
    rounds_omitted: 0,
    retry: null,
    idempotency: [],
    outbox: [],
    events: [],
    events_omitted: {},
    alarm_failures: 0,
    version: 0,
    created_at: now,
    updated_at: now,
  };
}

export function identityOf(call: StoredCall): CallIdentity {
  return { tenant: call.tenant, connection: call.connection, call_id: call.call_id, provider: call.provider };
}

export function latestRound(call: StoredCall): Round | null {
  return call.rounds.at(-1) ?? null;
}

export function pendingRound(call: StoredCall): Round | null {
  const round = latestRound(call);
  return round?.status === "pending" ? round : null;
}

/** The outcome that ended the call for good, if a round produced one. */
export function finalOutcome(call: StoredCall): HangupOutcome | null {
  const outcome = latestRound(call)?.outcome;
  return outcome && isFinal(outcome.status) ? outcome : null;
}

export type CallState = "live" | "hanging_up" | "ended";

export function callState(call: StoredCall): CallState {
  if (call.ended || finalOutcome(call)) return "ended";
  return pendingRound(call) ? "hanging_up" : "live";
}

/** Settled: nothing about the call can change by itself any more (retention starts counting). */
export function isSettled(call: StoredCall): boolean {
  return callState(call) === "ended";
}

/**
 * When the watch ends if the call's end is never reported: WATCH_LIMIT_MS after registration, or later
 * when a max_duration deadline lies beyond that, so that every rule the policy accepts can be enforced.
 */
export function watchEndsAt(registration: Registration): number {
  const deadline = registration.decision.deadline === null ? 0 : Date.parse(registration.decision.deadline) + POLICY_RECHECK_MS;
  return Math.max(Date.parse(registration.registered_at) + WATCH_LIMIT_MS, deadline);
}

/** Has the watch run its course? The evaluation at its end is the last one. */
export function watchExpired(registration: Registration): boolean {
  return Date.parse(registration.evaluated_at) >= watchEndsAt(registration);
}

/** A call the policy watches: registered, neither ended nor finally hung up, watch not run out. */
export function watchedRegistration(call: StoredCall): Registration | null {
  const registration = call.registration;
  if (!registration || !call.details || isSettled(call) || watchExpired(registration)) return null;
  return registration;
}
