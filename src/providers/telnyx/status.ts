/**
 * Telnyx's call status read: `GET {base}/v2/calls/{call_control_id}`, `Authorization: Bearer` (as its hangup),
 * answered `{ data: { is_alive, start_time, end_time, call_duration, … } }` (the `telnyx` SDK's
 * `CallRetrieveStatusResponse`). It says whether the call is alive, never why it ended; Telnyx keeps a call
 * about 10 minutes after its end, then answers 404 like for a call it never had.
 */
import { joinUrl, jsonField, segment } from "../http";
import { isoInstant } from "../lifecycle/times";
import { endedReading, is2xx, readStatusFailure, undocumentedAnswer } from "../status-answers";
import type { StatusRead } from "../types";

export const telnyxStatusRead: StatusRead<{ api_key: string }> = {
  steps: [
    {
      buildRequest({ callId, credentials: { api_key }, baseUrl }) {
        return {
          method: "GET",
          url: joinUrl(baseUrl, `/v2/calls/${segment(callId)}`),
          headers: { authorization: `Bearer ${api_key}` },
        };
      },

      readResponse(answer) {
        if (!is2xx(answer)) return readStatusFailure(answer);
        const data = jsonField(answer.body, "data");
        const call = data && typeof data === "object" ? (data as Record<string, unknown>) : undefined;
        if (typeof call?.is_alive !== "boolean") return undocumentedAnswer("Telnyx", "data.is_alive");
        if (call.is_alive) return { kind: "live" };
        return endedReading({
          endedAt: typeof call.end_time === "string" ? isoInstant(call.end_time) : null,
          durationSeconds: call.call_duration,
        });
      },
    },
  ],
};
