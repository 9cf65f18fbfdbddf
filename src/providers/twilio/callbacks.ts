/**
 * Twilio status callbacks (`statusCallback`): a form POST with `CallSid` and `CallStatus`, signed in
 * `X-Twilio-Signature`: the base64 HMAC-SHA1, keyed by the account's auth token, of the full URL
 * Twilio called followed by every form parameter, sorted by name, as name then value with nothing
 * between. A call has ended when its status is completed, busy, failed, no-answer or canceled.
 */
import { anyHmacMatches, authToken } from "../callbacks/hmac";
import { formParams, formValue, sortedParams, type Param } from "../callbacks/read";
import { verdict, type CallbackDialect, type CallbackRequest } from "../callbacks/types";

const SIGNATURE_HEADER = "x-twilio-signature";
const ENDED_STATUSES = new Set(["completed", "busy", "failed", "no-answer", "canceled"]);

/** The string Twilio signs for a form POST. */
export function twilioSigningString(url: string, params: readonly Param[]): string {
  return url + sortedParams(params).map(([name, value]) => name + value).join("");
}

export const twilioCallbacks: CallbackDialect = {
  async verify(request: CallbackRequest, credentials: unknown) {
    const signature = request.headers.get(SIGNATURE_HEADER);
    const token = authToken(credentials);
    if (!token) return "uncheckable";
    if (!signature) return "forged";
    return verdict(await anyHmacMatches("SHA-1", token, twilioSigningString(request.url, formParams(request)), [signature.trim()]));
  },

  parse(request) {
    const params = formParams(request);
    const callId = formValue(params, "CallSid");
    const status = formValue(params, "CallStatus");
    if (!callId || !status) return null;
    return { callId, status, ended: ENDED_STATUSES.has(status.toLowerCase()) };
  },
};
