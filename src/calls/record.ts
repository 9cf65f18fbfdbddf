/**
 * What the API shows of a call: its record (GET /v1/calls/{id}) and its call-index entry, both derived
 * from the stored call by pure functions, so the two never disagree.
 */
import type { CallIndexReport } from "../call-index/report";
import type { CallRecord } from "./schemas";
import { callState, isOver, latestRound, retainedUntil, watchEndsAt, watchedRegistration, type Round, type StoredCall } from "./stored-call";

function roundView(round: Round): CallRecord["rounds"][number] {
  return {
    n: round.n,
    operation_id: round.operation_id,
    status: round.status,
    source: round.source,
    reason: round.reason,
    requested_at: round.requested_at,
    completed_at: round.completed_at,
    outcome: round.outcome,
  };
}

export function toRecord(call: StoredCall, retention: number): CallRecord {
  const latest = latestRound(call);
  const webhooks = call.outbox.map(({ body: _body, ...message }) => message);
  const until = retainedUntil(call, retention);
  return {
    call_id: call.call_id,
    tenant: call.tenant,
    connection: call.connection,
    provider: call.provider,
    state: callState(call),
    registered: call.registered,
    started_at: call.details?.started_at ?? null,
    from: call.details?.from ?? null,
    to: call.details?.to ?? null,
    flags: call.flags,
    metadata: call.details?.metadata ?? null,
    registration: call.registration && {
      source: call.registration.source,
      registered_at: call.registration.registered_at,
      decision: call.registration.decision,
      evaluated_at: call.registration.evaluated_at,
      watch_ends_at: watchedRegistration(call) ? new Date(watchEndsAt(call.registration)).toISOString() : null,
    },
    lifecycle: call.lifecycle,
    reconciliations: call.reconcile.reads,
    hangup: latest && roundView(latest),
    rounds: call.rounds.map(roundView),
    rounds_omitted: call.rounds_omitted,
    retry: call.retry,
    attempts: call.rounds.flatMap((round) => round.attempts.map((attempt) => ({ round: round.n, ...attempt }))),
    webhook: webhooks.at(-1) ?? null,
    webhooks,
    events: call.events,
    events_omitted: call.events_omitted,
    created_at: call.created_at,
    updated_at: call.updated_at,
    retained_until: until === null ? null : new Date(until).toISOString(),
  };
}

export function toIndexReport(call: StoredCall): CallIndexReport {
  const latest = latestRound(call);
  return {
    tenant: call.tenant,
    connection: call.connection,
    call_id: call.call_id,
    provider: call.provider,
    state: isOver(call) ? "ended" : "live",
    registered: call.registered,
    started_at: call.details?.started_at ?? null,
    to: call.details?.to ?? null,
    flags: call.flags,
    hangup_status: call.rounds.findLast((round) => round.outcome)?.outcome?.status ?? null,
    hangup_source: latest?.source ?? null,
    hangup_reason: latest?.reason ?? null,
    lifecycle_state: call.lifecycle.state,
    cause: call.lifecycle.cause,
    created_at: call.created_at,
    updated_at: call.updated_at,
    version: call.version,
  };
}
