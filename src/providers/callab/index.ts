/**
 * Callab — `POST {base}/calls/end` with `Authorization: Bearer` and JSON `{ call_id, disconnect_reason? }`;
 * the caller's reason becomes `disconnect_reason` (Callab stores it on the call). Callab answers its
 * errors — an invalid or unknown call id among them — with 200 and an EMPTY body, so a 200 proves
 * nothing by itself: only a 200 carrying its `{status, message, data}` envelope is a hangup. An empty
 * answer is read as `not_found` (what its document says such an answer usually means), never
 * `terminated`, and its detail says the provider did not confirm.
 */
import { z } from "zod";
import { assertCallId, joinUrl, parseJson, readGenericFailure } from "../http";
import type { ProviderAdapter } from "../types";
import { callabStatusRead } from "./status";

const credentials = z.object({
  api_key: z.string().min(1),
}).strict();

export const callab: ProviderAdapter<z.infer<typeof credentials>> = {
  name: "callab",
  credentials,
  defaultBaseUrl: "https://api.callab.ai/v1",
  status: callabStatusRead,

  buildRequest({ callId, reason, credentials: { api_key }, baseUrl }) {
    assertCallId(callId);
    return {
      method: "POST",
      url: joinUrl(baseUrl, "/calls/end"),
      headers: { authorization: `Bearer ${api_key}`, "content-type": "application/json" },
      body: JSON.stringify({ call_id: callId, ...(reason ? { disconnect_reason: reason } : {}) }),
    };
  },

  readResponse(answer) {
    if (answer.status < 200 || answer.status >= 300) return readGenericFailure(answer);
    if (answer.body.trim() === "") {
      return {
        status: "not_found",
        detail: `Callab answered HTTP ${answer.status} with an empty body: it did not confirm the hangup (its answer for an unknown, invalid or ended call, or any other error)`,
      };
    }
    const envelope = parseJson(answer.body);
    if (envelope && typeof envelope === "object") return { status: "terminated", detail: "Callab ended the call" };
    return {
      status: "failed",
      detail: `Callab answered HTTP ${answer.status} with a body that is not its JSON envelope; the hangup is not confirmed`,
      retryable: false,
    };
  },
};
