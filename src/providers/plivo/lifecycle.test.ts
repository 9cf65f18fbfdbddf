/** Plivo ring and hangup callbacks into lifecycle events, row by row (statuses, hangup causes, codes, sources). */
import { describe, expect, it } from "vitest";
import type { Param } from "../callbacks/read";
import { plivoCause, plivoEndedBy, plivoEvent, plivoStatus } from "./lifecycle";

function form(fields: Record<string, string>): Param[] {
  return [...new URLSearchParams(fields)];
}

const CALL = { CallUUID: "2b6f1e4c-86a6-11e4-b303-498d468c930b", Direction: "outbound" };

describe("plivo lifecycle: every CallStatus", () => {
  it.each([
    ["ringing", "ringing", null],
    ["in-progress", "answered", null],
    ["completed", "ended", "completed"],
    ["busy", "ended", "busy"],
    ["no-answer", "ended", "no_answer"],
    ["cancel", "ended", "canceled"],
    ["failed", "ended", "failed"],
    // Plivo: "a time out while connecting your call" (carrier or network), not an unanswered call.
    ["timeout", "ended", "failed"],
  ] as const)("%s → %s, cause %s", (status, state, cause) => {
    expect(plivoStatus(status)).toEqual({ state, cause });
    expect(plivoEvent(form({ ...CALL, CallStatus: status }))).toMatchObject({ state, cause });
  });

  it("Event: Hangup ends the call whatever the status; Event: Ring is ringing", () => {
    expect(plivoEvent(form({ ...CALL, Event: "Hangup" }))).toMatchObject({ state: "ended", providerStatus: "Hangup", cause: "unknown" });
    expect(plivoEvent(form({ ...CALL, Event: "Ring" }))).toMatchObject({ state: "ringing", providerStatus: "Ring" });
    expect(plivoEvent(form({ ...CALL, Event: "StartApp" }))).toMatchObject({ state: "initiated" });
  });

  it("no CallUUID, or neither Event nor CallStatus, is no event", () => {
    expect(plivoEvent(form({ Event: "Hangup" }))).toBeNull();
    expect(plivoEvent(form({ CallUUID: "x" }))).toBeNull();
  });
});

describe("plivo lifecycle: the cause, most specific first", () => {
  it.each([
    // HangupCause words that say more than the status (an inbound call always reads `completed`)
    [{ callStatus: "completed", hangupCause: "ORIGINATOR_CANCEL" }, "canceled"],
    [{ callStatus: "completed", hangupCause: "USER_BUSY" }, "busy"],
    [{ callStatus: "completed", hangupCause: "NO_ANSWER" }, "no_answer"],
    [{ callStatus: "completed", hangupCause: "NO_USER_RESPONSE" }, "no_answer"],
    [{ callStatus: "failed", hangupCause: "CALL_REJECTED" }, "rejected"],
    [{ hangupCause: "call_rejected" }, "rejected"],
    // the documented code ranges
    [{ causeCode: "1000" }, "canceled"],
    [{ causeCode: 1010 }, "canceled"],
    [{ causeCode: "2000" }, "failed"],
    [{ causeCode: "2040" }, "failed"],
    [{ causeCode: "4000" }, "completed"],
    [{ causeCode: 4010 }, "completed"],
    // a code outside the known ranges leaves it to the status
    [{ causeCode: "3000", callStatus: "busy" }, "busy"],
    [{ causeCode: "0" }, "unknown"],
    // the status, then an Error source, then NORMAL_CLEARING
    [{ callStatus: "no-answer", hangupCause: "NORMAL_CLEARING" }, "no_answer"],
    [{ source: "Error" }, "failed"],
    [{ hangupCause: "NORMAL_CLEARING" }, "completed"],
    [{ hangupCause: "SOMETHING_ELSE" }, "unknown"],
    [{}, "unknown"],
  ] as const)("%j → %s", (facts, cause) => {
    expect(plivoCause(facts)).toBe(cause);
  });

  it.each([
    ["Caller", "caller"],
    ["Callee", "callee"],
    ["Call recipient", "callee"],
    ["Plivo", "provider"],
    ["Error", "provider"],
    ["Carrier", "unknown"],
    ["API Request", "unknown"],
    ["Answer XML", "unknown"],
    ["Unknown", "unknown"],
    ["Someone else", "unknown"],
  ] as const)("HangupSource %s → ended by %s", (source, endedBy) => {
    expect(plivoEndedBy(source)).toBe(endedBy);
    expect(plivoEvent(form({ ...CALL, Event: "Hangup", HangupSource: source }))).toMatchObject({ endedBy });
  });
});

describe("plivo lifecycle: the fields of a hangup callback", () => {
  it("numbers without `+`, times read as UTC, AnswerTime as the answer, Duration, HangupCause kept", () => {
    expect(plivoEvent(form({
      ...CALL, Event: "Hangup", CallStatus: "completed", From: "14155550199", To: "14155550100",
      StartTime: "2026-05-01 09:31:00", AnswerTime: "2026-05-01 09:31:20", EndTime: "2026-05-01 09:32:00",
      Duration: "40", BillDuration: "40", HangupCause: "NORMAL_CLEARING", HangupCauseCode: "4000", HangupCauseName: "Normal Hangup", HangupSource: "Callee",
    }))).toEqual({
      callId: CALL.CallUUID,
      providerStatus: "Hangup",
      state: "ended",
      occurredAt: "2026-05-01T09:32:00.000Z",
      from: "+14155550199",
      to: "+14155550100",
      startedAt: "2026-05-01T09:31:00.000Z",
      answeredAt: "2026-05-01T09:31:20.000Z",
      endedAt: "2026-05-01T09:32:00.000Z",
      durationSeconds: 40,
      cause: "completed",
      endedBy: "callee",
      providerCause: "NORMAL_CLEARING",
    });
  });

  it("an unanswered call has no AnswerTime; a SIP endpoint is no number; HangupCauseName stands in for HangupCause", () => {
    expect(plivoEvent(form({
      ...CALL, Event: "Hangup", CallStatus: "no-answer", From: "sip:alice@phone.plivo.com", AnswerTime: "", HangupCauseName: "No Answer",
    }))).toMatchObject({ from: null, answeredAt: null, cause: "no_answer", providerCause: "No Answer" });
  });

  it("a ring callback: ringing, with SessionStart as the start", () => {
    expect(plivoEvent(form({ ...CALL, Event: "Ring", CallStatus: "ringing", From: "+14155550199", To: "14155550100", SessionStart: "2026-05-01 09:31:00.123456" })))
      .toMatchObject({ state: "ringing", startedAt: "2026-05-01T09:31:00.123Z", from: "+14155550199", to: "+14155550100", cause: null, endedBy: null });
  });
});
