/**
 * TryVox callbacks into the lifecycle. Its documentation shows only that the hangup webhook carries the final
 * call details with `end_reason` (`api-hangup` after an API hangup) and the final status `completed`;
 * everything else here is inferred and said so in the README: the call id is `call_uuid` (also read:
 * `call_id`, `uuid`), the state `status` or `event` in the words its neighbours use, the numbers `from`/`to`
 * when they are E.164. No field is documented to say who hung up or when, so `endedBy` is `unknown` and the
 * times are null.
 */
import { e164 } from "../lifecycle/bounds";
import { lifecycleEvent, type LifecycleEvent } from "../lifecycle/event";
import type { CallCause, LifecycleState } from "../lifecycle/vocabulary";
import { jsonObject, stringField } from "../callbacks/read";

const STATUSES: Record<string, { state: LifecycleState; cause: CallCause | null }> = {
  queued: { state: "initiated", cause: null },
  initiated: { state: "initiated", cause: null },
  ringing: { state: "ringing", cause: null },
  "in-progress": { state: "answered", cause: null },
  answered: { state: "answered", cause: null },
  completed: { state: "ended", cause: "completed" },
  ended: { state: "ended", cause: null },
  busy: { state: "ended", cause: "busy" },
  "no-answer": { state: "ended", cause: "no_answer" },
  failed: { state: "ended", cause: "failed" },
  canceled: { state: "ended", cause: "canceled" },
  cancelled: { state: "ended", cause: "canceled" },
};

const ENDED_EVENTS = new Set(["hangup", "call.hangup", "call.ended", "call.completed"]);

export function tryvoxStatus(word: string | undefined): { state: LifecycleState; cause: CallCause | null } | undefined {
  const key = word?.toLowerCase();
  return key !== undefined && Object.hasOwn(STATUSES, key) ? STATUSES[key] : undefined;
}

/** The event in one callback's JSON body, or null when it names no call. */
export function tryvoxEvent(body: string): LifecycleEvent | null {
  const object = jsonObject(body);
  const callId = stringField(object, "call_uuid", "call_id", "uuid");
  if (!callId) return null;
  const endReason = stringField(object, "end_reason");
  const status = stringField(object, "status");
  const event = stringField(object, "event");
  const meaning = tryvoxStatus(status);
  // The hangup webhook is the one with `end_reason`; a final status or a hangup event ends the call too.
  const ended = endReason !== undefined || meaning?.state === "ended" || ENDED_EVENTS.has(event?.toLowerCase() ?? "");
  return lifecycleEvent({
    callId,
    providerStatus: event ?? status ?? endReason ?? "unknown",
    state: ended ? "ended" : (meaning?.state ?? "initiated"),
    from: e164(stringField(object, "from")),
    to: e164(stringField(object, "to")),
    cause: meaning?.cause ?? null,
    endedBy: "unknown",
    providerCause: endReason,
  });
}
