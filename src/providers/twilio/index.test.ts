/** Twilio: the call update in its dialect, its error codes, and the fake end to end. */
import { describe, expect, it } from "vitest";
import { getProvider } from "../registry";
import { sendHangup } from "../send-hangup";
import { twilio } from ".";
import { TWILIO_FAKE_AUTH } from "./fake";
import { fakeProviderUrl, providerRequests, scriptProvider } from "../../../test/helpers";
import { QUICK_RETRIES, TEST_SCOPE, answerOf, confirmationTable, expectNoCredential, operationId } from "../testing/kit";

const CREDENTIALS = { account_sid: "AC0123456789abcdef0123456789abcdef", auth_token: "twilio-secret-token" };

function input(callId: string, overrides: Partial<Parameters<typeof twilio.buildRequest>[0]> = {}) {
  return { callId, operationId: operationId(), credentials: CREDENTIALS, baseUrl: twilio.defaultBaseUrl, scope: TEST_SCOPE, ...overrides };
}

function callSid(prefix = "CA"): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, "")}`;
}

function twilioError(status: number, code: number, message = "…") {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

describe("twilio: building the request", () => {
  it("is registered under its name", () => {
    expect(getProvider("twilio")).toBe(twilio);
  });

  it("POSTs Status=completed as a form to the call resource with HTTP Basic", async () => {
    expect(await twilio.buildRequest(input("CAaaaabbbbccccddddeeeeffff00001111"))).toEqual({
      method: "POST",
      url: "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls/CAaaaabbbbccccddddeeeeffff00001111.json",
      headers: {
        authorization: `Basic ${btoa("AC0123456789abcdef0123456789abcdef:twilio-secret-token")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "Status=completed",
    });
  });

  it("keeps the path of base_url and percent-encodes the call sid", async () => {
    const request = await twilio.buildRequest(input("CA 1/2", { baseUrl: "http://127.0.0.1:9000/twilio" }));
    expect(request.url).toBe("http://127.0.0.1:9000/twilio/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls/CA%201%2F2.json");
  });

  it.each(["", "  ", ".", ".."])("refuses the call sid %j", (callId) => {
    expect(() => twilio.buildRequest(input(callId))).toThrow(/without a specific call id/);
  });

  it("needs account_sid and auth_token, and names what is missing", () => {
    expect(twilio.credentials.safeParse(CREDENTIALS).success).toBe(true);
    expect(twilio.credentials.safeParse({ account_sid: "AC1" }).error?.issues.map((i) => i.path.join("."))).toEqual(["auth_token"]);
    expect(twilio.credentials.safeParse({ ...CREDENTIALS, api_key: "x" }).success).toBe(false);
  });
});

describe("twilio: what confirms a hangup (the table in src/providers/README.md)", () => {
  confirmationTable(twilio, [
    { answer: "200 call resource completed", status: 200, body: { sid: "CA1", status: "completed" }, reads: { status: "terminated" } },
    { answer: "200 call resource canceled", status: 200, body: { sid: "CA1", status: "canceled" }, reads: { status: "terminated" } },
    { answer: "200 call resource in-progress", status: 200, body: { sid: "CA1", status: "in-progress" }, reads: { status: "failed", retryable: true } },
    { answer: "200 call resource without status", status: 200, body: { sid: "CA1" }, reads: { status: "failed", retryable: true } },
    { answer: "200 call resource completed beside an error", status: 200, body: { sid: "CA1", status: "completed", error: "x" }, reads: { status: "failed", retryable: true } },
    { answer: "200 error object 21220", status: 200, body: twilioError(400, 21220), reads: { status: "already_ended", code: "21220" } },
    { answer: "200 error object 20404", status: 200, body: twilioError(404, 20404), reads: { status: "already_ended", code: "20404" } },
    { answer: "200 error object 20003", status: 200, body: twilioError(401, 20003), reads: { status: "failed", code: "20003", credentialsRejected: true } },
    { answer: "200 error object 20429", status: 200, body: twilioError(429, 20429), reads: { status: "failed", code: "20429", retryable: true } },
    { answer: "200 error object, another code", status: 200, body: twilioError(400, 21218), reads: { status: "failed", code: "21218", retryable: false } },
    { answer: "200 []", status: 200, body: [], reads: { status: "failed", retryable: true } },
    { answer: "200 text", status: 200, body: "<html>ok</html>", reads: { status: "failed", retryable: true } },
  ]);
});

describe("twilio: reading the answer", () => {
  it("200 with the call resource completed or canceled is a hangup", () => {
    expect(twilio.readResponse(answerOf(200, { sid: "CA1", status: "completed" }))).toMatchObject({ status: "terminated" });
    expect(twilio.readResponse(answerOf(200, { sid: "CA1", status: "canceled" }))).toMatchObject({ status: "terminated" });
  });

  it("200 whose call resource is in another status, or has none, confirms nothing: failed, retried, saying what Twilio reported", () => {
    for (const status of ["in-progress", "ringing", "queued", "busy"]) {
      const reading = twilio.readResponse(answerOf(200, { sid: "CA1", status }));
      expect(reading).toMatchObject({ status: "failed", retryable: true });
      expect(reading.detail).toContain(`"${status}"`);
    }
    for (const body of ["", "<html>ok</html>", { sid: "CA1" }, { sid: "CA1", status: "completed\nforged text that is long" }]) {
      expect(twilio.readResponse(answerOf(200, body))).toMatchObject({ status: "failed", retryable: true, detail: expect.stringContaining("did not report a call status") });
    }
  });

  it("21220 (call not in progress) and 20404 (no such call) are already_ended", () => {
    expect(twilio.readResponse(answerOf(400, twilioError(400, 21220, "Call is not in-progress. Cannot redirect.")))).toMatchObject({
      status: "already_ended",
      code: "21220",
    });
    expect(twilio.readResponse(answerOf(404, twilioError(404, 20404, "The requested resource was not found")))).toMatchObject({
      status: "already_ended",
      code: "20404",
    });
  });

  it("20003 / 401 is rejected credentials, never retried", () => {
    for (const answer of [answerOf(401, twilioError(401, 20003, "Authenticate")), answerOf(401, "")]) {
      const reading = twilio.readResponse(answer);
      expect(reading).toMatchObject({ status: "failed", credentialsRejected: true, retryable: false });
      expectNoCredential(reading, CREDENTIALS);
    }
  });

  it("20429 / 429 is rate limiting, retried after Retry-After", () => {
    expect(twilio.readResponse(answerOf(429, twilioError(429, 20429, "Too Many Requests"), { "retry-after": "2" }))).toMatchObject({
      status: "failed",
      code: "20429",
      retryable: true,
      retryAfterMs: 2000,
    });
    expect(twilio.readResponse(answerOf(429, ""))).toMatchObject({ status: "failed", retryable: true });
  });

  it("5xx is retried; another error is a refusal keeping its code", () => {
    expect(twilio.readResponse(answerOf(503, twilioError(503, 20500, "Internal Server Error")))).toMatchObject({ status: "failed", retryable: true, code: "20500" });
    expect(twilio.readResponse(answerOf(400, twilioError(400, 21218, "Invalid ApplicationSid")))).toMatchObject({ status: "failed", retryable: false, code: "21218" });
  });
});

describe("twilio: against the fake provider", () => {
  const live = () => input(callSid(), { credentials: TWILIO_FAKE_AUTH, baseUrl: `${fakeProviderUrl()}/twilio` });

  it("completes a live call once; the second update reads 21220", async () => {
    const hangup = live();
    expect(await sendHangup(twilio, hangup, QUICK_RETRIES)).toMatchObject({ reading: { status: "terminated" }, httpStatus: 200 });
    expect(await sendHangup(twilio, hangup, QUICK_RETRIES)).toMatchObject({ reading: { status: "already_ended", code: "21220" }, httpStatus: 400 });

    const [request] = await providerRequests(hangup.callId);
    expect(request).toMatchObject({
      method: "POST",
      path: `/twilio/2010-04-01/Accounts/${TWILIO_FAKE_AUTH.account_sid}/Calls/${hangup.callId}.json`,
      headers: {
        authorization: `Basic ${btoa(`${TWILIO_FAKE_AUTH.account_sid}:${TWILIO_FAKE_AUTH.auth_token}`)}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "Status=completed",
    });
  });

  it("an ended call reads 21220 and an unknown one 20404: both already_ended", async () => {
    const ended = await sendHangup(twilio, { ...live(), callId: callSid("ended-CA") }, QUICK_RETRIES);
    expect(ended.reading).toMatchObject({ status: "already_ended", code: "21220" });
    const unknown = await sendHangup(twilio, { ...live(), callId: callSid("unknown-CA") }, QUICK_RETRIES);
    expect(unknown.reading).toMatchObject({ status: "already_ended", code: "20404" });
  });

  it("a wrong auth token is 20003: failed once, not retried", async () => {
    const result = await sendHangup(twilio, { ...live(), credentials: { ...TWILIO_FAKE_AUTH, auth_token: "wrong" } }, QUICK_RETRIES);
    expect(result.reading).toMatchObject({ status: "failed", code: "20003", credentialsRejected: true });
    expect(result.attempts).toHaveLength(1);
  });

  it("a 200 still in progress is retried; the next update finds the call over (21220)", async () => {
    const hangup = live();
    await scriptProvider(hangup.callId, [{ status: 200, body: JSON.stringify({ sid: hangup.callId, status: "in-progress" }) }]);
    const result = await sendHangup(twilio, hangup, QUICK_RETRIES);
    expect(result.attempts.map((a) => [a.http_status, a.outcome])).toEqual([[200, "failed"], [200, "terminated"]]);
  });

  it("retries 20429 and then completes the call", async () => {
    const hangup = live();
    await scriptProvider(hangup.callId, [{ status: 429, body: JSON.stringify(twilioError(429, 20429, "Too Many Requests")), headers: { "retry-after": "0" } }]);
    const result = await sendHangup(twilio, hangup, QUICK_RETRIES);
    expect(result.reading.status).toBe("terminated");
    expect(result.attempts.map((a) => a.code ?? a.outcome)).toEqual(["20429", "terminated"]);
  });
});
