/** Telnyx Call Control webhooks into lifecycle events, row by row (event types, hangup causes and sources). */
import { describe, expect, it } from "vitest";
import { telnyxCause, telnyxEndedBy, telnyxEvent, telnyxState } from "./lifecycle";

const ID = "v3:Ksq0nD1P3Q2kF6cTnm1Bk3p7sA2sLx";

function webhook(eventType: string, payload: Record<string, unknown> = {}, occurredAt = "2026-05-01T09:32:00.521992Z"): string {
  return JSON.stringify({ data: { id: crypto.randomUUID(), record_type: "event", event_type: eventType, occurred_at: occurredAt, payload: { call_control_id: ID, ...payload } } });
}

describe("telnyx lifecycle: every event type", () => {
  it.each([
    ["call.initiated", "initiated"],
    ["call.answered", "answered"],
    ["call.hangup", "ended"],
    // any other call event proves only that the call exists
    ["call.bridged", "initiated"],
    ["call.playback.started", "initiated"],
  ] as const)("%s → %s", (eventType, state) => {
    expect(telnyxState(eventType)).toBe(state);
    expect(telnyxEvent(webhook(eventType))).toMatchObject({ state, providerStatus: eventType });
  });

  it("no call_control_id or no event_type, or a body that is not the envelope, is no event", () => {
    expect(telnyxEvent(JSON.stringify({ data: { event_type: "call.hangup", payload: {} } }))).toBeNull();
    expect(telnyxEvent(JSON.stringify({ data: { payload: { call_control_id: ID } } }))).toBeNull();
    expect(telnyxEvent("[]")).toBeNull();
    expect(telnyxEvent("not json")).toBeNull();
  });
});

describe("telnyx lifecycle: hangup_cause and hangup_source", () => {
  it.each([
    ["normal_clearing", "completed"],
    ["time_limit", "completed"],
    ["user_busy", "busy"],
    ["timeout", "no_answer"],
    ["no_answer", "no_answer"],
    ["call_rejected", "rejected"],
    ["originator_cancel", "canceled"],
    ["not_found", "failed"],
    ["unspecified", "unknown"],
    ["something_new", "unknown"],
  ] as const)("hangup_cause %s → %s", (hangupCause, cause) => {
    expect(telnyxCause(hangupCause)).toBe(cause);
    expect(telnyxEvent(webhook("call.hangup", { hangup_cause: hangupCause }))).toMatchObject({ cause });
  });

  it.each([
    ["caller", "normal_clearing", "caller"],
    ["callee", "normal_clearing", "callee"],
    ["unknown", "normal_clearing", "unknown"],
    [undefined, "normal_clearing", "unknown"],
    // Telnyx's own time limit ended it, whatever the source says
    ["caller", "time_limit", "provider"],
  ] as const)("hangup_source %s with %s → ended by %s", (source, hangupCause, endedBy) => {
    expect(telnyxEndedBy(source, hangupCause)).toBe(endedBy);
  });
});

describe("telnyx lifecycle: the fields of a webhook", () => {
  it("call.hangup: numbers, start_time, occurred_at as the end, sip_hangup_cause as the provider's cause; no duration", () => {
    expect(telnyxEvent(webhook("call.hangup", {
      from: "+14155550199", to: "+14155550100", start_time: "2026-05-01T09:31:00.000000Z", state: "hangup",
      hangup_cause: "user_busy", hangup_source: "callee", sip_hangup_cause: "486",
    }))).toEqual({
      callId: ID,
      providerStatus: "call.hangup",
      state: "ended",
      occurredAt: "2026-05-01T09:32:00.521Z",
      from: "+14155550199",
      to: "+14155550100",
      startedAt: "2026-05-01T09:31:00.000Z",
      answeredAt: null,
      endedAt: "2026-05-01T09:32:00.521Z",
      durationSeconds: null,
      cause: "busy",
      endedBy: "callee",
      providerCause: "486",
    });
  });

  it("call.answered: occurred_at is the answer; a SIP URI is no number", () => {
    expect(telnyxEvent(webhook("call.answered", { from: "sip:alice@sip.telnyx.com", to: "+14155550100" }))).toMatchObject({
      state: "answered", answeredAt: "2026-05-01T09:32:00.521Z", from: null, to: "+14155550100", endedAt: null, cause: null,
    });
  });
});
