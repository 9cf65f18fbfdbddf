/**
 * TryVox callbacks (`hangup_url`, `status_callback_url`): JSON, unsigned, so accepted only from
 * connections with `callbacks: "unsigned-ok"`. Its documentation shows only that the hangup webhook
 * carries the final call details with `end_reason` ("api-hangup" after an API hangup) and a final
 * status of `completed`; the field names are inferred from its API: the call is `call_uuid` (also
 * read: `call_id`, `uuid`), its state `status` or `event`. A call has ended when `end_reason` is
 * present, its status is a final one, or the event is a hangup.
 */
import { jsonObject, stringField } from "../callbacks/read";
import { unsigned, type CallbackDialect } from "../callbacks/types";

const ENDED_STATUSES = new Set(["completed", "ended", "busy", "failed", "no-answer", "canceled", "cancelled"]);
const ENDED_EVENTS = new Set(["hangup", "call.hangup", "call.ended", "call.completed"]);

export const tryvoxCallbacks: CallbackDialect = {
  verify: unsigned,

  parse(request) {
    const body = jsonObject(request.body);
    const callId = stringField(body, "call_uuid", "call_id", "uuid");
    const endReason = stringField(body, "end_reason");
    const status = stringField(body, "status");
    const event = stringField(body, "event");
    if (!callId) return null;
    const ended = endReason !== undefined || ENDED_STATUSES.has((status ?? "").toLowerCase()) || ENDED_EVENTS.has((event ?? "").toLowerCase());
    return { callId, status: event ?? status ?? endReason ?? "unknown", ended };
  },
};
