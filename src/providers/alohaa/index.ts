/**
 * Alohaa (number masking) — `POST {base}/v1/external/call/hangup` with the key in `x-metro-api-key` and
 * JSON `{ "call_id" }`. Its document shows only bodies, never an HTTP status: `{"success":true,...}` or
 * `{"success":false,"error":{"code":1040,"reason":...}}`. So an error body decides whatever the status, and
 * the status is read only when the body is not that JSON; `success: true` is a hangup only under a 2xx and
 * with no error beside it. 1040 ("no active call running with the referenced
 * call_id"; its sample says "Call details not found") is one code for a call that ended and one never
 * known: read as `already_ended`, as the contract lists it.
 */
import { z } from "zod";
import { assertCallId, isJsonObject, isSuccessStatus, joinUrl, parseJson, readGenericFailure, retryAfterMs, saysFailure } from "../http";
import type { ProviderAdapter, Reading } from "../types";

const credentials = z.object({
  api_key: z.string().min(1),
}).strict();

/** Alohaa's documented error codes and what each means for the hangup. */
const ERROR_READINGS = new Map<string, Omit<Reading, "code">>([
  ["1040", { status: "already_ended", detail: "Alohaa has no active call with this call_id (error 1040)" }],
  ["1002", { status: "failed", detail: "Alohaa rejected the API key (error 1002)", credentialsRejected: true, retryable: false }],
  ["1009", { status: "failed", detail: "Alohaa refused the request as invalid (error 1009)", retryable: false }],
  ["1000", { status: "failed", detail: "Alohaa failed internally (error 1000)", retryable: true }],
]);

type AlohaaBody = { success: true } | { success: false; code: string | undefined };

/** The documented envelope, if the body is one; the error code as text, whether sent as 1040 or "1040". */
function readEnvelope(body: string): AlohaaBody | undefined {
  const parsed = parseJson(body);
  if (!isJsonObject(parsed)) return undefined;
  const { success, error } = parsed;
  if (success === true) return { success: true };
  if (success !== false) return undefined;
  const code = error && typeof error === "object" ? (error as { code?: unknown }).code : undefined;
  return { success: false, code: typeof code === "number" || typeof code === "string" ? String(code) : undefined };
}

const HANGUP_PATH = "/v1/external/call/hangup";

export const alohaa: ProviderAdapter<z.infer<typeof credentials>> = {
  name: "alohaa",
  credentials,
  defaultBaseUrl: "https://incoming-call.alohaa.ai",
  address: { pathTail: () => HANGUP_PATH, bodyField: "call_id" },

  buildRequest({ callId, credentials: { api_key }, baseUrl }) {
    assertCallId(callId);
    return {
      method: "POST",
      url: joinUrl(baseUrl, HANGUP_PATH),
      headers: { "x-metro-api-key": api_key, "content-type": "application/json" },
      body: JSON.stringify({ call_id: callId }),
    };
  },

  readResponse(answer) {
    const envelope = readEnvelope(answer.body);
    if (envelope?.success === true) {
      // Its documented success, under a 2xx and with nothing in it saying otherwise, is the only hangup.
      if (isSuccessStatus(answer.status) && !saysFailure(answer.body)) return { status: "terminated", detail: "Alohaa hung up the call" };
      return readGenericFailure(answer);
    }
    if (envelope === undefined) return readGenericFailure(answer);
    const { code } = envelope;
    const known = code === undefined ? undefined : ERROR_READINGS.get(code);
    if (known) return known.retryable ? { ...known, code, retryAfterMs: retryAfterMs(answer.headers) } : { ...known, code };
    // An undocumented error code: the status, when it says more (401, 429, 5xx), decides; otherwise a refusal.
    if (answer.status >= 400) return readGenericFailure(answer, code);
    return { status: "failed", code, detail: `Alohaa refused the hangup (error ${code ?? "without a code"})`, retryable: false };
  },
};
