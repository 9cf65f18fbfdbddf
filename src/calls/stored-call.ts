/**
 * The one document a call's Durable Object keeps: who the call is, what was registered about it, every
 * hangup round, the outcome webhooks still to deliver, a bounded event log, and every clock its duties
 * are due by (a round's lease, the automatic retry, the index report, the alarm's backoff). It is stored
 * whole in one row (./call-store.ts) and read through the pure functions below, so when each duty is next
 * due is a function of this document alone. The record the API returns is derived from it (./record.ts).
 */
import type { CounterNeed } from "../policy/counters";
import type { Decision } from "../policy/types";
import type { AttemptLog } from "../providers/send-hangup";
import type { OutboxMessage } from "../webhooks/outbox";
import { isFinal, type HangupOutcome, type HangupSource } from "../vocabulary";
import type { CallEvent, JsonObject } from "./events";
import { newLifecycle, type Lifecycle } from "./lifecycle";
import { POLICY_RECHECK_MS, WATCH_LIMIT_MS } from "./timings";

export type { JsonObject };

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
  /** When the call was answered, if the registration or a provider event said so (max_duration counts from it). */
  answered_at: string | null;
  from: string | null;
  to: string | null;
  metadata: JsonObject | null;
}

export interface Registration {
  /** `api`: POST /v1/calls; `provider_event`: a provider's callback about a call the gateway had not seen. */
  source: "api" | "provider_event";
  /** Hash of the registration request, to tell its retry from a different registration (null from an event). */
  fingerprint: string | null;
  registered_at: string;
  /** The latest automatic-termination decision (kind "call"). */
  decision: Decision;
  /** When the policy last judged the call: remembered, not written, when the judgement changed nothing. */
  evaluated_at: string;
  /** The provider said the call was still live as its watch neared its end: watched until then at least. */
  extended_until: string | null;
}

/** One attempt to hang the call up: one operation at the provider, with its own bounded retries. */
export interface Round {
  n: number;
  /** Stable for the round across retries and restarts (Telnyx `command_id`, the webhook id). */
  operation_id: string;
  source: HangupSource;
  reason: string | null;
  decision: Decision | null;
  /** The bulk hangup job that asked for this round, if one did. */
  bulk_job: string | null;
  requested_at: string;
  status: "pending" | "completed";
  /** While pending: the instance sending it is presumed alive until then; after it, the round is sent again. */
  lease_until: string | null;
  completed_at: string | null;
  outcome: HangupOutcome | null;
  attempts: AttemptLog[];
  /**
   * When a provider's word that the call ended came in while this round was in flight: the round's answer
   * says who ended it, so `call.ended` waits for it (./story.ts). Absent otherwise.
   */
  end_heard_at?: string;
}

/** One status read at the provider, as the record lists it. */
export interface Reconciliation {
  at: string;
  http_status: number | null;
  said: "live" | "ended" | "unknown" | "error";
}

/** The watch still wants the call ended after a failed round: when the object tries again. */
export interface AutomaticRetry {
  /** Failed rounds in a row since the watch began wanting the call ended. */
  failures: number;
  next_at: string;
  /** The failed round this retry follows. */
  round: number;
}

export interface StoredCall extends CallIdentity {
  /** Made once with the call: names its webhook messages (`msg_{uid}.ended`), the same whoever re-sends a fact. */
  uid: string;
  registered: boolean;
  /** Set by the registration; null for a call only ever hung up. */
  details: CallDetails | null;
  /** Lower-case, without duplicates (the policy compares flags case-insensitively), at most MAX_FLAGS_PER_CALL. */
  flags: string[];
  registration: Registration | null;
  /** The call's life as the gateway learned it (./lifecycle.ts): ended by a provider event, a signal, a status read or a final hangup. */
  lifecycle: Lifecycle;
  /** When the provider last told anything about the call (a callback); reconciliation counts from it. */
  provider_heard_at: string | null;
  /**
   * Reconciliation: whether the call's connection reads status at its provider (set at registration, cleared
   * when the connection stops), the reads so far (the latest MAX_RECONCILIATIONS), and after a failed read
   * when to try again.
   */
  reconcile: { enabled: boolean; failures: number; retry_at: string | null; reads: Reconciliation[] };
  /**
   * The places the call holds in the policy's counters (concurrency, velocity: src/counters/), written
   * before they are taken; freed once the call is no longer watched, by whatever path it ended.
   */
  places: CounterNeed[];
  /** The latest rounds, oldest first; `rounds_omitted` older ones were dropped to keep the record small. */
  rounds: Round[];
  rounds_omitted: number;
  retry: AutomaticRetry | null;
  /** Idempotency-Key → the round that answered it (the latest MAX_IDEMPOTENCY_KEYS). */
  idempotency: { key: string; fingerprint: string; round: number }[];
  outbox: OutboxMessage[];
  events: CallEvent[];
  events_omitted: Record<string, number>;
  /** Alarm runs in a row in which a duty threw, and no alarm before `backoff_until`. */
  alarm: { failures: number; backoff_until: string | null };
  /**
   * The call index's copy: the highest version sent to it (remembered, not written: a new instance sends
   * the latest again, which the index ignores if it has it) and, after a failed send, when to send again.
   */
  index: { reported: number; retry_at: string | null };
  /** Grows with every change (never below the clock, so a call deleted and seen again keeps growing). */
  version: number;
  created_at: string;
  updated_at: string;
}

export function newStoredCall(identity: CallIdentity, now: string): StoredCall {
  return {
    uid: crypto.randomUUID(),
    tenant: identity.tenant,
    connection: identity.connection,
    call_id: identity.call_id,
    provider: identity.provider,
    registered: false,
    details: null,
    flags: [],
    registration: null,
    lifecycle: newLifecycle(null, null, now),
    provider_heard_at: null,
    reconcile: { enabled: false, failures: 0, retry_at: null, reads: [] },
    places: [],
    rounds: [],
    rounds_omitted: 0,
    retry: null,
    idempotency: [],
    outbox: [],
    events: [],
    events_omitted: {},
    alarm: { failures: 0, backoff_until: null },
    index: { reported: 0, retry_at: null },
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

/** The round that ended the call for good, if one did. */
export function finalRound(call: StoredCall): Round | null {
  const round = latestRound(call);
  return round?.outcome && isFinal(round.outcome.status) ? round : null;
}

export function finalOutcome(call: StoredCall): HangupOutcome | null {
  return finalRound(call)?.outcome ?? null;
}

export type CallState = "live" | "hanging_up" | "ended";

/** Reported over (a provider event, a signal, a status read) or hung up for good. */
export function isOver(call: StoredCall): boolean {
  return call.lifecycle.state === "ended" || finalOutcome(call) !== null;
}

export function callState(call: StoredCall): CallState {
  if (isOver(call)) return "ended";
  return pendingRound(call) ? "hanging_up" : "live";
}

/**
 * When the watch ends if the call's end is never reported: WATCH_LIMIT_MS after registration, or later
 * when a max_duration deadline lies beyond that, so that every rule the policy accepts can be enforced.
 */
export function watchEndsAt(registration: Registration): number {
  const deadline = registration.decision.deadline === null ? 0 : Date.parse(registration.decision.deadline) + POLICY_RECHECK_MS;
  const extended = registration.extended_until === null ? 0 : Date.parse(registration.extended_until);
  return Math.max(Date.parse(registration.registered_at) + WATCH_LIMIT_MS, deadline, extended);
}

/** Has the watch run its course? The evaluation at its end is the last one. */
export function watchExpired(registration: Registration): boolean {
  return Date.parse(registration.evaluated_at) >= watchEndsAt(registration);
}

/** A call the policy watches: registered, neither ended nor finally hung up, watch not run out. */
export function watchedRegistration(call: StoredCall): Registration | null {
  const registration = call.registration;
  if (!registration || !call.details || isOver(call) || watchExpired(registration)) return null;
  return registration;
}

/**
 * When the call's storage goes: `retention` after its last change, once nothing can change it by itself
 * any more — settled, or no longer watched (a watch that ran out without news of the end, a call never
 * registered whose rounds failed). Null while a round is pending or the call is watched.
 */
export function retainedUntil(call: StoredCall, retention: number): number | null {
  if (pendingRound(call) || watchedRegistration(call) || call.places.length) return null;
  return Date.parse(call.updated_at) + retention;
}
