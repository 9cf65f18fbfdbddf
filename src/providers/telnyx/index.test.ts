/** Telnyx: the hangup command in its dialect (with a command_id a retry cannot repeat), its errors, and the fake end to end. */
import { describe, expect, it } from "vitest";
import { getProvider } from "../registry";
import { sendHangup } from "../send-hangup";
import { telnyx } from ".";
import { TELNYX_FAKE_AUTH } from "./fake";
import { fakeProviderUrl, providerRequests, scriptProvider } from "../../../test/helpers";
import { QUICK_RETRIES, TEST_SCOPE, answerOf, confirmationTable, expectNoCredential, operationId } from "../testing/kit";

const CREDENTIALS = { api_key: "KEY0123SECRET" };

function input(callId: string, overrides: Partial<Parameters<typeof telnyx.buildRequest>[0]> = {}) {
  return { callId, operationId: operationId(), credentials: CREDENTIALS, baseUrl: telnyx.defaultBaseUrl, scope: TEST_SCOPE, ...overrides };
}

/** Call control ids look like `v3:…` — the colon is percent-encoded into the path. */
function controlId(prefix = ""): string {
  return `${prefix}v3:${crypto.randomUUID()}`;
}

function telnyxError(code: string, title: string) {
  return { errors: [{ code, title, detail: "…" }] };
}

describe("telnyx: building the request", () => {
  it("is registered under its name", () => {
    expect(getProvider("telnyx")).toBe(telnyx);
  });

  it("POSTs the hangup action with a bearer key and the operation id as command_id", async () => {
    const hangup = input("v3:abc-DEF_123", { operationId: "op-42", reason: "policy:fraud" });
    expect(await telnyx.buildRequest(hangup)).toEqual({
      method: "POST",
      url: "https://api.telnyx.com/v2/calls/v3:abc-DEF_123/actions/hangup",
      headers: { authorization: "Bearer KEY0123SECRET", "content-type": "application/json" },
      body: JSON.stringify({ command_id: "op-42" }),
    });
  });

  it("builds the same command_id every time for one operation, so Telnyx ignores a retry", async () => {
    const hangup = input("v3:abc");
    expect((await telnyx.buildRequest(hangup)).body).toBe((await telnyx.buildRequest({ ...hangup })).body);
  });

  it("keeps the path of base_url", async () => {
    expect((await telnyx.buildRequest(input("v3:a/b", { baseUrl: "http://127.0.0.1:9000/tx" }))).url).toBe("http://127.0.0.1:9000/tx/v2/calls/v3:a%2Fb/actions/hangup");
  });

  it.each(["", "  ", ".", ".."])("refuses the call control id %j", (callId) => {
    expect(() => telnyx.buildRequest(input(callId))).toThrow(/without a specific call id/);
  });

  it("needs api_key and nothing else", () => {
    expect(telnyx.credentials.safeParse(CREDENTIALS).success).toBe(true);
    expect(telnyx.credentials.safeParse({}).error?.issues.map((i) => i.path.join("."))).toEqual(["api_key"]);
    expect(telnyx.credentials.safeParse({ ...CREDENTIALS, connection_id: "1" }).success).toBe(false);
  });
});

describe("telnyx: what confirms a hangup (the table in src/providers/README.md)", () => {
  confirmationTable(telnyx, [
    { answer: '200 {data: {result: "ok"}}', status: 200, body: { data: { result: "ok" } }, reads: { status: "terminated" } },
    { answer: "200 errors with 90018", status: 200, body: telnyxError("90018", "Call has already ended"), reads: { status: "already_ended", code: "90018" } },
    { answer: "200 errors, another code", status: 200, body: telnyxError("90015", "Invalid call control id"), reads: { status: "failed", code: "90015", retryable: false } },
    { answer: '200 {data: {result: "ok"}} beside errors', status: 200, body: { data: { result: "ok" }, ...telnyxError("10005", "x") }, reads: { status: "failed", code: "10005", retryable: false } },
    { answer: '200 {data: {result: "failed"}}', status: 200, body: { data: { result: "failed" } }, reads: { status: "failed", retryable: false } },
    { answer: "200 {data: {}}", status: 200, body: { data: {} }, reads: { status: "failed", retryable: false, detail: expect.stringContaining("not confirmed") } },
    { answer: "200 empty", status: 200, body: "", reads: { status: "failed", retryable: false } },
    { answer: "200 []", status: 200, body: [], reads: { status: "failed", retryable: false } },
    { answer: "200 text", status: 200, body: "ok", reads: { status: "failed", retryable: false } },
  ]);
});

describe("telnyx: reading the answer", () => {
  it("200 is a hangup", () => {
    expect(telnyx.readResponse(answerOf(200, { data: { result: "ok" } }))).toMatchObject({ status: "terminated" });
  });

  it("90018 (call already ended) is already_ended, wherever it is in errors[] and whatever the status", () => {
    expect(telnyx.readResponse(answerOf(422, telnyxError("90018", "Call has already ended")))).toMatchObject({ status: "already_ended", code: "90018" });
    const second = { errors: [{ code: "10001", title: "other" }, { code: 90018, title: "Call has already ended" }] };
    expect(telnyx.readResponse(answerOf(400, second))).toMatchObject({ status: "already_ended", code: "90018" });
  });

  it("404 is not_found", () => {
    expect(telnyx.readResponse(answerOf(404, telnyxError("10005", "Resource not found")))).toMatchObject({ status: "not_found", code: "10005" });
    expect(telnyx.readResponse(answerOf(404, ""))).toMatchObject({ status: "not_found" });
  });

  it("401 is rejected credentials; 429 and 5xx are retried; another 422 is a refusal", () => {
    const rejected = telnyx.readResponse(answerOf(401, telnyxError("10009", "Authentication failed")));
    expect(rejected).toMatchObject({ status: "failed", credentialsRejected: true, retryable: false, code: "10009" });
    expectNoCredential(rejected, CREDENTIALS);
    expect(telnyx.readResponse(answerOf(429, telnyxError("10011", "Too many requests"), { "retry-after": "1" }))).toMatchObject({ status: "failed", retryable: true, retryAfterMs: 1000 });
    expect(telnyx.readResponse(answerOf(500, "oops"))).toMatchObject({ status: "failed", retryable: true });
    expect(telnyx.readResponse(answerOf(422, telnyxError("90015", "Invalid call control id")))).toMatchObject({ status: "failed", retryable: false, code: "90015" });
  });
});

describe("telnyx: against the fake provider", () => {
  const live = () => input(controlId(), { credentials: TELNYX_FAKE_AUTH, baseUrl: `${fakeProviderUrl()}/tx` });

  it("hangs up a live call; another hangup operation reads 90018", async () => {
    const hangup = live();
    expect(await sendHangup(telnyx, hangup, QUICK_RETRIES)).toMatchObject({ reading: { status: "terminated" }, httpStatus: 200 });
    const another = await sendHangup(telnyx, { ...hangup, operationId: operationId() }, QUICK_RETRIES);
    expect(another).toMatchObject({ reading: { status: "already_ended", code: "90018" }, httpStatus: 422 });

    const [request] = await providerRequests(hangup.callId);
    expect(request).toMatchObject({
      method: "POST",
      path: `/tx/v2/calls/${hangup.callId}/actions/hangup`,
      headers: { authorization: `Bearer ${TELNYX_FAKE_AUTH.api_key}`, "content-type": "application/json" },
    });
    expect(JSON.parse(request?.body ?? "")).toEqual({ command_id: hangup.operationId });
  });

  it("the same operation sent again (its first answer lost) is ignored by Telnyx and still reads terminated", async () => {
    const hangup = live();
    expect((await sendHangup(telnyx, hangup, QUICK_RETRIES)).reading.status).toBe("terminated");
    const repeated = await sendHangup(telnyx, hangup, QUICK_RETRIES);
    expect(repeated).toMatchObject({ reading: { status: "terminated" }, httpStatus: 200 });
    const bodies = (await providerRequests(hangup.callId)).map((r) => JSON.parse(r.body) as unknown);
    expect(bodies).toEqual([{ command_id: hangup.operationId }, { command_id: hangup.operationId }]);
  });

  it("retries a connection reset with the same command_id", async () => {
    const hangup = live();
    await scriptProvider(hangup.callId, [{ status: 200, reset: true }]);
    const result = await sendHangup(telnyx, hangup, QUICK_RETRIES);
    expect(result.reading.status).toBe("terminated");
    expect(result.attempts.map((a) => a.http_status)).toEqual([null, 200]);
    const bodies = (await providerRequests(hangup.callId)).map((r) => JSON.parse(r.body) as unknown);
    expect(bodies).toEqual([{ command_id: hangup.operationId }, { command_id: hangup.operationId }]);
  });

  it("an ended call is already_ended, an unknown one not_found", async () => {
    expect((await sendHangup(telnyx, { ...live(), callId: controlId("ended-") }, QUICK_RETRIES)).reading).toMatchObject({ status: "already_ended" });
    expect((await sendHangup(telnyx, { ...live(), callId: controlId("unknown-") }, QUICK_RETRIES)).reading).toMatchObject({ status: "not_found" });
  });

  it("a wrong key is 10009: failed once, not retried", async () => {
    const result = await sendHangup(telnyx, { ...live(), credentials: { api_key: "wrong" } }, QUICK_RETRIES);
    expect(result.reading).toMatchObject({ status: "failed", code: "10009", credentialsRejected: true });
    expect(result.attempts).toHaveLength(1);
  });
});
