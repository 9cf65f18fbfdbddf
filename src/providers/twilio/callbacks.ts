/**
 * Twilio status callbacks (`statusCallback`): a form POST with `CallSid` and `CallStatus`, signed in
 * `X-Twilio-Signature`: the base64 HMAC-SHA1, keyed by the account's auth token, of the full URL
 * Twilio called followed by every form parameter, sorted by name, as name then value with nothing
 * between. What the body says about the call is read by ./lifecycle.ts.
 */
import { anyHmacMatches, authToken } from "../callbacks/hmac";
import { formParams, sortedParams, type Param } from "../callbacks/read";
import { verdict, type CallbackDialect, type CallbackRequest } from "../callbacks/types";
import { twilioEvent } from "./lifecycle";

const SIGNATURE_HEADER = "x-twilio-signature";

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
    return twilioEvent(formParams(request));
  },
};
