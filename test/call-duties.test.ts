/**
 * The call object's duties as pure functions of the stored call: when each is due, how the one alarm is
 * chosen (and backs off), and how a finished round is folded into the call. No runtime needed: every
 * clock that decides the alarm is in the document.
 */
import { describe, expect, it } from "vitest";
import { readConfig } from "../src/config";
import { afterAlarmRun, nextAlarmAt } from "../src/calls/alarm";
import { DUTIES } from "../src/calls/duties/registry";
import { indexReportDuty } from "../src/calls/duties/index-report";
import { outboxDuty } from "../src/calls/duties/outbox";
import { retentionDuty } from "../src/calls/duties/retention";
import { retryDuty } from "../src/calls/duties/retry";
import { roundDuty } from "../src/calls/duties/round";
import { watchDuty } from "../src/calls/duties/watch";
import { judge } from "../src/calls/judge";
import { completeRound, startRound } from "../src/calls/rounds";
import { newStoredCall, type StoredCall } from "../src/calls/stored-call";
import { AUTO_RETRY_FIRST_MS, POLICY_RECHECK_MS, ROUND_LEASE_MS, WATCH_LIMIT_MS } from "../src/calls/timings";
import { compilePolicy } from "../src/policy/compile";
import { noPolicyDecision } from "../src/policy/evaluate";
import type { SendResult } from "../src/providers/send-hangup";
import { applyFact, newLifecycle } from "../src/calls/lifecycle";
import { WEBHOOK_EVENT_TYPES } from "../src/webhooks/event-types";

const T0 = Date.parse("2026-06-01T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const config = readConfig({});
const DAY = 86_400_000;
const WANTS_ALL = { webhookEvents: new Set(WEBHOOK_EVENT_TYPES) };
const WANTS_NONE = { webhookEvents: new Set<never>() };
const ended = applyFact(newLifecycle(iso(T0), null, iso(T0)), { state: "ended", at: iso(T0), source: "signal" }).lifecycle;

function call(extra: Partial<StoredCall> = {}): StoredCall {
  return { ...newStoredCall({ tenant: "acme", connection: "c", call_id: "x", provider: "sandbox" }, iso(T0)), version: 5, index: { reported: 5, retry_at: null }, ...extra };
}

function registered(extra: Partial<StoredCall> = {}): StoredCall {
  return call({
    registered: true,
    details: { started_at: iso(T0), answered_at: null, from: null, to: null, metadata: null },
    registration: { source: "api", fingerprint: "f", extended_until: null, registered_at: iso(T0), decision: { ...noPolicyDecision("call") }, evaluated_at: iso(T0) },
    ...extra,
  });
}

const sent = (status: "terminated" | "failed", retryAfterMs?: number): SendResult => ({
  reading: { status, detail: status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
  httpStatus: status === "failed" ? 503 : 204,
  attempts: [],
});

function finished(base: StoredCall, status: "terminated" | "failed", source: "api" | "policy" = "api", retryAfterMs?: number) {
  const started = startRound(base, { source, reason: null, decision: null }, "op-1", T0);
  return completeRound(started, sent(status, retryAfterMs), T0 + 100);
}

describe("when each duty is due", () => {
  it("a pending round at its lease; none without one", () => {
    const pending = startRound(call(), { source: "api", reason: null, decision: null }, "op", T0);
    expect(roundDuty.dueAt(pending, T0, config)).toBe(T0 + ROUND_LEASE_MS);
    expect(roundDuty.dueAt(call(), T0, config)).toBeNull();
  });

  it("the index report: at once after a change, a pending round only once it is slow, after a failed send at its retry", () => {
    expect(indexReportDuty.dueAt(call(), T0, config)).toBeNull();
    expect(indexReportDuty.dueAt(call({ version: 6, updated_at: iso(T0 + 5) }), T0, config)).toBe(T0 + 5);
    const pending = { ...startRound(call(), { source: "api", reason: null, decision: null }, "op", T0), version: 6 };
    expect(indexReportDuty.dueAt(pending, T0, config)).toBe(T0 + 2_000);
    expect(indexReportDuty.dueAt(call({ version: 6, index: { reported: 5, retry_at: iso(T0 + 9) } }), T0, config)).toBe(T0 + 9);
  });

  it("the watch: at the next re-check, its deadline or the watch's end, whichever is first; not while a round is pending or once ended", () => {
    expect(watchDuty.dueAt(registered(), T0, config)).toBe(T0 + POLICY_RECHECK_MS);
    const withDeadline = registered();
    withDeadline.registration!.decision = { ...withDeadline.registration!.decision, deadline: iso(T0 + 10_000) };
    expect(watchDuty.dueAt(withDeadline, T0, config)).toBe(T0 + 10_000);
    expect(watchDuty.dueAt(registered({ lifecycle: ended }), T0, config)).toBeNull();
    const lastLook = registered();
    lastLook.registration!.evaluated_at = iso(T0 + WATCH_LIMIT_MS - 1_000);
    expect(watchDuty.dueAt(lastLook, T0, config)).toBe(T0 + WATCH_LIMIT_MS);
  });

  it("the retry at its time while the call is watched", () => {
    const retrying = registered({ retry: { failures: 1, next_at: iso(T0 + 20_000), round: 1 } });
    expect(retryDuty.dueAt(retrying, T0, config)).toBe(T0 + 20_000);
    expect(retryDuty.dueAt({ ...retrying, lifecycle: ended }, T0, config)).toBeNull();
  });

  it("retention: a call nothing can change any more, once the index and the tenant have heard everything", () => {
    const { call: settled } = finished(call(), "terminated");
    const caughtUp = { ...settled, index: { reported: settled.version, retry_at: null }, outbox: [] };
    expect(retentionDuty.dueAt(caughtUp, T0, config)).toBe(Date.parse(caughtUp.updated_at) + config.retentionMs);
    expect(retentionDuty.dueAt({ ...caughtUp, version: caughtUp.version + 1 }, T0, config)).toBeNull();
    const { call: failed } = finished(call(), "failed");
    expect(retentionDuty.dueAt({ ...failed, index: { reported: failed.version, retry_at: null } }, T0, config)).toBe(Date.parse(failed.updated_at) + 30 * DAY);
    expect(retentionDuty.dueAt(registered(), T0, config)).toBeNull();
  });

  it("the outbox at its next delivery", () => {
    const { call: done } = finished(call(), "terminated");
    const queued = outboxDuty.settle!(done, done.rounds[0]!.outcome!, { now: T0, sent: sent("terminated"), facts: WANTS_ALL });
    expect(outboxDuty.dueAt(queued, T0, config)).toBe(T0 + 100);
    const unwanted = outboxDuty.settle!(done, done.rounds[0]!.outcome!, { now: T0, sent: sent("terminated"), facts: WANTS_NONE });
    expect(outboxDuty.dueAt(unwanted, T0, config)).toBeNull();
  });
});

describe("the one alarm", () => {
  it("rings at the earliest due duty, never before a backoff", () => {
    const watched = registered({ version: 6, updated_at: iso(T0) });
    expect(nextAlarmAt(watched, DUTIES, T0, config)).toBe(T0);
    const reported = { ...watched, index: { reported: 6, retry_at: null } };
    expect(nextAlarmAt(reported, DUTIES, T0, config)).toBe(T0 + POLICY_RECHECK_MS);
    const backedOff = afterAlarmRun(reported, ["watch"], T0);
    expect(backedOff.alarm).toEqual({ failures: 1, backoff_until: iso(T0 + 5_000) });
    expect(nextAlarmAt({ ...backedOff, registration: { ...backedOff.registration!, evaluated_at: iso(T0 - POLICY_RECHECK_MS) } }, DUTIES, T0, config)).toBe(T0 + 5_000);
    expect(afterAlarmRun(afterAlarmRun(backedOff, ["watch"], T0), [], T0).alarm).toEqual({ failures: 0, backoff_until: null });
  });
});

describe("a finished round folded into the call", () => {
  const fraud = compilePolicy({ rules: [{ id: "fraud", kind: "fraud_flags", flags: ["irsf"] }] }, "v1");

  function wantedEnded(): StoredCall {
    return judge(registered({ flags: ["irsf"] }), fraud, T0)!.call;
  }

  it("a failed round on a call the watch wants ended schedules a retry, whoever asked for the round", () => {
    const { call: after, outcome } = finished(wantedEnded(), "failed", "api");
    const retried = retryDuty.settle!(after, outcome, { now: T0, sent: sent("failed"), facts: WANTS_ALL });
    expect(retried.retry).toMatchObject({ failures: 1, round: 1 });
    expect(Date.parse(retried.retry!.next_at) - T0).toBeLessThanOrEqual(AUTO_RETRY_FIRST_MS);
  });

  it("an open circuit's pause puts the retry after it; a final outcome or an unwatched call has none", () => {
    const { call: after, outcome } = finished(wantedEnded(), "failed", "policy", 90_000);
    expect(Date.parse(retryDuty.settle!(after, outcome, { now: T0, sent: sent("failed", 90_000), facts: WANTS_ALL }).retry!.next_at)).toBeGreaterThanOrEqual(T0 + 90_000);
    const done = finished(wantedEnded(), "terminated", "policy");
    expect(retryDuty.settle!({ ...done.call, retry: { failures: 2, next_at: iso(T0), round: 1 } }, done.outcome, { now: T0, sent: sent("terminated"), facts: WANTS_ALL }).retry).toBeNull();
    const unwatched = finished(call(), "failed");
    expect(retryDuty.settle!(unwatched.call, unwatched.outcome, { now: T0, sent: sent("failed"), facts: WANTS_ALL }).retry).toBeNull();
  });

  it("the tenant hears the first failure of an automatic run, not every retry", () => {
    const { call: after, outcome } = finished(wantedEnded(), "failed", "policy");
    const second = { ...after, retry: { failures: 2, next_at: iso(T0), round: 1 } };
    expect(outboxDuty.settle!(second, outcome, { now: T0, sent: sent("failed"), facts: WANTS_ALL }).outbox).toHaveLength(0);
    const first = { ...after, retry: { failures: 1, next_at: iso(T0), round: 1 } };
    expect(outboxDuty.settle!(first, outcome, { now: T0, sent: sent("failed"), facts: WANTS_ALL }).outbox).toHaveLength(1);
  });
});

describe("judging a watched call", () => {
  it("a judgement that changes nothing is not a change; a new verdict is", () => {
    const policy = compilePolicy({ rules: [{ id: "fraud", kind: "fraud_flags", flags: ["irsf"] }] }, "v1");
    const first = judge(registered(), policy, T0)!;
    expect(first.changed).toBe(true); // a policy published since the registration
    const again = judge(first.call, policy, T0 + POLICY_RECHECK_MS)!;
    expect(again.changed).toBe(false);
    expect(again.call.registration!.evaluated_at).toBe(iso(T0 + POLICY_RECHECK_MS));
    const flagged = judge({ ...again.call, flags: ["irsf"] }, policy, T0 + 2 * POLICY_RECHECK_MS)!;
    expect(flagged).toMatchObject({ changed: true, decision: { terminate: { rule: "fraud" } } });
  });
});
