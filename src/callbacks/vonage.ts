/**
 * Vonage Voice event webhooks: JSON with the call's `uuid` and `status`; the final statuses end it.
 * Vonage signs them with the account's signature secret, which a connection (application id and
 * private key) does not hold, so these are accepted only with `callbacks: "unsigned-ok"`.
 */
import { jsonObject, stringField } from "./read";
import type { CallbackDialect } from "./types";

const ENDED_STATUSES = new Set(["completed", "busy", "cancelled", "failed", "rejected", "timeout", "unanswered"]);

export const vonageCallbacks: CallbackDialect = {
  provider: "vonage",
  verify: null,

  parse(request) {
    const body = jsonObject(request.body);
    const callId = stringField(body, "uuid");
    const status = stringField(body, "status");
    if (!callId || !status) return null;
    return { callId, status, ended: ENDED_STATUSES.has(status.toLowerCase()) };
  },
};
