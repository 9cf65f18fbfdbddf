/**
 * Twilio — update the call resource: `POST {base}/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}.json`
 * with the form `Status=completed` (which ends a call whether it is ringing or in progress) and HTTP
 * Basic (account sid : auth token). The answer is the updated call resource; only a 2xx whose resource
 * says `completed` or `canceled` is a hangup: any other status it reports (`in-progress`, `ringing`, …),
 * or none, or an error beside it, confirms nothing, so the attempt fails and is retried (a retry of an ended
 * call is 21220). Errors are JSON `{code, message, status, more_info}`; the numeric `code` decides before the
 * HTTP status, under a 2xx too: 21220 (call not in progress) and 20404 (no such call resource) are
 * `already_ended` as the contract lists them, 20003 is rejected credentials and 20429 rate limiting, as
 * their statuses 401 and 429 would say anyway.
 */
import { z } from "zod";
import { basicAuth, isSuccessStatus, joinUrl, jsonField, readGenericFailure, retryAfterMs, saysFailure, segment } from "../http";
import type { ProviderAdapter, Reading } from "../types";
import { twilioStatusRead } from "./status";

const credentials = z.object({
  account_sid: z.string().min(1),
  auth_token: z.string().min(1),
}).strict();

/** The codes the contract reads as `already_ended`, and what each says. */
const ALREADY_ENDED = new Map([
  ["21220", "Twilio says the call is not in progress (error 21220)"],
  ["20404", "Twilio has no such call resource (error 20404)"],
]);

/** Twilio's error code (a number in its JSON) as text. */
function errorCode(body: string): string | undefined {
  const code = jsonField(body, "code");
  return typeof code === "number" || typeof code === "string" ? String(code) : undefined;
}

/** The statuses of a call resource that say the update ended the call. */
const ENDED_BY_UPDATE = new Set(["completed", "canceled"]);

function readCallResource(body: string): Reading {
  const status = jsonField(body, "status");
  if (typeof status === "string" && ENDED_BY_UPDATE.has(status)) {
    if (!saysFailure(body)) return { status: "terminated", detail: `Twilio ended the call (status ${status})` };
    return { status: "failed", detail: `Twilio's answer reported the call as "${status}" but also an error; the hangup is not confirmed`, retryable: true };
  }
  // Only a status word is quoted; anything else in its place is not repeated.
  const reported = typeof status === "string" && /^[a-z-]{1,20}$/.test(status) ? `reported the call as "${status}"` : "did not report a call status";
  return { status: "failed", detail: `Twilio accepted the update but ${reported}; the hangup is not confirmed`, retryable: true };
}

const callPath = (encodedCallId: string) => `/Calls/${encodedCallId}.json`;

export const twilio: ProviderAdapter<z.infer<typeof credentials>> = {
  name: "twilio",
  credentials,
  defaultBaseUrl: "https://api.twilio.com",
  status: twilioStatusRead,
  address: { pathTail: callPath },

  buildRequest({ callId, credentials: { account_sid, auth_token }, baseUrl }) {
    return {
      method: "POST",
      url: joinUrl(baseUrl, `/2010-04-01/Accounts/${segment(account_sid)}${callPath(segment(callId))}`),
      headers: { authorization: basicAuth(account_sid, auth_token), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ Status: "completed" }).toString(),
    };
  },

  readResponse(answer) {
    const code = errorCode(answer.body);
    // A 2xx carrying Twilio's error object (`code`, `message`, …) is read as that error, not as a call resource.
    if (isSuccessStatus(answer.status) && code === undefined) return readCallResource(answer.body);
    const alreadyEnded = code === undefined ? undefined : ALREADY_ENDED.get(code);
    if (alreadyEnded) return { status: "already_ended", code, detail: alreadyEnded };
    if (code === "20003") {
      return { status: "failed", code, detail: "Twilio rejected the credentials (error 20003)", credentialsRejected: true, retryable: false };
    }
    if (code === "20429") {
      return { status: "failed", code, detail: "Twilio is rate limiting (error 20429)", retryable: true, retryAfterMs: retryAfterMs(answer.headers) };
    }
    return readGenericFailure(answer, code);
  },
};
