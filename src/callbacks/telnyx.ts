/**
 * Telnyx Call Control webhooks: JSON `{ data: { event_type, payload: { call_control_id, … } } }`; the
 * call has ended on `call.hangup`. Telnyx signs with Ed25519 under Telnyx's own public key, which a
 * connection (an API key) does not hold, so these are accepted only with `callbacks: "unsigned-ok"`.
 */
import { jsonObject, stringField } from "./read";
import type { CallbackDialect } from "./types";

const HANGUP_EVENT = "call.hangup";

export const telnyxCallbacks: CallbackDialect = {
  provider: "telnyx",
  verify: null,

  parse(request) {
    const data = jsonObject(request.body)?.data as Record<string, unknown> | undefined;
    const eventType = stringField(data, "event_type");
    const callId = stringField(data?.payload as Record<string, unknown> | undefined, "call_control_id");
    if (!callId || !eventType) return null;
    return { callId, status: eventType, ended: eventType === HANGUP_EVENT };
  },
};
