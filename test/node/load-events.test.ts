/**
 * The events load run's script (scripts/load/event-plan.ts) and judge (scripts/load/event-verify.ts): the
 * script sends what it says (the shares cut, sent twice and late, every callback at least once), and the
 * judge passes a call that went right and catches each way one can go wrong.
 */
import { describe, expect, it } from "vitest";
import { answerHeard, planCalls, twilioFields, type PlannedCall } from "../../scripts/load/event-plan";
import { eventFindings, type EventEvidence, type EventRecord } from "../../scripts/load/event-verify";
import type { ReceivedMessage } from "../../scripts/load/webhook-receiver";

const NOW = Date.parse("2026-12-06T12:00:00Z");
const options = { seed: 42, cutShare: 0.05, duplicateShare: 0.1, lateShare: 0.1, now: NOW, deniedPrefix: "+88234" };
const ids = (n: number) => Array.from({ length: n }, (_, i) => `CA${String(i).padStart(32, "0")}`);

describe("the events run's script", () => {
  const plan = planCalls({ ...options, callIds: ids(400) });
  const deliveries = (call: PlannedCall) => [...call.steps, ...call.afterHangup].flat();

  it("is the same for the same seed", () => {
    expect(planCalls({ ...options, callIds: ids(400) })).toEqual(plan);
    expect(planCalls({ ...options, seed: 43, callIds: ids(400) })).not.toEqual(plan);
  });

  it("cuts its share of the calls, exactly those to the denied prefix", () => {
    const cut = plan.calls.filter((call) => call.cut);
    expect(cut).toHaveLength(20);
    expect(plan.calls.every((call) => call.cut === call.to.startsWith("+88234"))).toBe(true);
    expect(cut.every((call) => call.afterHangup.flat().every((callback) => callback.status === "canceled" && callback.at === null))).toBe(true);
  });

  it("sends every callback at least once, its share twice, and its share late", () => {
    expect(plan.callbacks).toBe(380 * 4 + 20 * 3);
    for (const call of plan.calls) {
      const sequences = new Set(deliveries(call).map((callback) => callback.sequence));
      expect(sequences.size).toBe(call.cut ? 3 : 4);
    }
    const sent = plan.calls.reduce((sum, call) => sum + deliveries(call).length, 0);
    expect(sent - plan.callbacks).toBe(Math.round(plan.callbacks * 0.1));
    expect(plan.duplicated.atOnce + plan.duplicated.later).toBe(Math.round(plan.callbacks * 0.1));
    expect(plan.duplicated.atOnce).toBeGreaterThan(0);
    expect(plan.duplicated.later).toBeGreaterThan(0);

    // Late: a callback whose first copy arrives after the first copy of one that followed it.
    let late = 0;
    for (const call of plan.calls) {
      const firsts: number[] = [];
      for (const callback of deliveries(call)) if (!firsts.includes(callback.sequence)) firsts.push(callback.sequence);
      late += firsts.filter((sequence, i) => firsts.slice(0, i).some((earlier) => earlier > sequence)).length;
    }
    expect(late).toBe(plan.late);
    expect(plan.late).toBe(Math.round(plan.callbacks * 0.1));
  });

  it("sets every story in the 10 minutes before the run, in whole seconds", () => {
    for (const call of plan.calls) {
      expect(call.times.started).toBeGreaterThanOrEqual(NOW - 10 * 60_000);
      expect(call.times.ended ?? call.times.started).toBeLessThan(NOW);
      expect(call.times.started % 1000).toBe(0);
    }
  });
});

const normal: PlannedCall = {
  callId: "CA0000000000000000000000000000000a",
  from: "+14155550100",
  to: "+14155550001",
  cut: false,
  steps: [
    [{ status: "initiated", sequence: 0, at: NOW - 60_000 }],
    [{ status: "ringing", sequence: 1, at: NOW - 59_000 }],
    [{ status: "in-progress", sequence: 2, at: NOW - 55_000 }],
    [{ status: "completed", sequence: 3, at: NOW - 13_000 }],
  ],
  afterHangup: [],
  times: { started: NOW - 60_000, ringing: NOW - 59_000, answered: NOW - 55_000, ended: NOW - 13_000 },
  durationSeconds: 42,
};
const unanswered: PlannedCall = { ...normal, steps: [normal.steps[0]!, normal.steps[1]!, normal.steps[3]!, normal.steps[2]!] };
const cut: PlannedCall = {
  ...normal,
  callId: "CA0000000000000000000000000000000b",
  to: "+882340000001",
  cut: true,
  steps: normal.steps.slice(0, 2),
  afterHangup: [[{ status: "canceled", sequence: 2, at: null }]],
  times: { ...normal.times, answered: null, ended: null },
  durationSeconds: 0,
};

const iso = (ms: number) => new Date(ms).toISOString();
const HANGUP_AT = iso(NOW - 50_000);

function lifecycleOf(call: PlannedCall): EventRecord["lifecycle"] {
  if (call.cut) {
    return {
      state: "ended", started_at: iso(NOW - 60_000), answered_at: null, ended_at: HANGUP_AT, duration_seconds: null,
      cause: "completed", ended_by: "gateway", provider_cause: "487", source: "hangup",
      timeline: [{ state: "initiated", at: iso(NOW - 60_000) }, { state: "ringing", at: iso(NOW - 59_000) }, { state: "ended", at: HANGUP_AT }],
    };
  }
  const heard = answerHeard(call);
  return {
    state: "ended", started_at: iso(NOW - 60_000), answered_at: heard ? iso(NOW - 55_000) : null, ended_at: iso(NOW - 13_000), duration_seconds: heard ? 42 : null,
    cause: "completed", ended_by: "unknown", provider_cause: "200", source: "callback",
    timeline: [
      { state: "initiated", at: iso(NOW - 60_000) },
      { state: "ringing", at: iso(NOW - 59_000) },
      ...(heard ? [{ state: "answered", at: iso(NOW - 55_000) }] : []),
      { state: "ended", at: iso(NOW - 13_000) },
    ],
  };
}

function messagesOf(call: PlannedCall): ReceivedMessage[] {
  const lifecycle = lifecycleOf(call);
  const base = { call_id: call.callId, connection: "twilio-events", provider: "twilio" };
  const { ended_at, duration_seconds, cause, ended_by, source } = lifecycle;
  return [
    { id: "msg_1.started", type: "call.started", data: { ...base, to: call.to, source: "provider_event" } },
    ...(answerHeard(call) ? [{ id: "msg_1.answered", type: "call.answered", data: { ...base, answered_at: lifecycle.answered_at } }] : []),
    ...(call.cut ? [{ id: "msg_op", type: "call.hangup.completed", data: { ...base, status: "terminated" } }] : []),
    { id: "msg_1.ended", type: "call.ended", data: { ...base, ended_at, duration_seconds, cause, ended_by, source, provider_cause: call.cut ? null : "200" } },
  ].map((message, order) => ({ ...message, order }));
}

function evidenceOf(call: PlannedCall): EventEvidence {
  return {
    refusedCallbacks: 0,
    record: {
      registration: { source: "provider_event" },
      lifecycle: lifecycleOf(call),
      hangup: call.cut ? { source: "policy", outcome: { status: "terminated", attempts: 2 } } : null,
    },
    messages: messagesOf(call),
    atProvider: call.cut ? { requests: 2, injectedFailures: 1, hangups: 1, requestsAfterHangup: 0 } : { requests: 0, injectedFailures: 0, hangups: 0, requestsAfterHangup: 0 },
  };
}

const problems = (call: PlannedCall, evidence: EventEvidence) => eventFindings(call, evidence).map((finding) => finding.problem);

describe("the events run's judge", () => {
  it("passes a call that went its way, one whose answer arrived after its end, and a cut call", () => {
    expect(answerHeard(normal)).toBe(true);
    expect(answerHeard(unanswered)).toBe(false);
    for (const call of [normal, unanswered, cut]) expect(eventFindings(call, evidenceOf(call))).toEqual([]);
  });

  it("accepts a start taken from the ringing that arrived first, and nothing later", () => {
    const evidence = evidenceOf(normal);
    const withStart = (at: number) => ({ ...evidence, record: { ...evidence.record!, lifecycle: { ...evidence.record!.lifecycle, started_at: iso(at) } } });
    expect(problems(normal, withStart(NOW - 59_000))).toEqual([]);
    expect(problems(normal, withStart(NOW - 55_000))).toEqual(["lifecycle_wrong"]);
  });

  it("catches a lost call, a refused callback and a wrong lifecycle", () => {
    const evidence = evidenceOf(normal);
    expect(problems(normal, { ...evidence, record: null })).toEqual(["lost"]);
    expect(problems(normal, { ...evidence, record: { ...evidence.record!, registration: { source: "api" } } })).toEqual(["lost"]);
    expect(problems(normal, { ...evidence, refusedCallbacks: 1 })).toEqual(["callback_refused"]);
    const lifecycle = evidence.record!.lifecycle;
    const wrong = (change: Partial<EventRecord["lifecycle"]>) => problems(normal, { ...evidence, record: { ...evidence.record!, lifecycle: { ...lifecycle, ...change } } });
    expect(wrong({ cause: "busy" })).toEqual(["lifecycle_wrong"]);
    expect(wrong({ state: "answered" })).toEqual(["lifecycle_wrong"]);
    expect(wrong({ answered_at: null, duration_seconds: null })).toContain("lifecycle_wrong");
    expect(wrong({ ended_at: iso(NOW) })).toContain("lifecycle_wrong");
    expect(wrong({ timeline: [...lifecycle.timeline].reverse() })).toEqual(["lifecycle_wrong"]);
    expect(problems(unanswered, { ...evidenceOf(unanswered), record: { ...evidence.record! } })).toContain("lifecycle_wrong");
  });

  it("catches a call.ended missing or sent twice, and a story told wrong", () => {
    const evidence = evidenceOf(normal);
    const ended = evidence.messages.find((message) => message.type === "call.ended")!;
    const others = evidence.messages.filter((message) => message !== ended);
    expect(problems(normal, { ...evidence, messages: others })).toEqual(["ended_webhooks_not_one"]);
    expect(problems(normal, { ...evidence, messages: [...evidence.messages, { ...ended, id: "msg_2.ended", order: 9 }] })).toEqual(["ended_webhooks_not_one"]);
    expect(problems(normal, { ...evidence, messages: [...evidence.messages, { ...ended, order: 9 }] })).toEqual(["ended_webhooks_not_one", "story_webhooks_wrong"]);
    expect(problems(normal, { ...evidence, messages: [{ ...ended, order: -1 }, ...others] })).toEqual(["story_webhooks_wrong"]);
    expect(problems(normal, { ...evidence, messages: [...others, { ...ended, data: { ...ended.data, cause: "canceled" } }] })).toEqual(["story_webhooks_wrong"]);
    expect(problems(unanswered, { ...evidenceOf(unanswered), messages: evidence.messages })).toContain("story_webhooks_wrong");
    expect(problems(normal, { ...evidence, messages: evidence.messages.filter((message) => message.type !== "call.started") })).toEqual(["story_webhooks_wrong"]);
  });

  it("catches a cut call not hung up, hung up twice or misrecorded, and a hangup the policy did not ask for", () => {
    const evidence = evidenceOf(cut);
    expect(problems(cut, { ...evidence, atProvider: { requests: 2, injectedFailures: 2, hangups: 0, requestsAfterHangup: 0 } })).toEqual(["hangup_missing"]);
    expect(problems(cut, { ...evidence, atProvider: { requests: 3, injectedFailures: 1, hangups: 1, requestsAfterHangup: 1 } })).toEqual(["hangup_twice", "outcome_wrong"]);
    expect(problems(cut, { ...evidence, record: { ...evidence.record!, hangup: { source: "policy", outcome: { status: "failed", attempts: 2 } } } })).toEqual(["outcome_wrong"]);
    expect(problems(cut, { ...evidence, messages: evidence.messages.filter((message) => message.type !== "call.hangup.completed") })).toEqual(["story_webhooks_wrong"]);
    const allowed = evidenceOf(normal);
    expect(problems(normal, { ...allowed, atProvider: { requests: 1, injectedFailures: 0, hangups: 1, requestsAfterHangup: 0 } })).toEqual(["hangup_unwanted"]);
    expect(problems(normal, { ...allowed, record: { ...allowed.record!, hangup: evidence.record!.hangup } })).toEqual(["outcome_wrong"]);
  });

  it("sends each callback as Twilio does: a canceled callback stamped when sent, the end with its duration and SIP code", () => {
    const format = (ms: number) => new Date(ms).toUTCString().replace("GMT", "+0000");
    expect(twilioFields(cut, cut.afterHangup[0]![0]!, NOW + 1_234, format)).toMatchObject({ CallStatus: "canceled", Timestamp: format(NOW + 1_000), SipResponseCode: "487", To: "+882340000001" });
    expect(twilioFields(normal, normal.steps[3]![0]!, NOW, format)).toMatchObject({ CallStatus: "completed", CallDuration: "42", SipResponseCode: "200", SequenceNumber: "3" });
  });
});
