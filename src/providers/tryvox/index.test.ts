/** TryVox: the request in its dialect, every documented answer, and the fake end to end. */
import { describe, expect, it } from "vitest";
import { getProvider } from "../registry";
import { sendHangup } from "../send-hangup";
import { tryvox } from ".";
import { TRYVOX_FAKE_AUTH } from "./fake";
import { fakeProviderUrl, providerRequests, scriptProvider, uniqueCallId } from "../../../test/helpers";
import { QUICK_RETRIES, TEST_SCOPE, answerOf, confirmationTable, expectNoCredential, operationId } from "../testing/kit";

const CREDENTIALS = { auth_id: "acct_123", api_key: "tvx_sk_live_secret" };

function input(callId: string, overrides: Partial<Parameters<typeof tryvox.buildRequest>[0]> = {}) {
  return { callId, operationId: operationId(), credentials: CREDENTIALS, baseUrl: tryvox.defaultBaseUrl, scope: TEST_SCOPE, ...overrides };
}

describe("tryvox: building the request", () => {
  it("is registered under its name", () => {
    expect(getProvider("tryvox")).toBe(tryvox);
  });

  it("DELETEs the call under the account with a bearer key", async () => {
    expect(await tryvox.buildRequest(input("650e8400-e29b-41d4-a716-446655440000"))).toEqual({
      method: "DELETE",
      url: "https://api.tryvox.io/v1/voice/accounts/acct_123/calls/650e8400-e29b-41d4-a716-446655440000",
      headers: { authorization: "Bearer tvx_sk_live_secret" },
    });
  });

  it("keeps the path of base_url and percent-encodes the account and the call id", async () => {
    const request = await tryvox.buildRequest(input("a/b?c", { baseUrl: "http://127.0.0.1:9000/eu", credentials: { ...CREDENTIALS, auth_id: "x/y" } }));
    expect(request.url).toBe("http://127.0.0.1:9000/eu/v1/voice/accounts/x%2Fy/calls/a%2Fb%3Fc");
  });

  it.each(["", "  ", ".", ".."])("refuses the call id %j", (callId) => {
    expect(() => tryvox.buildRequest(input(callId))).toThrow(/without a specific call id/);
  });

  it("refuses an auth_id that would leave the account's path", () => {
    expect(() => tryvox.buildRequest(input("c1", { credentials: { ...CREDENTIALS, auth_id: ".." } }))).toThrow();
  });

  it("needs auth_id and api_key, and names what is missing", () => {
    expect(tryvox.credentials.safeParse(CREDENTIALS).success).toBe(true);
    expect(tryvox.credentials.safeParse({ auth_id: "a" }).error?.issues.map((i) => i.path.join("."))).toEqual(["api_key"]);
    expect(tryvox.credentials.safeParse({ api_key: "k", auth_id: "" }).error?.issues.map((i) => i.path.join("."))).toEqual(["auth_id"]);
    expect(tryvox.credentials.safeParse({ ...CREDENTIALS, auth_token: "x" }).success).toBe(false);
  });
});

describe("tryvox: what confirms a hangup (the table in src/providers/README.md)", () => {
  confirmationTable(tryvox, [
    { answer: "204 no body", status: 204, reads: { status: "terminated" } },
    { answer: "200 empty body", status: 200, body: "", reads: { status: "terminated" } },
    { answer: "200 call_already_ended", status: 200, body: { error: "call_already_ended", message: "Call has already ended" }, reads: { status: "already_ended", code: "call_already_ended" } },
    { answer: "200 call_not_found", status: 200, body: { error: "call_not_found" }, reads: { status: "not_found", code: "call_not_found" } },
    { answer: "200 another error", status: 200, body: { error: "invalid_state", message: "…" }, reads: { status: "failed", code: "invalid_state", retryable: false } },
    { answer: '200 {status: "error"}', status: 200, body: { status: "error" }, reads: { status: "failed", retryable: false } },
    { answer: "200 {} (a body where none is documented)", status: 200, body: {}, reads: { status: "failed", retryable: false, detail: expect.stringContaining("not confirmed") } },
    { answer: "200 []", status: 200, body: [], reads: { status: "failed", retryable: false } },
    { answer: "200 text", status: 200, body: "OK", reads: { status: "failed", retryable: false } },
  ]);
});

describe("tryvox: reading the answer", () => {
  it("204 No Content is a hangup", () => {
    expect(tryvox.readResponse(answerOf(204))).toMatchObject({ status: "terminated" });
  });

  it("404 call_already_ended is already_ended", () => {
    const reading = tryvox.readResponse(answerOf(404, { error: "call_already_ended", message: "Call has already ended" }));
    expect(reading).toMatchObject({ status: "already_ended", code: "call_already_ended" });
  });

  it("call_not_found is not_found, whatever the status (the document gives none)", () => {
    for (const status of [404, 400]) {
      const body = { error: "call_not_found", message: "Call with UUID 650e8400 not found" };
      expect(tryvox.readResponse(answerOf(status, body))).toMatchObject({ status: "not_found", code: "call_not_found" });
    }
  });

  it("a 404 without a documented code is not_found", () => {
    expect(tryvox.readResponse(answerOf(404, "Not Found"))).toMatchObject({ status: "not_found" });
  });

  it("401/403 are rejected credentials; 429 and 5xx are retried; another 4xx is a refusal", () => {
    for (const status of [401, 403]) {
      const reading = tryvox.readResponse(answerOf(status, { error: "unauthorized" }));
      expect(reading).toMatchObject({ status: "failed", credentialsRejected: true, retryable: false, code: "unauthorized" });
      expectNoCredential(reading, CREDENTIALS);
    }
    expect(tryvox.readResponse(answerOf(429, "", { "retry-after": "1" }))).toMatchObject({ status: "failed", retryable: true, retryAfterMs: 1000 });
    expect(tryvox.readResponse(answerOf(500, { error: "internal" }))).toMatchObject({ status: "failed", retryable: true });
    expect(tryvox.readResponse(answerOf(400, { error: "invalid_state" }))).toMatchObject({ status: "failed", retryable: false, code: "invalid_state" });
  });
});

describe("tryvox: against the fake provider", () => {
  const live = () => input(uniqueCallId("tryvox"), { credentials: TRYVOX_FAKE_AUTH, baseUrl: `${fakeProviderUrl()}/eu` });

  it("hangs up a live call once; the second hangup reads call_already_ended", async () => {
    const hangup = live();
    expect(await sendHangup(tryvox, hangup, QUICK_RETRIES)).toMatchObject({ reading: { status: "terminated" }, httpStatus: 204 });
    expect(await sendHangup(tryvox, hangup, QUICK_RETRIES)).toMatchObject({ reading: { status: "already_ended" }, httpStatus: 404 });

    const [request] = await providerRequests(hangup.callId);
    expect(request).toMatchObject({
      method: "DELETE",
      path: `/eu/v1/voice/accounts/${TRYVOX_FAKE_AUTH.auth_id}/calls/${hangup.callId}`,
      headers: { authorization: `Bearer ${TRYVOX_FAKE_AUTH.api_key}` },
      body: "",
    });
  });

  it("an ended call is already_ended, an unknown one not_found", async () => {
    const ended = await sendHangup(tryvox, { ...live(), callId: uniqueCallId("ended") }, QUICK_RETRIES);
    expect(ended.reading).toMatchObject({ status: "already_ended", code: "call_already_ended" });
    const unknown = await sendHangup(tryvox, { ...live(), callId: uniqueCallId("unknown") }, QUICK_RETRIES);
    expect(unknown.reading).toMatchObject({ status: "not_found", code: "call_not_found" });
  });

  it("a wrong key fails once, not retried", async () => {
    const result = await sendHangup(tryvox, { ...live(), credentials: { ...TRYVOX_FAKE_AUTH, api_key: "wrong" } }, QUICK_RETRIES);
    expect(result.reading).toMatchObject({ status: "failed", credentialsRejected: true });
    expect(result.attempts).toHaveLength(1);
  });

  it("retries a 503 and then hangs up", async () => {
    const hangup = live();
    await scriptProvider(hangup.callId, [{ status: 503, body: JSON.stringify({ error: "unavailable" }) }]);
    const result = await sendHangup(tryvox, hangup, QUICK_RETRIES);
    expect(result.reading.status).toBe("terminated");
    expect(result.attempts.map((a) => a.http_status)).toEqual([503, 204]);
  });
});
