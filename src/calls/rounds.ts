/**
 * Rounds, as pure functions over the stored call. A round is one hangup operation at the provider (with
 * its own bounded retries). `terminated`, `already_ended` and `not_found` end the call: that outcome is
 * replayed forever. `failed` ends only its round: the next request starts a new one, unless it carries an
 * Idempotency-Key this call already answered, which replays that answer. One round at a time.
 */
import { Invariant } from "../errors";
import type { Decision } from "../policy/types";
import type { AttemptLog, SendResult } from "../providers/send-hangup";
import type { HangupOutcome, HangupSource } from "../vocabulary";
import { appendEvent } from "./events";
import { identityOf, pendingRound, type Round, type StoredCall } from "./stored-call";
import { ROUND_LEASE_MS } from "./timings";

/** Rounds kept in full in the record; older ones are counted in `rounds_omitted`. */
export const MAX_ROUNDS_KEPT = 20;

/** Idempotency-Keys remembered per call; beyond it the oldest is forgotten (a new request with it starts over). */
export const MAX_IDEMPOTENCY_KEYS = 50;

export interface RoundRequest {
  source: HangupSource;
  reason: string | null;
  decision: Decision | null;
  bulk_job?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function startRound(call: StoredCall, request: RoundRequest, operationId: string, now: number): StoredCall {
  const round: Round = {
    n: call.rounds_omitted + call.rounds.length + 1,
    operation_id: operationId,
    source: request.source,
    reason: request.reason,
    decision: request.decision,
    bulk_job: request.bulk_job ?? null,
    requested_at: iso(now),
    status: "pending",
    lease_until: iso(now + ROUND_LEASE_MS),
    completed_at: null,
    outcome: null,
    attempts: [],
  };
  const rounds = [...call.rounds, round];
  const dropped = Math.max(0, rounds.length - MAX_ROUNDS_KEPT);
  const next = { ...call, rounds: rounds.slice(dropped), rounds_omitted: call.rounds_omitted + dropped };
  return appendEvent(next, { at: iso(now), type: "hangup.requested", data: { round: round.n, source: request.source, reason: request.reason } });
}

function withPendingRound(call: StoredCall, change: (round: Round) => Round): StoredCall {
  const round = pendingRound(call);
  if (!round) throw new Invariant("no round in flight");
  return { ...call, rounds: [...call.rounds.slice(0, -1), change(round)] };
}

/** The pending round taken over by this instance (its sender died): the same operation, a new lease. */
export function resumeRound(call: StoredCall, why: string, now: number): StoredCall {
  const resumed = withPendingRound(call, (round) => ({ ...round, lease_until: iso(now + ROUND_LEASE_MS) }));
  return appendEvent(resumed, { at: iso(now), type: "hangup.reconciling", data: { round: pendingRound(call)!.n, reason: why } });
}

/** A retryable attempt, stored as it happens so that a round cut short by a crash still shows it. */
export function recordAttempt(call: StoredCall, attempt: AttemptLog): StoredCall {
  return withPendingRound(call, (round) => ({ ...round, attempts: [...round.attempts, attempt] }));
}

export function completeRound(call: StoredCall, sent: SendResult, now: number): { call: StoredCall; outcome: HangupOutcome } {
  const round = pendingRound(call);
  if (!round) throw new Invariant("no round in flight");
  const { reading, httpStatus } = sent;
  const completedAt = iso(now);
  const outcome: HangupOutcome = {
    ...identityOf(call),
    status: reading.status,
    reason: round.reason,
    decision: round.decision,
    provider_response: { http_status: httpStatus, detail: reading.detail, ...(reading.code !== undefined ? { code: reading.code } : {}) },
    attempts: sent.attempts.length,
    round: round.n,
    source: round.source,
    requested_at: round.requested_at,
    completed_at: completedAt,
  };
  const completed = withPendingRound(call, (r) => ({ ...r, status: "completed", lease_until: null, completed_at: completedAt, outcome, attempts: sent.attempts }));
  return { call: appendEvent(completed, { at: completedAt, type: "hangup.completed", data: { round: round.n, status: outcome.status } }), outcome };
}

export function findKey(call: StoredCall, key: string): StoredCall["idempotency"][number] | undefined {
  return call.idempotency.find((k) => k.key === key);
}

/** The call with `key` answered by `round`; unchanged when the key already names a round still kept. */
export function rememberKey(call: StoredCall, key: { key: string; fingerprint: string }, round: number): StoredCall {
  const known = findKey(call, key.key);
  if (known && call.rounds.some((r) => r.n === known.round)) return call;
  const others = call.idempotency.filter((k) => k.key !== key.key);
  return { ...call, idempotency: [...others, { ...key, round }].slice(-MAX_IDEMPOTENCY_KEYS) };
}

/** The outcome of a round this call still keeps, by number. */
export function roundOutcome(call: StoredCall, n: number): HangupOutcome | null {
  return call.rounds.find((round) => round.n === n)?.outcome ?? null;
}
