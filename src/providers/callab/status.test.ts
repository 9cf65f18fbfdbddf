/** Callab's call status read: the request, every answer read row by row (what is inferred, said so), and the fake. */
import { describe, expect, it } from "vitest";
import { fakeProviderUrl, providerRequests, scriptProvider } from "../../../test/helpers";
import { readStatus } from "../read-status";
import { sendHangup } from "../send-hangup";
import { QUICK_RETRIES, TEST_SCOPE, answerOf, operationId } from "../testing/kit";
import { callab } from ".";
import { CALLAB_FAKE_AUTH } from "./fake";
import { callabStatusRead } from "./status";

const [step] = callabStatusRead.steps;
const read = (status: number, body: unknown = "") => step.readResponse(answerOf(status, body));
const envelope = (data: unknown) => ({ status: "success", message: "ok", data });

describe("callab status: the request", () => {
  it("is the adapter's status read: GET of the call with the Bearer key, as the hangup", async () => {
    expect(callab.status).toBe(callabStatusRead);
    expect(await step.buildRequest({ callId: "550e8400-e29b-41d4-a716-446655440000", credentials: { api_key: "callab-key" }, baseUrl: "https://api.callab.ai/v1" })).toEqual({
      method: "GET",
      url: "https://api.callab.ai/v1/calls/550e8400-e29b-41d4-a716-446655440000",
      headers: { authorization: "Bearer callab-key" },
    });
  });
});

describe("callab status: reading the answer (call_status values inferred)", () => {
  it.each(["queued", "initiated", "ringing", "in-progress", "ongoing", "active"])("call_status %s without ended_at is live", (status) => {
    expect(read(200, envelope({ call_status: status, ended_at: null }))).toEqual({ kind: "live" });
  });

  it.each([
    ["completed", "completed"],
    ["ended", "unknown"],
    ["busy", "busy"],
    ["no-answer", "no_answer"],
    ["failed", "failed"],
    ["canceled", "canceled"],
  ] as const)("call_status %s is ended, cause %s, with disconnect_reason as the provider's cause", (status, cause) => {
    expect(read(200, envelope({ call_status: status, ended_at: "2026-05-01T09:32:00Z", call_duration: 30, disconnect_reason: "Ended Via API call" }))).toEqual({
      kind: "ended", cause, endedBy: "unknown", providerCause: "Ended Via API call", endedAt: "2026-05-01T09:32:00.000Z", answeredAt: null, durationSeconds: 30,
    });
  });

  it("an ended_at ends the call whatever its status word", () => {
    expect(read(200, envelope({ call_status: "in-progress", ended_at: "2026-05-01T09:32:00Z" }))).toMatchObject({ kind: "ended", cause: "unknown" });
  });

  it("an envelope without the call, or 404, is a call Callab does not know; a status word it is not known to use tells nothing", () => {
    expect(read(200, { status: "error", message: "Call not found", data: null })).toEqual({ kind: "unknown" });
    expect(read(404, { status: "error", message: "Call not found" })).toEqual({ kind: "unknown" });
    expect(read(200, envelope({ call_status: "whatever" }))).toMatchObject({ kind: "error", retryable: true });
    expect(read(200, "")).toMatchObject({ kind: "error", retryable: true });
    expect(read(401, "")).toMatchObject({ kind: "error", retryable: false });
  });
});

describe("callab status: against the fake provider", () => {
  const input = (callId: string = crypto.randomUUID()) => ({ callId, credentials: CALLAB_FAKE_AUTH, baseUrl: `${fakeProviderUrl()}/v1` });

  it("a live call is live; once ended it reads completed with its disconnect reason", async () => {
    const target = input();
    expect((await readStatus(callabStatusRead, target)).reading).toEqual({ kind: "live" });
    await sendHangup(callab, { ...target, operationId: operationId(), scope: TEST_SCOPE }, QUICK_RETRIES);
    expect((await readStatus(callabStatusRead, target)).reading).toMatchObject({ kind: "ended", cause: "completed", providerCause: "Ended Via API call" });
    const [request] = (await providerRequests(target.callId)).filter((r) => r.method === "GET");
    expect(request).toMatchObject({ path: `/v1/calls/${target.callId}`, headers: { authorization: `Bearer ${CALLAB_FAKE_AUTH.api_key}` } });
  });

  it("an ended call reads busy; an unknown one 404: unknown; a wrong key is not retryable; a 5xx is", async () => {
    expect((await readStatus(callabStatusRead, input(`ended-${crypto.randomUUID()}`))).reading).toMatchObject({ kind: "ended", cause: "busy" });
    expect((await readStatus(callabStatusRead, input(`unknown-${crypto.randomUUID()}`))).reading).toEqual({ kind: "unknown" });
    expect((await readStatus(callabStatusRead, { ...input(), credentials: { api_key: "wrong-callab-key" } })).reading).toMatchObject({ kind: "error", retryable: false });
    const target = input();
    await scriptProvider(target.callId, [{ status: 502 }]);
    expect((await readStatus(callabStatusRead, target)).reading).toMatchObject({ kind: "error", retryable: true });
  });
});
