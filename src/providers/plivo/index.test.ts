/** Plivo: the request in its dialect, every documented answer, and the fake's answers end to end. */
import { describe, expect, it } from "vitest";
import { plivo } from ".";
import { getProvider } from "../registry";
import { sendHangup } from "../send-hangup";
import { PLIVO_FAKE_AUTH } from "./fake";
import { allProviderRequests, fakeProviderUrl, providerRequests, scriptProvider, uniqueCallId } from "../../../test/helpers";
import { QUICK_RETRIES, TEST_SCOPE, answerOf, confirmationTable, expectNoCredential, operationId } from "../testing/kit";

const CREDENTIALS = { auth_id: "MAXXXXXXXXXXXXXXXXXX", auth_token: "secret-token" };

function input(callId: string, overrides: Partial<Parameters<typeof plivo.buildRequest>[0]> = {}) {
  return { callId, operationId: operationId(), credentials: CREDENTIALS, baseUrl: plivo.defaultBaseUrl, scope: TEST_SCOPE, ...overrides };
}

describe("plivo: building the request", () => {
  it("is registered under its name", () => {
    expect(getProvider("plivo")).toBe(plivo);
  });

  it("DELETEs the call with a trailing slash and HTTP Basic, and the SDK's empty JSON body", async () => {
    const request = await plivo.buildRequest(input("defb0706-86a6-11e4-b303-498d468c930b"));
    expect(request).toEqual({
      method: "DELETE",
      url: "https://api.plivo.com/v1/Account/MAXXXXXXXXXXXXXXXXXX/Call/defb0706-86a6-11e4-b303-498d468c930b/",
      headers: { authorization: `Basic ${btoa("MAXXXXXXXXXXXXXXXXXX:secret-token")}`, "content-type": "application/json" },
      body: "{}",
    });
  });

  it("keeps the path of base_url and percent-encodes the call id", async () => {
    const request = await plivo.buildRequest(input("a/b c?#", { baseUrl: "http://127.0.0.1:9000/eu" }));
    expect(request.url).toBe("http://127.0.0.1:9000/eu/v1/Account/MAXXXXXXXXXXXXXXXXXX/Call/a%2Fb%20c%3F%23/");
  });

  it.each(["", "  ", ".", ".."])("refuses to build a request for the call id %j (it would address every call)", (callId) => {
    expect(() => plivo.buildRequest(input(callId))).toThrow(/without a specific call id/);
  });

  it("accepts its credentials and names the missing field", () => {
    expect(plivo.credentials.safeParse(CREDENTIALS).success).toBe(true);
    const missing = plivo.credentials.safeParse({ auth_id: "MA" });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues.map((issue) => issue.path.join("."))).toEqual(["auth_token"]);
    expect(plivo.credentials.safeParse({ ...CREDENTIALS, extra: "x" }).success).toBe(false);
    expect(plivo.credentials.safeParse({ auth_id: "", auth_token: "t" }).success).toBe(false);
  });
});

describe("plivo: what confirms a hangup (the table in src/providers/README.md)", () => {
  confirmationTable(plivo, [
    { answer: "204 no body", status: 204, reads: { status: "terminated" } },
    { answer: "200 empty body", status: 200, body: "", reads: { status: "terminated" } },
    { answer: '200 {"error":"not found"}', status: 200, body: { api_id: "x", error: "not found" }, reads: { status: "failed", code: "not found", retryable: false } },
    { answer: "200 another error", status: 200, body: { api_id: "x", error: "invalid call uuid" }, reads: { status: "failed", code: "invalid call uuid", retryable: false } },
    { answer: '200 {status: false}', status: 200, body: { status: false }, reads: { status: "failed", retryable: false } },
    { answer: "200 {api_id, message} (a body where none is documented)", status: 200, body: { api_id: "x", message: "call hung up" }, reads: { status: "failed", retryable: false, detail: expect.stringContaining("not confirmed") } },
    { answer: "200 []", status: 200, body: [], reads: { status: "failed", retryable: false } },
    { answer: "200 text", status: 200, body: "<html>login</html>", reads: { status: "failed", retryable: false } },
  ]);
});

describe("plivo: reading the answer", () => {
  it("204 with no body is a hangup", () => {
    expect(plivo.readResponse(answerOf(204))).toMatchObject({ status: "terminated" });
  });

  it('404 {"error":"not found"} is not_found: Plivo gives one answer for ended and unknown calls', () => {
    const reading = plivo.readResponse(answerOf(404, { api_id: "be4512a4-b5cc-11e4-9107-22000afaaa90", error: "not found" }));
    expect(reading).toMatchObject({ status: "not_found", code: "not found" });
  });

  it("401 is rejected credentials, never retried", () => {
    const reading = plivo.readResponse(answerOf(401, { error: "authentication failed" }));
    expect(reading).toMatchObject({ status: "failed", credentialsRejected: true, retryable: false });
    expectNoCredential(reading, CREDENTIALS);
  });

  it("429 is rate limiting, retried after its Retry-After", () => {
    expect(plivo.readResponse(answerOf(429, "", { "retry-after": "3" }))).toMatchObject({ status: "failed", retryable: true, retryAfterMs: 3000 });
  });

  it("5xx is retried; another 4xx is a refusal", () => {
    expect(plivo.readResponse(answerOf(503, "<html>"))).toMatchObject({ status: "failed", retryable: true });
    expect(plivo.readResponse(answerOf(400, { error: "invalid" }))).toMatchObject({ status: "failed", retryable: false, code: "invalid" });
  });
});

describe("plivo: against the fake provider", () => {
  const live = () => input(uniqueCallId("plivo"), { credentials: PLIVO_FAKE_AUTH, baseUrl: `${fakeProviderUrl()}/eu` });

  it("hangs up a live call once; the second hangup finds it gone", async () => {
    const hangup = live();
    const first = await sendHangup(plivo, hangup, QUICK_RETRIES);
    expect(first).toMatchObject({ reading: { status: "terminated" }, httpStatus: 204 });
    expect(first.attempts).toHaveLength(1);
    const second = await sendHangup(plivo, hangup, QUICK_RETRIES);
    expect(second).toMatchObject({ reading: { status: "not_found", code: "not found" }, httpStatus: 404 });

    const requests = await providerRequests(hangup.callId);
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({
      method: "DELETE",
      path: `/eu/v1/Account/${PLIVO_FAKE_AUTH.auth_id}/Call/${hangup.callId}/`,
      headers: { authorization: `Basic ${btoa(`${PLIVO_FAKE_AUTH.auth_id}:${PLIVO_FAKE_AUTH.auth_token}`)}` },
    });
  });

  it.each(["ended", "unknown"])("a call id starting %s- is not_found", async (prefix) => {
    const result = await sendHangup(plivo, { ...live(), callId: uniqueCallId(prefix) }, QUICK_RETRIES);
    expect(result.reading.status).toBe("not_found");
  });

  it("wrong credentials fail once, not retried", async () => {
    const result = await sendHangup(plivo, { ...live(), credentials: { ...PLIVO_FAKE_AUTH, auth_token: "wrong" } }, QUICK_RETRIES);
    expect(result.reading).toMatchObject({ status: "failed", credentialsRejected: true });
    expect(result.attempts).toHaveLength(1);
  });

  it("retries a rate limit and then hangs up", async () => {
    const hangup = live();
    await scriptProvider(hangup.callId, [{ status: 429, body: JSON.stringify({ error: "too many requests" }), headers: { "retry-after": "0" } }]);
    const result = await sendHangup(plivo, hangup, QUICK_RETRIES);
    expect(result.reading.status).toBe("terminated");
    expect(result.attempts.map((a) => a.http_status)).toEqual([429, 204]);
  });

  it("never lets a request reach /Call/ without a call id", async () => {
    for (const callId of ["", "  ", ".", ".."]) {
      await expect(sendHangup(plivo, { ...live(), callId }, QUICK_RETRIES)).rejects.toThrow(/without a specific call id/);
    }
    // What those ids would have become: `/Call/`, `/Call/%20%20/`, and (dot segments resolved) `/Account/{id}/`.
    const withoutId = (await allProviderRequests()).filter((r) => /\/Call\/(?:%20)*\/?$|\/Account\/[^/]+\/?$/.test(r.path.split("?")[0] ?? ""));
    expect(withoutId).toEqual([]);
  });
});
