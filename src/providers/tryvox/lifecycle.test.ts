/** TryVox callbacks into lifecycle events: the documented hangup webhook, and the inferred status words. */
import { describe, expect, it } from "vitest";
import { tryvoxEvent, tryvoxStatus } from "./lifecycle";

const UUID = "650e8400-e29b-41d4-a716-446655440000";

describe("tryvox lifecycle", () => {
  it("the documented hangup webhook: completed with end_reason api-hangup", () => {
    expect(tryvoxEvent(JSON.stringify({ call_uuid: UUID, status: "completed", end_reason: "api-hangup" }))).toEqual({
      callId: UUID,
      providerStatus: "completed",
      state: "ended",
      occurredAt: null,
      from: null,
      to: null,
      startedAt: null,
      answeredAt: null,
      endedAt: null,
      durationSeconds: null,
      cause: "completed",
      endedBy: "unknown",
      providerCause: "api-hangup",
    });
  });

  it.each([
    ["queued", "initiated", null],
    ["initiated", "initiated", null],
    ["ringing", "ringing", null],
    ["in-progress", "answered", null],
    ["answered", "answered", null],
    ["completed", "ended", "completed"],
    ["ended", "ended", "unknown"],
    ["busy", "ended", "busy"],
    ["no-answer", "ended", "no_answer"],
    ["failed", "ended", "failed"],
    ["canceled", "ended", "canceled"],
    ["cancelled", "ended", "canceled"],
    ["something-else", "initiated", null],
  ] as const)("status %s → %s, cause %s (inferred)", (status, state, cause) => {
    expect(tryvoxEvent(JSON.stringify({ call_uuid: UUID, status }))).toMatchObject({ state, cause });
  });

  it("end_reason alone, or a hangup event, ends the call; the call id may be call_id or uuid", () => {
    expect(tryvoxEvent(JSON.stringify({ call_id: UUID, end_reason: "user-hangup" }))).toMatchObject({ state: "ended", cause: "unknown", providerStatus: "user-hangup", providerCause: "user-hangup" });
    expect(tryvoxEvent(JSON.stringify({ uuid: UUID, event: "call.hangup" }))).toMatchObject({ state: "ended", providerStatus: "call.hangup" });
    expect(tryvoxStatus(undefined)).toBeUndefined();
  });

  it("numbers only when E.164; no call id is no event", () => {
    expect(tryvoxEvent(JSON.stringify({ call_uuid: UUID, status: "ringing", from: "+14155550199", to: "14155550100" }))).toMatchObject({ from: "+14155550199", to: null });
    expect(tryvoxEvent(JSON.stringify({ status: "completed" }))).toBeNull();
  });
});
