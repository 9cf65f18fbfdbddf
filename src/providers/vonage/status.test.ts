/** Vonage's call status read: the request (its JWT), every answer read row by row, and the fake end to end. */
import { describe, expect, it } from "vitest";
import { fakeProviderUrl, providerRequests, scriptProvider } from "../../../test/helpers";
import { readStatus } from "../read-status";
import { sendHangup } from "../send-hangup";
import { QUICK_RETRIES, TEST_SCOPE, answerOf, operationId } from "../testing/kit";
import { vonage } from ".";
import { VONAGE_FAKE_AUTH } from "./fake";
import { vonageStatusRead } from "./status";

const [step] = vonageStatusRead.steps;
const read = (status: number, body: unknown = "") => step.readResponse(answerOf(status, body));

function claims(authorization: string): Record<string, unknown> {
  const part = authorization.replace(/^Bearer /, "").split(".")[1] ?? "";
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
}

describe("vonage status: the request", () => {
  it("is the adapter's status read: GET of the call with a fresh RS256 application JWT, as the hangup", async () => {
    expect(vonage.status).toBe(vonageStatusRead);
    const request = await step.buildRequest({ callId: "a b", credentials: VONAGE_FAKE_AUTH, baseUrl: "http://127.0.0.1:9000/vg" });
    expect(request).toMatchObject({ method: "GET", url: "http://127.0.0.1:9000/vg/v1/calls/a%20b" });
    expect(request.body).toBeUndefined();
    const token = claims(request.headers.authorization!);
    expect(token).toMatchObject({ application_id: VONAGE_FAKE_AUTH.application_id, jti: expect.any(String) });
    expect(Number(token.exp) - Number(token.iat)).toBe(60);
  });
});

describe("vonage status: reading the answer", () => {
  it.each(["started", "ringing", "answered", "machine"])("status %s is live", (status) => {
    expect(read(200, { uuid: "u", status })).toEqual({ kind: "live" });
  });

  it.each([
    ["completed", "completed"],
    ["busy", "busy"],
    ["cancelled", "canceled"],
    ["failed", "failed"],
    ["rejected", "rejected"],
    ["timeout", "no_answer"],
    ["unanswered", "no_answer"],
  ] as const)("status %s is ended, cause %s", (status, cause) => {
    expect(read(200, { uuid: "u", status, end_time: "2026-05-01T09:32:00.000Z", duration: "59" })).toEqual({
      kind: "ended", cause, endedBy: "unknown", providerCause: null, endedAt: "2026-05-01T09:32:00.000Z", answeredAt: null, durationSeconds: 59,
    });
  });

  it("a 2xx without a documented status is an error; 404 unknown; 401 not retried; 429 retried", () => {
    expect(read(200, { uuid: "u" })).toMatchObject({ kind: "error", retryable: true });
    expect(read(200, { uuid: "u", status: "transfer" })).toMatchObject({ kind: "error", retryable: true });
    expect(read(404, { type: "https://developer.nexmo.com/api-errors#not-found" })).toEqual({ kind: "unknown" });
    expect(read(401, "")).toMatchObject({ kind: "error", retryable: false });
    expect(read(429, "")).toMatchObject({ kind: "error", retryable: true });
  });
});

describe("vonage status: against the fake provider", () => {
  const input = (callId: string = crypto.randomUUID()) => ({ callId, credentials: VONAGE_FAKE_AUTH, baseUrl: fakeProviderUrl() });

  it("a live call reads answered; once hung up it reads completed", async () => {
    const target = input();
    expect((await readStatus(vonageStatusRead, target)).reading).toEqual({ kind: "live" });
    await sendHangup(vonage, { ...target, operationId: operationId(), scope: TEST_SCOPE }, QUICK_RETRIES);
    expect((await readStatus(vonageStatusRead, target)).reading).toMatchObject({ kind: "ended", cause: "completed", durationSeconds: 60 });
    expect((await providerRequests(target.callId)).map((r) => r.method)).toEqual(["GET", "PUT", "GET"]);
  });

  it("an ended call reads busy; an unknown one is 404: unknown", async () => {
    expect((await readStatus(vonageStatusRead, input(`ended-${crypto.randomUUID()}`))).reading).toMatchObject({ kind: "ended", cause: "busy", durationSeconds: 0 });
    expect(await readStatus(vonageStatusRead, input(`unknown-${crypto.randomUUID()}`))).toMatchObject({ reading: { kind: "unknown" }, httpStatus: 404 });
  });

  it("a 5xx is a retryable error", async () => {
    const target = input();
    await scriptProvider(target.callId, [{ status: 500 }]);
    expect(await readStatus(vonageStatusRead, target)).toMatchObject({ reading: { kind: "error", retryable: true }, httpStatus: 500 });
  });
});
