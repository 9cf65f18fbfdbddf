/**
 * Plivo callbacks (`hangup_url`, `callback_url`, ring and status URLs): a form POST with `CallUUID`,
 * `CallStatus` and, for call events, `Event` ("Hangup" when the call ended), read by ./lifecycle.ts. Signed with Plivo's V3
 * scheme, as its SDKs implement it (plivo-python `validate_v3_signature`): the base64 HMAC-SHA256,
 * keyed by the auth token, of
 *
 *   scheme://host/path  [ "?" sorted-query ]  [ "." if both ]  sorted-params  "." nonce
 *
 * where sorted-query is the URL's query as `name=value` pairs sorted and joined with "&", sorted-params
 * the POST parameters sorted by name as name then value with nothing between, and a "?" is written
 * whenever there is a query or a parameter. The nonce is `X-Plivo-Signature-V3-Nonce`. Plivo signs
 * each request twice, `X-Plivo-Signature-V3` with the token of the account the call belongs to and
 * `X-Plivo-Signature-Ma-V3` with the main account's; either header may hold several comma-separated
 * signatures (one per active token). A match of any of them with the connection's token passes.
 */
import { anyHmacMatches, authToken } from "../callbacks/hmac";
import { formParams, sortedParams, type Param } from "../callbacks/read";
import { verdict, type CallbackDialect, type CallbackRequest } from "../callbacks/types";
import { plivoEvent } from "./lifecycle";

const NONCE_HEADER = "x-plivo-signature-v3-nonce";
const SIGNATURE_HEADERS = ["x-plivo-signature-v3", "x-plivo-signature-ma-v3"];

/** The string Plivo signs (with the nonce appended) for a POST to `url` with these parameters. */
export function plivoSigningString(url: string, params: readonly Param[], nonce: string): string {
  const parsed = new URL(url);
  const query = sortedParams(parsed.searchParams).map(([name, value]) => `${name}=${value}`).join("&");
  let signed = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  if (query || params.length) signed += `?${query}`;
  if (query && params.length) signed += ".";
  signed += sortedParams(params).map(([name, value]) => name + value).join("");
  return `${signed}.${nonce}`;
}

export const plivoCallbacks: CallbackDialect = {
  async verify(request: CallbackRequest, credentials: unknown) {
    const nonce = request.headers.get(NONCE_HEADER);
    const token = authToken(credentials);
    const offered = SIGNATURE_HEADERS.flatMap((header) => request.headers.get(header)?.split(",") ?? [])
      .map((signature) => signature.trim())
      .filter((signature) => signature !== "");
    if (!token) return "uncheckable";
    if (!nonce || offered.length === 0) return "forged";
    return verdict(await anyHmacMatches("SHA-256", token, plivoSigningString(request.url, formParams(request), nonce), offered));
  },

  parse(request) {
    return plivoEvent(formParams(request));
  },
};
