/** Vonage event webhooks into lifecycle events, row by row (every status; disconnected_by by direction). */
import { describe, expect, it } from "vitest";
import { vonageEndedBy, vonageEvent, vonageStatus } from "./lifecycle";

const UUID = "63f61863-4a51-4f6b-86e1-46edebcf9356";

function event(fields: Record<string, unknown>): string {
  return JSON.stringify({ uuid: UUID, conversation_uuid: "CON-f972836a-550f-45fa-956c-12a2ab5b7d22", ...fields });
}

describe("vonage lifecycle: every status", () => {
  it.each([
    ["started", "initiated", null],
    ["ringing", "ringing", null],
    ["answered", "answered", null],
    ["machine", "answered", null],
    ["completed", "ended", "completed"],
    ["busy", "ended", "busy"],
    ["cancelled", "ended", "canceled"],
    ["failed", "ended", "failed"],
    ["rejected", "ended", "rejected"],
    ["timeout", "ended", "no_answer"],
    ["unanswered", "ended", "no_answer"],
  ] as const)("%s → %s, cause %s", (status, state, cause) => {
    expect(vonageStatus(status)).toEqual({ state, cause });
    expect(vonageEvent(event({ status }))).toMatchObject({ state, cause, providerStatus: status });
  });

  it("another status word proves only that the call exists; no uuid or status is no event", () => {
    expect(vonageEvent(event({ status: "transfer" }))).toMatchObject({ state: "initiated" });
    expect(vonageEvent(JSON.stringify({ status: "completed" }))).toBeNull();
    expect(vonageEvent(event({ dtmf: "1" }))).toBeNull();
  });
});

describe("vonage lifecycle: disconnected_by", () => {
  it.each([
    ["user", "outbound", "callee"],
    ["user", "inbound", "caller"],
    ["user", undefined, "unknown"],
    ["platform", "outbound", "unknown"],
    ["platform", "inbound", "unknown"],
    [undefined, "outbound", "unknown"],
  ] as const)("%s on an %s leg → ended by %s", (disconnectedBy, direction, endedBy) => {
    expect(vonageEndedBy(disconnectedBy, direction)).toBe(endedBy);
  });
});

describe("vonage lifecycle: the fields of an event", () => {
  it("completed: digits become E.164, end_time, duration as a string, detail kept", () => {
    expect(vonageEvent(event({
      status: "completed", direction: "outbound", from: "14155550199", to: "14155550100",
      timestamp: "2026-05-01T09:32:00.000Z", start_time: "2026-05-01T09:31:00.000Z", end_time: "2026-05-01T09:31:59.000Z",
      duration: "59", rate: "0.00450000", price: "0.00450000", network: "310260", disconnected_by: "user", detail: "ok",
    }))).toEqual({
      callId: UUID,
      providerStatus: "completed",
      state: "ended",
      occurredAt: "2026-05-01T09:32:00.000Z",
      from: "+14155550199",
      to: "+14155550100",
      startedAt: "2026-05-01T09:31:00.000Z",
      answeredAt: null,
      endedAt: "2026-05-01T09:31:59.000Z",
      durationSeconds: 59,
      cause: "completed",
      endedBy: "callee",
      providerCause: "ok",
    });
  });

  it("answered: its timestamp is the answer; busy: detail is the provider's cause", () => {
    expect(vonageEvent(event({ status: "answered", timestamp: "2026-05-01T09:31:05.000Z" }))).toMatchObject({ answeredAt: "2026-05-01T09:31:05.000Z", endedAt: null });
    expect(vonageEvent(event({ status: "busy", detail: "remote_busy", timestamp: "2026-05-01T09:31:05.000Z" }))).toMatchObject({
      cause: "busy", providerCause: "remote_busy", endedAt: "2026-05-01T09:31:05.000Z",
    });
  });
});
