/**
 * Twilio's Call resource update as its API reference describes it:
 * `POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`, HTTP Basic (account sid : auth token),
 * form body `Status=completed`. 200 with the call resource on success; errors are JSON
 * `{code, message, more_info, status}`: 401 20003 (wrong credentials or another account's sid),
 * 400 21220 for a call that is over (or that this fake already completed), 404 20404 for a call sid it
 * never had. The real Twilio answers an update without a valid `Status` with 200 and changes nothing;
 * this fake refuses it (400 20001, its choice) so that a malformed request cannot pass a test.
 *
 * The status read is a `GET` of the same resource: 200 with the call resource, `in-progress` for a live call,
 * `completed` for one this fake hung up, `busy` for an `ended-` call (with `end_time` and `duration`); 404
 * 20404 for an `unknown-` one.
 */
import { FAKE_CALL_PREFIXES, type FakeProviderRoutes, type RecordedRequest, basicAuthorization, decodeSegment, json, pathOf } from "../testing/fakes";

export const TWILIO_FAKE_AUTH = { account_sid: "AC00000000000000000000000000000fake", auth_token: "fake-twilio-auth-token" } as const;
const PATH = /^\/(?:.*\/)?2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/;
const UPDATE_STATUSES = new Set(["completed", "canceled"]);

function twilioError(status: number, code: number, message: string) {
  return json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

function isForm(request: RecordedRequest): boolean {
  return (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() === "application/x-www-form-urlencoded";
}

/** Twilio's RFC 2822 form: `Tue, 31 Aug 2010 20:36:28 +0000`. */
function twilioTime(at: Date): string {
  return at.toUTCString().replace("GMT", "+0000");
}

function callResource(callId: string, accountSid: string, status: string, extra: Record<string, unknown> = {}) {
  return json(200, { sid: callId, account_sid: accountSid, status, api_version: "2010-04-01", from: "+14155550199", to: "+14155550100", ...extra });
}

function statusRead(callId: string, accountSid: string | undefined, ended: boolean) {
  const id = accountSid ?? "";
  if (callId.startsWith(FAKE_CALL_PREFIXES.unknown)) {
    return twilioError(404, 20404, `The requested resource /2010-04-01/Accounts/${id}/Calls/${callId}.json was not found`);
  }
  const now = new Date();
  if (callId.startsWith(FAKE_CALL_PREFIXES.ended)) {
    return callResource(callId, id, "busy", { start_time: twilioTime(new Date(now.getTime() - 20_000)), end_time: twilioTime(now), duration: "0" });
  }
  if (ended) return callResource(callId, id, "completed", { start_time: twilioTime(new Date(now.getTime() - 60_000)), end_time: twilioTime(now), duration: "42" });
  return callResource(callId, id, "in-progress", { start_time: twilioTime(now), end_time: null, duration: null });
}

export const fake: FakeProviderRoutes = {
  name: "twilio",
  callId(request) {
    if (request.method !== "POST" && request.method !== "GET") return undefined;
    const match = PATH.exec(pathOf(request));
    return match ? decodeSegment(match[2] ?? "") : undefined;
  },
  answer(request, callId, state) {
    const accountSid = decodeSegment(PATH.exec(pathOf(request))?.[1] ?? "");
    const expected = basicAuthorization(TWILIO_FAKE_AUTH.account_sid, TWILIO_FAKE_AUTH.auth_token);
    if (request.headers.authorization !== expected || accountSid !== TWILIO_FAKE_AUTH.account_sid) {
      return twilioError(401, 20003, "Authenticate");
    }
    if (request.method === "GET") return statusRead(callId, accountSid, state.ended.has(`twilio:${callId}`));
    const status = isForm(request) ? new URLSearchParams(request.body).get("Status") : null;
    if (!status || !UPDATE_STATUSES.has(status)) return twilioError(400, 20001, "Status must be completed or canceled");
    if (callId.startsWith(FAKE_CALL_PREFIXES.unknown)) {
      return twilioError(404, 20404, `The requested resource /2010-04-01/Accounts/${accountSid}/Calls/${callId}.json was not found`);
    }
    const key = `twilio:${callId}`;
    if (callId.startsWith(FAKE_CALL_PREFIXES.ended) || state.ended.has(key)) {
      return twilioError(400, 21220, "Call is not in-progress. Cannot redirect.");
    }
    state.ended.add(key);
    return json(200, { sid: callId, account_sid: accountSid, status: "completed", api_version: "2010-04-01" });
  },
};
