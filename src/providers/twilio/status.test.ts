/** Twilio's call status read: the request, every answer read row by row, and the fake end to end. */
import { describe, expect, it } from "vitest";
import { fakeProviderUrl, providerRequests, scriptProvider } from "../../../test/helpers";
import { readStatus } from "../read-status";
import { sendHangup } from "../send-hangup";
import { QUICK_RETRIES, TEST_SCOPE, answerOf, operationId } from "../testing/kit";
import { twilio } from ".";
import { TWILIO_FAKE_AUTH } from "./fake";
import { twilioStatusRead } from "./status";

const CREDENTIALS = { account_sid: "AC0123456789abcdef0123456789abcdef", auth_token: "twilio-secret-token" };
const [step] = twilioStatusRead.steps;
const read = (status: number, body: unknown = "", headers: Record<string, string> = {}) => step.readResponse(answerOf(status, body, headers));

function callSid(prefix = "CA"): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, "")}`;
}

describe("twilio status: the request", () => {
  it("is the adapter's status read: one GET of the call resource with HTTP Basic, as the hangup", async () => {
    expect(twilio.status).toBe(twilioStatusRead);
    expect(await step.buildRequest({ callId: "CA 1/2", credentials: CREDENTIALS, baseUrl: "http://127.0.0.1:9000/tw" })).toEqual({
      method: "GET",
      url: "http://127.0.0.1:9000/tw/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls/CA%201%2F2.json",
      headers: { authorization: `Basic ${btoa(`${CREDENTIALS.account_sid}:${CREDENTIALS.auth_token}`)}` },
    });
  });

  it.each(["", ".", ".."])("refuses the call sid %j", (callId) => {
    expect(() => step.buildRequest({ callId, credentials: CREDENTIALS, baseUrl: twilio.defaultBaseUrl })).toThrow(/without a specific call id/);
  });
});

describe("twilio status: reading the answer", () => {
  it.each(["queued", "ringing", "in-progress"])("status %s is live", (status) => {
    expect(read(200, { sid: "CA1", status })).toEqual({ kind: "live" });
  });

  it.each([
    ["completed", "completed"],
    ["busy", "busy"],
    ["no-answer", "no_answer"],
    ["failed", "failed"],
    ["canceled", "canceled"],
  ] as const)("status %s is ended, cause %s, with end_time and duration", (status, cause) => {
    expect(read(200, { sid: "CA1", status, end_time: "Tue, 31 Aug 2010 20:36:28 +0000", duration: "42" })).toEqual({
      kind: "ended", cause, endedBy: "unknown", providerCause: null, endedAt: "2010-08-31T20:36:28.000Z", answeredAt: null, durationSeconds: 42,
    });
  });

  it("a 2xx without a documented status is an error, not live", () => {
    for (const body of ["", "<html>", { sid: "CA1" }, { sid: "CA1", status: "answered" }, { status: 7 }]) {
      expect(read(200, body)).toMatchObject({ kind: "error", retryable: true });
    }
  });

  it("404 (20404) is a call Twilio does not know; 401 is not retried; 429 and 5xx are", () => {
    expect(read(404, { code: 20404, message: "not found", status: 404 })).toEqual({ kind: "unknown" });
    expect(read(401, { code: 20003, message: "Authenticate", status: 401 })).toMatchObject({ kind: "error", retryable: false });
    expect(read(429, { code: 20429 }, { "retry-after": "3" })).toEqual({ kind: "error", retryable: true, detail: expect.any(String), retryAfterMs: 3000 });
    expect(read(503, "")).toMatchObject({ kind: "error", retryable: true });
    expect(read(400, { code: 20001 })).toMatchObject({ kind: "error", retryable: false });
  });
});

describe("twilio status: against the fake provider", () => {
  const input = (callId = callSid()) => ({ callId, credentials: TWILIO_FAKE_AUTH, baseUrl: `${fakeProviderUrl()}/twilio` });

  it("a live call reads live; once hung up it reads completed", async () => {
    const call = input();
    expect(await readStatus(twilioStatusRead, call)).toMatchObject({ reading: { kind: "live" }, httpStatus: 200 });
    await sendHangup(twilio, { ...call, operationId: operationId(), scope: TEST_SCOPE }, QUICK_RETRIES);
    const after = await readStatus(twilioStatusRead, call);
    expect(after.reading).toMatchObject({ kind: "ended", cause: "completed", endedBy: "unknown", durationSeconds: 42, endedAt: expect.any(String) });
    const [request] = (await providerRequests(call.callId)).filter((r) => r.method === "GET");
    expect(request).toMatchObject({ path: `/twilio/2010-04-01/Accounts/${TWILIO_FAKE_AUTH.account_sid}/Calls/${call.callId}.json`, body: "" });
  });

  it("an ended call reads its cause (busy); an unknown one 404: unknown", async () => {
    expect((await readStatus(twilioStatusRead, input(callSid("ended-CA")))).reading).toMatchObject({ kind: "ended", cause: "busy", durationSeconds: 0 });
    expect(await readStatus(twilioStatusRead, input(callSid("unknown-CA")))).toMatchObject({ reading: { kind: "unknown" }, httpStatus: 404 });
  });

  it("a 5xx is a retryable error, asked once; a wrong token is not retryable", async () => {
    const call = input();
    await scriptProvider(call.callId, [{ status: 503, body: JSON.stringify({ code: 20500, message: "Internal Server Error", status: 503 }) }]);
    const failed = await readStatus(twilioStatusRead, call);
    expect(failed).toMatchObject({ reading: { kind: "error", retryable: true }, httpStatus: 503, steps: [{ step: 1, http_status: 503 }] });
    expect(await providerRequests(call.callId)).toHaveLength(1);
    const wrong = await readStatus(twilioStatusRead, { ...input(), credentials: { ...TWILIO_FAKE_AUTH, auth_token: "wrong-token" } });
    expect(wrong.reading).toMatchObject({ kind: "error", retryable: false });
  });
});
