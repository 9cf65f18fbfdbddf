/**
 * Telnyx (Call Control v2) — `POST {base}/v2/calls/{call_control_id}/actions/hangup` with
 * `Authorization: Bearer` and JSON `{ "command_id" }`. Telnyx ignores a command whose `command_id` it has
 * already seen for the same call, so the id is the hangup's operation id: a retry after a lost answer,
 * even from another instance, cannot act twice. `client_state` is not sent: it would replace the state
 * the customer's own application keeps on the call's webhooks. A 2xx with `{"data":{"result":"ok"}}` is a
 * hangup, any other 2xx confirms nothing; errors are `{ "errors": [{ "code", "title", "detail" }] }`, where
 * 90018 (call already ended) decides whatever the status.
 */
import { z } from "zod";
import { isJsonObject, isSuccessStatus, joinUrl, jsonField, readGenericFailure, saysFailure, segment } from "../http";
import type { ProviderAdapter } from "../types";
import { base64Bytes } from "./callbacks";
import { telnyxStatusRead } from "./status";

const credentials = z.object({
  api_key: z.string().min(1),
  /** The account's webhook public key as the portal shows it: when present, callbacks must be signed by it (./callbacks.ts). */
  public_key: z
    .string()
    .refine((key) => base64Bytes(key.trim())?.length === 32, "must be the account's Ed25519 public key: base64 of 32 bytes, as the Telnyx portal shows it")
    .transform((key) => key.trim())
    .optional(),
}).strict();

const CALL_ALREADY_ENDED = "90018";

/** The codes of Telnyx's `errors` array, as text. */
function errorCodes(body: string): string[] {
  const errors = jsonField(body, "errors");
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((error: unknown) => {
    const code = error && typeof error === "object" ? (error as { code?: unknown }).code : undefined;
    return typeof code === "string" || typeof code === "number" ? [String(code)] : [];
  });
}

/** Its documented success: `{"data":{"result":"ok"}}`, with no error beside it. */
function confirmsCommand(body: string): boolean {
  const data = jsonField(body, "data");
  return isJsonObject(data) && data.result === "ok" && !saysFailure(body);
}

const callPath = (encodedCallId: string) => `/v2/calls/${encodedCallId}/actions/hangup`;

export const telnyx: ProviderAdapter<z.infer<typeof credentials>> = {
  name: "telnyx",
  credentials,
  defaultBaseUrl: "https://api.telnyx.com",
  status: telnyxStatusRead,
  address: { pathTail: callPath },

  buildRequest({ callId, operationId, credentials: { api_key }, baseUrl }) {
    return {
      method: "POST",
      url: joinUrl(baseUrl, callPath(segment(callId))),
      headers: { authorization: `Bearer ${api_key}`, "content-type": "application/json" },
      body: JSON.stringify({ command_id: operationId }),
    };
  },

  readResponse(answer) {
    if (isSuccessStatus(answer.status) && confirmsCommand(answer.body)) return { status: "terminated", detail: "Telnyx hung up the call" };
    const codes = errorCodes(answer.body);
    if (codes.includes(CALL_ALREADY_ENDED)) {
      return { status: "already_ended", code: CALL_ALREADY_ENDED, detail: "Telnyx says the call had already ended (error 90018)" };
    }
    const code = codes[0];
    if (answer.status === 404) return { status: "not_found", code, detail: "Telnyx has no call with this call_control_id" };
    return readGenericFailure(answer, code);
  },
};
