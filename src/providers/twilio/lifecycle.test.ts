/** Twilio status callbacks into lifecycle events, row by row (every documented CallStatus). */
import { describe, expect, it } from "vitest";
import type { Param } from "../callbacks/read";
import { twilioEvent, twilioStatus } from "./lifecycle";

function form(fields: Record<string, string>): Param[] {
  return [...new URLSearchParams(fields)];
}

const CALL = { CallSid: "CA0123456789abcdef0123456789abcdef", AccountSid: "AC0123456789abcdef0123456789abcdef" };

describe("twilio lifecycle: every CallStatus", () => {
  it.each([
    ["queued", "initiated", null],
    ["initiated", "initiated", null],
    ["ringing", "ringing", null],
    ["in-progress", "answered", null],
    ["completed", "ended", "completed"],
    ["busy", "ended", "busy"],
    ["no-answer", "ended", "no_answer"],
    ["failed", "ended", "failed"],
    ["canceled", "ended", "canceled"],
  ] as const)("%s → %s, cause %s", (status, state, cause) => {
    expect(twilioStatus(status)).toEqual({ state, cause });
    expect(twilioEvent(form({ ...CALL, CallStatus: status }))).toMatchObject({
      providerStatus: status,
      state,
      cause,
      // Twilio never says who hung up.
      endedBy: state === "ended" ? "unknown" : null,
    });
  });

  it("a status word Twilio does not document proves only that the call exists", () => {
    expect(twilioStatus("answered")).toBeUndefined();
    expect(twilioEvent(form({ ...CALL, CallStatus: "answered" }))).toMatchObject({ state: "initiated", providerStatus: "answered", cause: null });
  });

  it("no CallSid or no CallStatus is no event", () => {
    expect(twilioEvent(form({ CallStatus: "completed" }))).toBeNull();
    expect(twilioEvent(form({ CallSid: "CA1" }))).toBeNull();
  });
});

describe("twilio lifecycle: the fields of a status callback", () => {
  it("a final callback: numbers, its Timestamp as the end, CallDuration, SipResponseCode as the provider's cause", () => {
    const event = twilioEvent(form({
      ...CALL, CallStatus: "completed", From: "+14155550199", To: "+14155550100", Direction: "outbound-api",
      Timestamp: "Tue, 31 Aug 2010 20:36:28 +0000", CallDuration: "42", SipResponseCode: "200", SequenceNumber: "3",
    }));
    expect(event).toEqual({
      callId: CALL.CallSid,
      providerStatus: "completed",
      state: "ended",
      occurredAt: "2010-08-31T20:36:28.000Z",
      from: "+14155550199",
      to: "+14155550100",
      startedAt: null,
      answeredAt: null,
      endedAt: "2010-08-31T20:36:28.000Z",
      durationSeconds: 42,
      cause: "completed",
      endedBy: "unknown",
      providerCause: "200",
    });
  });

  it("the Timestamp of `initiated` is the start, of `in-progress` the answer", () => {
    const at = "Tue, 31 Aug 2010 20:36:28 +0000";
    expect(twilioEvent(form({ ...CALL, CallStatus: "initiated", Timestamp: at }))).toMatchObject({ startedAt: "2010-08-31T20:36:28.000Z", answeredAt: null, endedAt: null });
    expect(twilioEvent(form({ ...CALL, CallStatus: "in-progress", Timestamp: at }))).toMatchObject({ startedAt: null, answeredAt: "2010-08-31T20:36:28.000Z" });
  });

  it("a client or SIP endpoint is not a number, a bad Timestamp is no time, an absurd duration is none", () => {
    const event = twilioEvent(form({
      ...CALL, CallStatus: "completed", From: "client:alice", To: "sip:bob@example.com", Timestamp: "yesterday", CallDuration: "1e99",
    }));
    expect(event).toMatchObject({ from: null, to: null, occurredAt: null, endedAt: null, durationSeconds: null });
  });
});
