/**
 * TryVox — `DELETE {base}/v1/voice/accounts/{auth_id}/calls/{call_uuid}` with `Authorization: Bearer`.
 * 204 (a 2xx with no body) is a hangup; a 2xx with a body is not its documented success. Its errors carry a code in `error`: `call_already_ended` (documented as a 404) and
 * `call_not_found` (status not documented). The code decides whatever the status; a 404 without one is
 * a path TryVox does not know, so `not_found`.
 */
import { z } from "zod";
import { isEmptyBody, isSuccessStatus, joinUrl, jsonField, readGenericFailure, segment } from "../http";
import type { ProviderAdapter } from "../types";

const credentials = z.object({
  auth_id: z.string().min(1),
  api_key: z.string().min(1),
}).strict();

const callPath = (encodedCallId: string) => `/calls/${encodedCallId}`;

export const tryvox: ProviderAdapter<z.infer<typeof credentials>> = {
  name: "tryvox",
  credentials,
  defaultBaseUrl: "https://api.tryvox.io",
  address: { pathTail: callPath },

  buildRequest({ callId, credentials: { auth_id, api_key }, baseUrl }) {
    return {
      method: "DELETE",
      url: joinUrl(baseUrl, `/v1/voice/accounts/${segment(auth_id)}${callPath(segment(callId))}`),
      headers: { authorization: `Bearer ${api_key}` },
    };
  },

  readResponse(answer) {
    // Its documented success is 204 No Content: a 2xx with a body is something else.
    if (isSuccessStatus(answer.status) && isEmptyBody(answer.body)) return { status: "terminated", detail: "TryVox hung up the call" };
    const error = jsonField(answer.body, "error");
    const code = typeof error === "string" ? error : undefined;
    if (code === "call_already_ended") return { status: "already_ended", code, detail: "TryVox says the call had already ended" };
    if (code === "call_not_found") return { status: "not_found", code, detail: "TryVox has no call with this uuid" };
    if (answer.status === 404) return { status: "not_found", code, detail: "TryVox answered 404 without a documented error code" };
    return readGenericFailure(answer, code);
  },
};
