/**
 * Callab — `POST {base}/calls/end` with `Authorization: Bearer` and JSON `{ call_id, disconnect_reason? }`;
 * the caller's reason becomes `disconnect_reason` (Callab stores it on the call). Callab answers its
 * errors — an invalid or unknown call id among them — with 200 and an EMPTY body, so a 200 proves
 * nothing by itself: only a 2xx carrying its `{status, message, data}` envelope with `status` `"success"`
 * (or `true`) and no error beside it is a hangup; its own error envelope (`"status": "error"` or `false`,
 * an `error` field), an array or any other body confirms nothing (`failed`, not retried). An empty
 * answer is read as `not_found` (what its document says such an answer usually means), never
 * `terminated`, and its detail says the provider did not confirm.
 */
import { z } from "zod";
import { assertCallId, isEmptyBody, isJsonObject, isSuccessStatus, joinUrl, parseJson, readGenericFailure, saysFailure } from "../http";
import type { ProviderAdapter } from "../types";
import { callabStatusRead } from "./status";

const credentials = z.object({
  api_key: z.string().min(1),
}).strict();

/** The `status` of its envelope that says the request succeeded: `"success"` (any case) or `true`. */
function saysSuccess(status: unknown): boolean {
  return status === true || (typeof status === "string" && status.toLowerCase() === "success");
}

const END_CALL_PATH = "/calls/end";

export const callab: ProviderAdapter<z.infer<typeof credentials>> = {
  name: "callab",
  credentials,
  defaultBaseUrl: "https://api.callab.ai/v1",
  status: callabStatusRead,
  address: { pathTail: () => END_CALL_PATH, bodyField: "call_id" },

  buildRequest({ callId, reason, credentials: { api_key }, baseUrl }) {
    assertCallId(callId);
    return {
      method: "POST",
      url: joinUrl(baseUrl, END_CALL_PATH),
      headers: { authorization: `Bearer ${api_key}`, "content-type": "application/json" },
      body: JSON.stringify({ call_id: callId, ...(reason ? { disconnect_reason: reason } : {}) }),
    };
  },

  readResponse(answer) {
    if (!isSuccessStatus(answer.status)) return readGenericFailure(answer);
    if (isEmptyBody(answer.body)) {
      return {
        status: "not_found",
        detail: `Callab answered HTTP ${answer.status} with an empty body: it did not confirm the hangup (its answer for an unknown, invalid or ended call, or any other error)`,
      };
    }
    const envelope = parseJson(answer.body);
    if (isJsonObject(envelope) && saysSuccess(envelope.status) && !saysFailure(answer.body)) {
      return { status: "terminated", detail: "Callab ended the call" };
    }
    const error = isJsonObject(envelope) ? envelope.error : undefined;
    return readGenericFailure(answer, typeof error === "string" || typeof error === "number" ? String(error) : undefined);
  },
};
