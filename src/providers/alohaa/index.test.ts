/** Alohaa: the request in its dialect, every documented answer (read from the body whatever the status), and the fake end to end. */
import { describe, expect, it } from "vitest";
import { alohaa } from ".";
import { getProvider } from "../registry";
import { sendHangup } from "../send-hangup";
import { ALOHAA_FAKE_AUTH } from "./fake";
import { fakeProviderUrl, providerRequests, scriptProvider, uniqueCallId } from "../../../test/helpers";
import { QUICK_RETRIES, TEST_SCOPE, answerOf, confirmationTable, expectNoCredential, operationId } from "../testing/kit";

const CREDENTIALS = { api_key: "metro-secret-key" };

function input(callId: string, overrides: Partial<Parameters<typeof alohaa.buildRequest>[0]> = {}) {
  return { callId, operationId: operationId(), credentials: CREDENTIALS, baseUrl: alohaa.defaultBaseUrl, scope: TEST_SCOPE, ...overrides };
}

function failure(code: number | string, reason = "whatever the provider says") {
  return { success: false, error: { code, reason } };
}

describe("alohaa: building the request", () => {
  it("is registered under its name", () => {
    expect(getProvider("alohaa")).toBe(alohaa);
  });

  it("POSTs the call id as JSON with the key in x-metro-api-key", async () => {
    expect(await alohaa.buildRequest(input("e1ffd143-aaaa-bbbb-cccc-dddddddddddd"))).toEqual({
      method: "POST",
      url: "https://incoming-call.alohaa.ai/v1/external/call/hangup",
      headers: { "x-metro-api-key": "metro-secret-key", "content-type": "application/json" },
      body: JSON.stringify({ call_id: "e1ffd143-aaaa-bbbb-cccc-dddddddddddd" }),
    });
  });

  it("keeps the path of base_url; the call id travels in the body, unchanged", async () => {
    const request = await alohaa.buildRequest(input('a/b "c"', { baseUrl: "http://127.0.0.1:9000/in/" }));
    expect(request.url).toBe("http://127.0.0.1:9000/in/v1/external/call/hangup");
    expect(JSON.parse(request.body ?? "")).toEqual({ call_id: 'a/b "c"' });
  });

  it.each(["", "  ", ".", ".."])("refuses the call id %j", (callId) => {
    expect(() => alohaa.buildRequest(input(callId))).toThrow(/without a specific call id/);
  });

  it("needs api_key and nothing else", () => {
    expect(alohaa.credentials.safeParse(CREDENTIALS).success).toBe(true);
    expect(alohaa.credentials.safeParse({}).error?.issues.map((i) => i.path.join("."))).toEqual(["api_key"]);
    expect(alohaa.credentials.safeParse({ api_key: "" }).success).toBe(false);
    expect(alohaa.credentials.safeParse({ ...CREDENTIALS, auth_id: "x" }).success).toBe(false);
  });
});

describe("alohaa: what confirms a hangup (the table in src/providers/README.md)", () => {
  confirmationTable(alohaa, [
    { answer: "200 {success: true, response}", status: 200, body: { success: true, response: { call_id: "c1" } }, reads: { status: "terminated" } },
    { answer: "201 {success: true}", status: 201, body: { success: true }, reads: { status: "terminated" } },
    { answer: "200 {success: true} beside an error", status: 200, body: { success: true, error: { code: 1000, reason: "failed" } }, reads: { status: "failed", retryable: false } },
    { answer: '200 {success: true, status: "error"}', status: 200, body: { success: true, status: "error" }, reads: { status: "failed", retryable: false } },
    { answer: "200 success:false 1040", status: 200, body: failure(1040), reads: { status: "already_ended", code: "1040" } },
    { answer: "200 success:false 1002", status: 200, body: failure(1002), reads: { status: "failed", credentialsRejected: true } },
    { answer: "200 success:false 1000", status: 200, body: failure(1000), reads: { status: "failed", retryable: true } },
    { answer: "200 success:false 1009", status: 200, body: failure(1009), reads: { status: "failed", retryable: false } },
    { answer: "200 success:false, another code", status: 200, body: failure(1234), reads: { status: "failed", code: "1234", retryable: false } },
    { answer: "200 success:false without a code", status: 200, body: { success: false }, reads: { status: "failed", retryable: false } },
    { answer: "200 {} (no success field)", status: 200, body: {}, reads: { status: "failed", retryable: false, detail: expect.stringContaining("not confirmed") } },
    { answer: '200 {success: "true"} (not the boolean)', status: 200, body: { success: "true" }, reads: { status: "failed", retryable: false } },
    { answer: "200 [] (no object)", status: 200, body: [], reads: { status: "failed", retryable: false } },
    { answer: "200 empty", status: 200, body: "", reads: { status: "failed", retryable: false } },
    { answer: "200 text", status: 200, body: "<html>ok</html>", reads: { status: "failed", retryable: false } },
    { answer: "500 {success: true} (not a 2xx)", status: 500, body: { success: true }, reads: { status: "failed", retryable: true } },
    { answer: "401 {success: true} (not a 2xx)", status: 401, body: { success: true }, reads: { status: "failed", credentialsRejected: true } },
  ]);
});

describe("alohaa: reading the answer", () => {
  it("success:true under a 2xx is a hangup", () => {
    const body = { success: true, response: { call_id: "e1ffd143" } };
    expect(alohaa.readResponse(answerOf(200, body))).toMatchObject({ status: "terminated" });
    expect(alohaa.readResponse(answerOf(201, body))).toMatchObject({ status: "terminated" });
  });

  it.each([200, 400, 404])("1040 (no active call) is already_ended, under HTTP %i", (status) => {
    expect(alohaa.readResponse(answerOf(status, failure(1040, "Call details not found")))).toEqual({
      status: "already_ended",
      code: "1040",
      detail: expect.any(String),
    });
  });

  it.each([200, 401, 403])("1002 (invalid api key) is rejected credentials, never retried, under HTTP %i", (status) => {
    const reading = alohaa.readResponse(answerOf(status, failure(1002, "Invalid api key id metro-secret-key")));
    expect(reading).toMatchObject({ status: "failed", code: "1002", credentialsRejected: true, retryable: false });
    expectNoCredential(reading, CREDENTIALS);
  });

  it.each([200, 400, 422])("1009 (invalid schema) is a refusal, not retried, under HTTP %i", (status) => {
    expect(alohaa.readResponse(answerOf(status, failure(1009)))).toMatchObject({ status: "failed", code: "1009", retryable: false });
  });

  it.each([200, 500])("1000 (internal error) is retried, under HTTP %i, honouring Retry-After", (status) => {
    const reading = alohaa.readResponse(answerOf(status, failure(1000), { "retry-after": "2" }));
    expect(reading).toMatchObject({ status: "failed", code: "1000", retryable: true, retryAfterMs: 2000 });
    expect(reading.credentialsRejected).toBeUndefined();
  });

  it("a code sent as a string reads the same as a number", () => {
    expect(alohaa.readResponse(answerOf(200, failure("1040")))).toMatchObject({ status: "already_ended", code: "1040" });
  });

  it("an undocumented code: a refusal under 2xx, the status decides under 4xx/5xx", () => {
    expect(alohaa.readResponse(answerOf(200, failure(1234)))).toMatchObject({ status: "failed", code: "1234", retryable: false });
    expect(alohaa.readResponse(answerOf(503, failure(1234)))).toMatchObject({ status: "failed", code: "1234", retryable: true });
    expect(alohaa.readResponse(answerOf(200, { success: false }))).toMatchObject({ status: "failed", retryable: false });
    expect(alohaa.readResponse(answerOf(200, failure("constructor")))).toMatchObject({ status: "failed", code: "constructor", retryable: false });
  });

  it("a body that is not its JSON falls back to the status", () => {
    expect(alohaa.readResponse(answerOf(401, "Unauthorized"))).toMatchObject({ status: "failed", credentialsRejected: true });
    expect(alohaa.readResponse(answerOf(502, "<html>bad gateway</html>"))).toMatchObject({ status: "failed", retryable: true });
    expect(alohaa.readResponse(answerOf(429, ""))).toMatchObject({ status: "failed", retryable: true });
    expect(alohaa.readResponse(answerOf(404, ""))).toMatchObject({ status: "failed", retryable: false });
  });

  it("a 200 without its JSON is never a hangup", () => {
    for (const body of ["", "OK", "[]", JSON.stringify({ status: "ok" })]) {
      expect(alohaa.readResponse(answerOf(200, body))).toMatchObject({ status: "failed", retryable: false });
    }
  });
});

describe("alohaa: against the fake provider", () => {
  const live = () => input(uniqueCallId("alohaa"), { credentials: ALOHAA_FAKE_AUTH, baseUrl: `${fakeProviderUrl()}/in` });

  it("hangs up a live call once; the second hangup reads 1040", async () => {
    const hangup = live();
    expect(await sendHangup(alohaa, hangup, QUICK_RETRIES)).toMatchObject({ reading: { status: "terminated" }, httpStatus: 200 });
    expect(await sendHangup(alohaa, hangup, QUICK_RETRIES)).toMatchObject({ reading: { status: "already_ended", code: "1040" } });

    const [request] = await providerRequests(hangup.callId);
    expect(request).toMatchObject({
      method: "POST",
      path: "/in/v1/external/call/hangup",
      headers: { "x-metro-api-key": ALOHAA_FAKE_AUTH.api_key, "content-type": "application/json" },
    });
    expect(JSON.parse(request?.body ?? "")).toEqual({ call_id: hangup.callId });
  });

  it.each(["ended", "unknown"])("a call id starting %s- is already_ended (1040 is Alohaa's one answer for both)", async (prefix) => {
    const result = await sendHangup(alohaa, { ...live(), callId: uniqueCallId(prefix) }, QUICK_RETRIES);
    expect(result.reading).toMatchObject({ status: "already_ended", code: "1040" });
  });

  it("a wrong key is 1002: failed once, not retried", async () => {
    const result = await sendHangup(alohaa, { ...live(), credentials: { api_key: "wrong" } }, QUICK_RETRIES);
    expect(result.reading).toMatchObject({ status: "failed", code: "1002", credentialsRejected: true });
    expect(result.attempts).toHaveLength(1);
  });

  it("retries 1000 and then hangs up", async () => {
    const hangup = live();
    await scriptProvider(hangup.callId, [{ status: 200, body: JSON.stringify(failure(1000, "Internal Server Error")) }]);
    const result = await sendHangup(alohaa, hangup, QUICK_RETRIES);
    expect(result.reading.status).toBe("terminated");
    expect(result.attempts.map((a) => a.code ?? a.outcome)).toEqual(["1000", "terminated"]);
  });
});
