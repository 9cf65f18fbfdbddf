/** Telnyx's call status read: the request, every answer read row by row, and the fake end to end. */
import { describe, expect, it } from "vitest";
import { fakeProviderUrl, providerRequests, scriptProvider } from "../../../test/helpers";
import { readStatus } from "../read-status";
import { sendHangup } from "../send-hangup";
import { QUICK_RETRIES, TEST_SCOPE, answerOf, operationId } from "../testing/kit";
import { telnyx } from ".";
import { TELNYX_FAKE_AUTH } from "./fake";
import { telnyxStatusRead } from "./status";

const [step] = telnyxStatusRead.steps;
const read = (status: number, body: unknown = "") => step.readResponse(answerOf(status, body));
const controlId = () => `v3:${crypto.randomUUID().replace(/-/g, "")}`;

function call(fields: Record<string, unknown>) {
  return { data: { call_control_id: "v3:x", call_leg_id: "l", call_session_id: "s", record_type: "call", start_time: "2026-05-01T09:31:00Z", ...fields } };
}

describe("telnyx status: the request", () => {
  it("is the adapter's status read: GET of the call with the Bearer key, as the hangup", async () => {
    expect(telnyx.status).toBe(telnyxStatusRead);
    expect(await step.buildRequest({ callId: "v3:a/b", credentials: { api_key: "KEY123456" }, baseUrl: "http://127.0.0.1:9000/tx" })).toEqual({
      method: "GET",
      url: "http://127.0.0.1:9000/tx/v2/calls/v3:a%2Fb",
      headers: { authorization: "Bearer KEY123456" },
    });
  });
});

describe("telnyx status: reading the answer", () => {
  it("is_alive true is live; false is ended with end_time and call_duration, and no cause (Telnyx gives none)", () => {
    expect(read(200, call({ is_alive: true, call_duration: 12 }))).toEqual({ kind: "live" });
    expect(read(200, call({ is_alive: false, end_time: "2026-05-01T09:32:00.123456Z", call_duration: 60 }))).toEqual({
      kind: "ended", cause: "unknown", endedBy: "unknown", providerCause: null, endedAt: "2026-05-01T09:32:00.123Z", answeredAt: null, durationSeconds: 60,
    });
  });

  it("a 2xx without data.is_alive is an error, not live", () => {
    for (const body of ["", { data: {} }, { data: { is_alive: "true" } }, { is_alive: true }, { data: null }]) {
      expect(read(200, body)).toMatchObject({ kind: "error", retryable: true });
    }
  });

  it("404 is a call Telnyx does not know (or no longer keeps); 401 is not retried; 5xx is", () => {
    expect(read(404, { errors: [{ code: "10005", title: "Resource not found" }] })).toEqual({ kind: "unknown" });
    expect(read(401, { errors: [{ code: "10009" }] })).toMatchObject({ kind: "error", retryable: false });
    expect(read(500, "")).toMatchObject({ kind: "error", retryable: true });
  });
});

describe("telnyx status: against the fake provider", () => {
  const input = (callId = controlId()) => ({ callId, credentials: TELNYX_FAKE_AUTH, baseUrl: `${fakeProviderUrl()}/tx` });

  it("a live call is alive; once hung up it is not, with its end time", async () => {
    const target = input();
    expect((await readStatus(telnyxStatusRead, target)).reading).toEqual({ kind: "live" });
    await sendHangup(telnyx, { ...target, operationId: operationId(), scope: TEST_SCOPE }, QUICK_RETRIES);
    expect((await readStatus(telnyxStatusRead, target)).reading).toMatchObject({ kind: "ended", cause: "unknown", endedAt: expect.any(String), durationSeconds: 60 });
    const [request] = (await providerRequests(target.callId)).filter((r) => r.method === "GET");
    expect(request).toMatchObject({ path: `/tx/v2/calls/${target.callId}`, headers: { authorization: `Bearer ${TELNYX_FAKE_AUTH.api_key}` } });
  });

  it("an ended call is not alive; an unknown one is 404: unknown", async () => {
    expect((await readStatus(telnyxStatusRead, input(`ended-${controlId()}`))).reading).toMatchObject({ kind: "ended" });
    expect(await readStatus(telnyxStatusRead, input(`unknown-${controlId()}`))).toMatchObject({ reading: { kind: "unknown" }, httpStatus: 404 });
  });

  it("a 5xx is a retryable error; a wrong key is not retryable", async () => {
    const target = input();
    await scriptProvider(target.callId, [{ status: 503, body: JSON.stringify({ errors: [{ code: "90000" }] }) }]);
    expect(await readStatus(telnyxStatusRead, target)).toMatchObject({ reading: { kind: "error", retryable: true }, httpStatus: 503 });
    expect((await readStatus(telnyxStatusRead, { ...input(), credentials: { api_key: "KEYWRONG00000" } })).reading).toMatchObject({ kind: "error", retryable: false });
  });
});
