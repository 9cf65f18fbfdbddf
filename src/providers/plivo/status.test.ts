/** Plivo's two-step call status read: the requests, every answer read row by row, and the fake end to end. */
import { describe, expect, it } from "vitest";
import { fakeProviderUrl, providerRequests, scriptProvider, uniqueCallId } from "../../../test/helpers";
import { readStatus } from "../read-status";
import { sendHangup } from "../send-hangup";
import { QUICK_RETRIES, TEST_SCOPE, answerOf, operationId } from "../testing/kit";
import { plivo } from ".";
import { PLIVO_FAKE_AUTH } from "./fake";
import { plivoStatusRead } from "./status";

const CREDENTIALS = { auth_id: "MAXXXXXXXXXXXXXXXXXX", auth_token: "plivo-secret-token" };
const [live, record] = plivoStatusRead.steps;
const AUTH = { authorization: `Basic ${btoa(`${CREDENTIALS.auth_id}:${CREDENTIALS.auth_token}`)}` };
const readLive = (status: number, body: unknown = "") => live.readResponse(answerOf(status, body));
const readRecord = (status: number, body: unknown = "") => record!.readResponse(answerOf(status, body));

/** The call detail record of Plivo's "Retrieve a call" example, with its fields as documented. */
const CDR = {
  answer_time: "2022-10-12 21:57:47+05:30",
  api_id: "52cd2e1d-2bfd-11ec-a7bd-0242ac110005",
  bill_duration: 1,
  call_direction: "outbound",
  call_duration: 1,
  call_state: "ANSWER",
  call_uuid: "5607532d-5037-4066-befc-a8b40218dd4f",
  end_time: "2022-10-12 21:57:48+05:30",
  from_number: "+12025551111",
  hangup_cause_code: 8011,
  hangup_cause_name: "Invalid Answer XML",
  hangup_source: "Error",
  initiation_time: "2022-10-12 21:57:40+05:30",
};

describe("plivo status: the requests", () => {
  it("is the adapter's status read: the live call, then the detail record, both GET with HTTP Basic", async () => {
    expect(plivo.status).toBe(plivoStatusRead);
    const input = { callId: "a/b c", credentials: CREDENTIALS, baseUrl: "http://127.0.0.1:9000/eu" };
    expect(await live.buildRequest(input)).toEqual({ method: "GET", url: "http://127.0.0.1:9000/eu/v1/Account/MAXXXXXXXXXXXXXXXXXX/Call/a%2Fb%20c/?status=live", headers: AUTH });
    expect(await record!.buildRequest(input)).toEqual({ method: "GET", url: "http://127.0.0.1:9000/eu/v1/Account/MAXXXXXXXXXXXXXXXXXX/Call/a%2Fb%20c/", headers: AUTH });
  });

  it.each(["", " ", "."])("refuses the call uuid %j (an empty one would read the account's calls)", (callId) => {
    expect(() => live.buildRequest({ callId, credentials: CREDENTIALS, baseUrl: plivo.defaultBaseUrl })).toThrow(/without a specific call id/);
  });
});

describe("plivo status: reading the live call", () => {
  it.each(["in-progress", "ringing"])("call_status %s is live", (status) => {
    expect(readLive(200, { api_id: "x", call_status: status, call_uuid: "u" })).toEqual({ kind: "live" });
  });

  it("404, or a final call_status, sends the read on to the detail record", () => {
    expect(readLive(404, { api_id: "x", error: "not found" })).toEqual({ kind: "next" });
    expect(readLive(200, { call_status: "completed" })).toEqual({ kind: "next" });
  });

  it("a 2xx without call_status is an error; 401 is not retried, 5xx is", () => {
    expect(readLive(200, { api_id: "x" })).toMatchObject({ kind: "error", retryable: true });
    expect(readLive(401, { error: "authentication failed" })).toMatchObject({ kind: "error", retryable: false });
    expect(readLive(500, "")).toMatchObject({ kind: "error", retryable: true });
  });
});

describe("plivo status: reading the detail record", () => {
  it("Plivo's own example: ended by an Error (failed, provider), its times with their offset", () => {
    expect(readRecord(200, CDR)).toEqual({
      kind: "ended",
      cause: "failed",
      endedBy: "provider",
      providerCause: "Invalid Answer XML",
      endedAt: "2022-10-12T16:27:48.000Z",
      answeredAt: "2022-10-12T16:27:47.000Z",
      durationSeconds: 1,
    });
  });

  it.each([
    [4000, "Normal Hangup", "Callee", "completed", "callee"],
    [4010, "End Of XML Instructions", "Answer XML", "completed", "unknown"],
    [1000, "Canceled", "API Request", "canceled", "unknown"],
    [1010, "Canceled (Out Of Credits)", "Plivo", "canceled", "provider"],
    [2010, "Destination Out Of Service", "Carrier", "failed", "unknown"],
    [0, "Unknown", "Unknown", "unknown", "unknown"],
    [4000, "Normal Hangup", "Caller", "completed", "caller"],
  ] as const)("code %s (%s), source %s → %s, ended by %s", (code, name, source, cause, endedBy) => {
    expect(readRecord(200, { ...CDR, hangup_cause_code: code, hangup_cause_name: name, hangup_source: source })).toMatchObject({ kind: "ended", cause, endedBy, providerCause: name });
  });

  it("404 is a call Plivo does not know; a 2xx without the record's fields is an error", () => {
    expect(readRecord(404, { error: "not found" })).toEqual({ kind: "unknown" });
    expect(readRecord(200, { api_id: "x" })).toMatchObject({ kind: "error", retryable: true });
    expect(readRecord(200, "")).toMatchObject({ kind: "error" });
  });
});

describe("plivo status: against the fake provider", () => {
  const input = (callId = uniqueCallId("plivo")) => ({ callId, credentials: PLIVO_FAKE_AUTH, baseUrl: `${fakeProviderUrl()}/eu` });

  it("a live call is live after one request; once hung up, the second step reads the detail record", async () => {
    const call = input();
    expect(await readStatus(plivoStatusRead, call)).toMatchObject({ reading: { kind: "live" }, httpStatus: 200, steps: [{ step: 1, http_status: 200 }] });
    await sendHangup(plivo, { ...call, operationId: operationId(), scope: TEST_SCOPE }, QUICK_RETRIES);
    const after = await readStatus(plivoStatusRead, call);
    expect(after).toMatchObject({
      reading: { kind: "ended", cause: "completed", endedBy: "unknown", providerCause: "Normal Hangup", durationSeconds: 30 },
      httpStatus: 200,
      steps: [{ step: 1, http_status: 404 }, { step: 2, http_status: 200 }],
    });
    const reads = (await providerRequests(call.callId)).filter((r) => r.method === "GET").map((r) => r.path);
    expect(reads).toEqual([
      `/eu/v1/Account/${PLIVO_FAKE_AUTH.auth_id}/Call/${call.callId}/?status=live`,
      `/eu/v1/Account/${PLIVO_FAKE_AUTH.auth_id}/Call/${call.callId}/?status=live`,
      `/eu/v1/Account/${PLIVO_FAKE_AUTH.auth_id}/Call/${call.callId}/`,
    ]);
  });

  it("an ended call reads its record (ended by the callee); an unknown one is 404 twice: unknown", async () => {
    expect((await readStatus(plivoStatusRead, input(uniqueCallId("ended")))).reading).toMatchObject({ kind: "ended", cause: "completed", endedBy: "callee" });
    expect(await readStatus(plivoStatusRead, input(uniqueCallId("unknown")))).toMatchObject({
      reading: { kind: "unknown" }, steps: [{ http_status: 404 }, { http_status: 404 }],
    });
  });

  it("a 5xx on either step is a retryable error; wrong credentials are not retryable", async () => {
    const first = input();
    await scriptProvider(first.callId, [{ status: 502 }]);
    expect(await readStatus(plivoStatusRead, first)).toMatchObject({ reading: { kind: "error", retryable: true }, httpStatus: 502, steps: [{ step: 1 }] });
    const second = input();
    await scriptProvider(second.callId, [{ status: 404, body: JSON.stringify({ error: "not found" }) }, { status: 503 }]);
    expect(await readStatus(plivoStatusRead, second)).toMatchObject({ reading: { kind: "error", retryable: true }, httpStatus: 503, steps: [{ step: 1 }, { step: 2 }] });
    const wrong = await readStatus(plivoStatusRead, { ...input(), credentials: { ...PLIVO_FAKE_AUTH, auth_token: "wrong-token" } });
    expect(wrong).toMatchObject({ reading: { kind: "error", retryable: false }, httpStatus: 401 });
  });
});
