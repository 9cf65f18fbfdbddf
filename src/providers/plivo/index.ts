/**
 * Plivo — `DELETE {base}/v1/Account/{auth_id}/Call/{call_uuid}/` with HTTP Basic auth and, as its SDK sends
 * it, the JSON body `{}`.
 * 204 with no body is a hangup (a 2xx with a body is not); 404 `{"error":"not found"}` is Plivo's one answer for a call that ended and a call it
 * never had, read as `not_found` since nothing says which. Plivo's DELETE without a call uuid hangs up
 * every call on the account, so the call id is checked here, in the module itself, before any URL exists.
 */
import { z } from "zod";
import { assertCallId, basicAuth, isEmptyBody, isSuccessStatus, joinUrl, jsonField, readGenericFailure, segment } from "../http";
import type { ProviderAdapter } from "../types";
import { plivoStatusRead } from "./status";

const credentials = z.object({
  auth_id: z.string().min(1),
  auth_token: z.string().min(1),
}).strict();

const callPath = (encodedCallId: string) => `/Call/${encodedCallId}/`;

export const plivo: ProviderAdapter<z.infer<typeof credentials>> = {
  name: "plivo",
  credentials,
  defaultBaseUrl: "https://api.plivo.com",
  status: plivoStatusRead,
  address: { pathTail: callPath },

  buildRequest({ callId, credentials: { auth_id, auth_token }, baseUrl }) {
    assertCallId(callId);
    return {
      method: "DELETE",
      url: joinUrl(baseUrl, `/v1/Account/${segment(auth_id)}${callPath(segment(callId))}`),
      // As Plivo's SDK sends every voice request, this DELETE included: its (empty) parameters as JSON.
      headers: { authorization: basicAuth(auth_id, auth_token), "content-type": "application/json" },
      body: "{}",
    };
  },

  readResponse(answer) {
    // Its documented success is `(204, "")`: a 2xx with a body (`{"error":…}` included) is something else.
    if (isSuccessStatus(answer.status) && isEmptyBody(answer.body)) return { status: "terminated", detail: "Plivo hung up the call" };
    const error = jsonField(answer.body, "error");
    const code = typeof error === "string" ? error : undefined;
    if (answer.status === 404) return { status: "not_found", code, detail: "Plivo has no live call with this uuid (ended or unknown)" };
    return readGenericFailure(answer, code);
  },
};
