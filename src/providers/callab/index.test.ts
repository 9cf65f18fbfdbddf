/** Callab: the request in its dialect, its 200-with-empty-body errors, and the fake end to end. */
import { describe, expect, it } from "vitest";
import { callab } from ".";
import { getProvider } from "../registry";
import { sendHangup } from "../send-hangup";
import { CALLAB_FAKE_AUTH } from "./fake";
import { fakeProviderUrl, providerRequests, scriptProvider } from "../../../test/helpers";
import { QUICK_RETRIES, TEST_SCOPE, answerOf, confirmationTable, expectNoCredential, operationId } from "../testing/kit";

const CREDENTIALS = { api_key: "callab-secret-key" };
const ENVELOPE = { status: "success", message: "Call ended", data: { call_id: "550e8400-e29b-41d4-a716-446655440000" } };

function input(callId: string, overrides: Partial<Parameters<typeof callab.buildRequest>[0]> = {}) {
  return { callId, operationId: operationId(), credentials: CREDENTIALS, baseUrl: callab.defaultBaseUrl, scope: TEST_SCOPE, ...overrides };
}

describe("callab: building the request", () => {
  it("is registered under its name", () => {
    expect(getProvider("callab")).toBe(callab);
  });

  it("POSTs the call id and the reason to /v1/calls/end with a bearer key", async () => {
    expect(await callab.buildRequest(input("550e8400-e29b-41d4-a716-446655440000", { reason: "policy:fraud" }))).toEqual({
      method: "POST",
      url: "https://api.callab.ai/v1/calls/end",
      headers: { authorization: "Bearer callab-secret-key", "content-type": "application/json" },
      body: JSON.stringify({ call_id: "550e8400-e29b-41d4-a716-446655440000", disconnect_reason: "policy:fraud" }),
    });
  });

  it("omits disconnect_reason when there is no reason (Callab then records its default)", async () => {
    for (const reason of [undefined, ""]) {
      const request = await callab.buildRequest(input("550e8400-e29b-41d4-a716-446655440000", reason === undefined ? {} : { reason }));
      expect(JSON.parse(request.body ?? "")).toEqual({ call_id: "550e8400-e29b-41d4-a716-446655440000" });
    }
  });

  it("keeps the path of base_url", async () => {
    expect((await callab.buildRequest(input("c1", { baseUrl: "http://127.0.0.1:9000/proxy/v1" }))).url).toBe("http://127.0.0.1:9000/proxy/v1/calls/end");
  });

  it.each(["", "  ", ".", ".."])("refuses the call id %j", (callId) => {
    expect(() => callab.buildRequest(input(callId))).toThrow(/without a specific call id/);
  });

  it("needs api_key and nothing else", () => {
    expect(callab.credentials.safeParse(CREDENTIALS).success).toBe(true);
    expect(callab.credentials.safeParse({}).error?.issues.map((i) => i.path.join("."))).toEqual(["api_key"]);
    expect(callab.credentials.safeParse({ ...CREDENTIALS, jwt: "x" }).success).toBe(false);
  });
});

describe("callab: what confirms a hangup (the table in src/providers/README.md)", () => {
  confirmationTable(callab, [
    { answer: '200 {status: "success", message, data}', status: 200, body: ENVELOPE, reads: { status: "terminated" } },
    { answer: '200 {status: "Success"}', status: 200, body: { status: "Success", message: "ok" }, reads: { status: "terminated" } },
    { answer: "200 {status: true, data}", status: 200, body: { status: true, data: {} }, reads: { status: "terminated" } },
    { answer: "200 empty", status: 200, body: "", reads: { status: "not_found", detail: expect.stringContaining("did not confirm") } },
    { answer: '200 {status: "error", message}', status: 200, body: { status: "error", message: "Call not found" }, reads: { status: "failed", retryable: false } },
    { answer: "200 {status: false, message}", status: 200, body: { status: false, message: "Call not found" }, reads: { status: "failed", retryable: false } },
    { answer: '200 {error: "…"}', status: 200, body: { error: "call_not_active" }, reads: { status: "failed", code: "call_not_active", retryable: false } },
    { answer: '200 {status: "success"} beside an error', status: 200, body: { status: "success", error: { code: 1 } }, reads: { status: "failed", retryable: false } },
    { answer: "200 {} (no status)", status: 200, body: {}, reads: { status: "failed", retryable: false, detail: expect.stringContaining("not confirmed") } },
    { answer: '200 {status: "pending"}', status: 200, body: { status: "pending" }, reads: { status: "failed", retryable: false } },
    { answer: '200 {status: ["success"]} (not a word)', status: 200, body: { status: ["success"] }, reads: { status: "failed", retryable: false } },
    { answer: "200 []", status: 200, body: [], reads: { status: "failed", retryable: false } },
    { answer: "200 text", status: 200, body: "<html>login</html>", reads: { status: "failed", retryable: false } },
  ]);
});

describe("callab: reading the answer", () => {
  it("200 with its envelope is a hangup", () => {
    expect(callab.readResponse(answerOf(200, ENVELOPE))).toMatchObject({ status: "terminated" });
  });

  it("200 with an EMPTY body is not confirmed: not_found, never terminated, saying so", () => {
    for (const body of ["", "  \n"]) {
      const reading = callab.readResponse(answerOf(200, body));
      expect(reading.status).toBe("not_found");
      expect(reading.detail).toMatch(/did not confirm/);
    }
  });

  it("200 with a body that is not JSON is not confirmed either", () => {
    expect(callab.readResponse(answerOf(200, "<html>login</html>"))).toMatchObject({ status: "failed", retryable: false });
  });

  it("other statuses read as everywhere: 401 credentials, 429/5xx retried, other 4xx refused", () => {
    const rejected = callab.readResponse(answerOf(401, { status: "error", message: "invalid token callab-secret-key" }));
    expect(rejected).toMatchObject({ status: "failed", credentialsRejected: true });
    expectNoCredential(rejected, CREDENTIALS);
    expect(callab.readResponse(answerOf(429, ""))).toMatchObject({ status: "failed", retryable: true });
    expect(callab.readResponse(answerOf(500, ""))).toMatchObject({ status: "failed", retryable: true });
    expect(callab.readResponse(answerOf(422, ENVELOPE))).toMatchObject({ status: "failed", retryable: false });
  });
});

describe("callab: against the fake provider", () => {
  // Callab's call ids are UUIDs; anything else is an "invalid call ID".
  const live = () => input(crypto.randomUUID(), { credentials: CALLAB_FAKE_AUTH, baseUrl: `${fakeProviderUrl()}/v1`, reason: "policy:max-duration" });

  it("ends a live call with the reason; the second hangup gets the empty 200", async () => {
    const hangup = live();
    expect(await sendHangup(callab, hangup, QUICK_RETRIES)).toMatchObject({ reading: { status: "terminated" }, httpStatus: 200 });
    const second = await sendHangup(callab, hangup, QUICK_RETRIES);
    expect(second).toMatchObject({ reading: { status: "not_found" }, httpStatus: 200 });
    expect(second.attempts).toHaveLength(1);

    const [request] = await providerRequests(hangup.callId);
    expect(request).toMatchObject({
      method: "POST",
      path: "/v1/calls/end",
      headers: { authorization: `Bearer ${CALLAB_FAKE_AUTH.api_key}`, "content-type": "application/json" },
    });
    expect(JSON.parse(request?.body ?? "")).toEqual({ call_id: hangup.callId, disconnect_reason: "policy:max-duration" });
  });

  it.each(["ended", "unknown"])("a call id starting %s- gets the empty 200: not_found", async (prefix) => {
    const result = await sendHangup(callab, { ...live(), callId: `${prefix}-${crypto.randomUUID()}` }, QUICK_RETRIES);
    expect(result.reading.status).toBe("not_found");
  });

  it("a wrong key also gets the empty 200 (Callab documents no other error): never terminated", async () => {
    const result = await sendHangup(callab, { ...live(), credentials: { api_key: "wrong" } }, QUICK_RETRIES);
    expect(result.reading.status).toBe("not_found");
    expect(result.attempts).toHaveLength(1);
  });

  it("retries a 502 and then ends the call", async () => {
    const hangup = live();
    await scriptProvider(hangup.callId, [{ status: 502 }]);
    const result = await sendHangup(callab, hangup, QUICK_RETRIES);
    expect(result.reading.status).toBe("terminated");
    expect(result.attempts.map((a) => a.http_status)).toEqual([502, 200]);
  });
});
