/**
 * Callab's call status read: `GET {base}/calls/{call_id}`, `Authorization: Bearer` (as its hangup), answered
 * with its `{status, message, data}` envelope around the call. Its reference lists the call's fields
 * (`call_status`, `started_at`, `ended_at`, `call_duration`, `disconnect_reason`, …) but not the values of
 * `call_status`; what is read from them is inferred (README): a call with an `ended_at` has ended, and so has
 * one whose `call_status` is a final word of the telephony providers it runs on (Twilio's, mostly); a
 * non-final word it is known to use for a live call is live; anything else tells nothing. 404, or an envelope
 * without the call, is a call Callab does not know.
 */
import { joinUrl, parseJson, segment } from "../http";
import { isoInstant } from "../lifecycle/times";
import type { CallCause } from "../lifecycle/vocabulary";
import { endedReading, is2xx, readStatusFailure, undocumentedAnswer } from "../status-answers";
import type { StatusRead } from "../types";

const FINAL: Record<string, CallCause> = {
  completed: "completed",
  ended: "unknown",
  busy: "busy",
  "no-answer": "no_answer",
  no_answer: "no_answer",
  failed: "failed",
  canceled: "canceled",
  cancelled: "canceled",
};

const LIVE = new Set(["queued", "initiated", "ringing", "in-progress", "in_progress", "ongoing", "active"]);

function lookup(word: string | undefined): CallCause | undefined {
  const key = word?.toLowerCase();
  return key !== undefined && Object.hasOwn(FINAL, key) ? FINAL[key] : undefined;
}

export const callabStatusRead: StatusRead<{ api_key: string }> = {
  steps: [
    {
      buildRequest({ callId, credentials: { api_key }, baseUrl }) {
        return { method: "GET", url: joinUrl(baseUrl, `/calls/${segment(callId)}`), headers: { authorization: `Bearer ${api_key}` } };
      },

      readResponse(answer) {
        if (!is2xx(answer)) return readStatusFailure(answer);
        const envelope = parseJson(answer.body);
        if (!envelope || typeof envelope !== "object" || Array.isArray(envelope)) return undocumentedAnswer("Callab", "its JSON envelope");
        const data = (envelope as Record<string, unknown>).data;
        if (!data || typeof data !== "object" || Array.isArray(data)) return { kind: "unknown" };
        const call = data as Record<string, unknown>;
        const status = typeof call.call_status === "string" ? call.call_status : undefined;
        const endedAt = typeof call.ended_at === "string" ? isoInstant(call.ended_at) : null;
        const cause = lookup(status);
        if (endedAt !== null || cause !== undefined) {
          return endedReading({
            cause: cause ?? "unknown",
            endedAt,
            durationSeconds: call.call_duration,
            providerCause: typeof call.disconnect_reason === "string" ? call.disconnect_reason : null,
          });
        }
        if (status !== undefined && LIVE.has(status.toLowerCase())) return { kind: "live" };
        return undocumentedAnswer("Callab", "a call status it documents");
      },
    },
  ],
};
