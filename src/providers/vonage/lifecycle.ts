/**
 * Vonage Voice event webhooks into the lifecycle: `uuid`, `status` (`started`, `ringing`, `answered`, then
 * `completed`, `busy`, `cancelled`, `failed`, `rejected`, `timeout` or `unanswered`; `machine` after an
 * answer, as the `@vonage/voice` SDK's CallStatus lists it), `direction`, `from`, `to` (international digits
 * without `+`), `timestamp`, `start_time`, `end_time` (ISO 8601), `duration` (seconds as a string), `detail`
 * and `disconnected_by` (`user`: the other end of this leg; `platform`: Vonage's side, which includes the
 * application's own NCCO end and API hangups, so it does not say who).
 */
import { e164FromDigits } from "../lifecycle/bounds";
import { lifecycleEvent, type LifecycleEvent } from "../lifecycle/event";
import { isoInstant } from "../lifecycle/times";
import type { CallCause, LifecycleState, ProviderEndedBy } from "../lifecycle/vocabulary";
import { jsonObject, stringField } from "../callbacks/read";

export interface VonageStatusMeaning {
  state: LifecycleState;
  cause: CallCause | null;
}

const STATUSES: Record<string, VonageStatusMeaning> = {
  started: { state: "initiated", cause: null },
  ringing: { state: "ringing", cause: null },
  answered: { state: "answered", cause: null },
  machine: { state: "answered", cause: null },
  completed: { state: "ended", cause: "completed" },
  busy: { state: "ended", cause: "busy" },
  cancelled: { state: "ended", cause: "canceled" },
  failed: { state: "ended", cause: "failed" },
  rejected: { state: "ended", cause: "rejected" },
  timeout: { state: "ended", cause: "no_answer" },
  unanswered: { state: "ended", cause: "no_answer" },
};

/** What a Vonage call status means (callbacks and the call resource), or undefined for an undocumented word. */
export function vonageStatus(word: string): VonageStatusMeaning | undefined {
  const key = word.toLowerCase();
  return Object.hasOwn(STATUSES, key) ? STATUSES[key] : undefined;
}

/**
 * `disconnected_by: user` is the party at the other end of this leg: the callee of an outbound leg, the
 * caller of an inbound one. Anything else (`platform`, nothing) does not say who.
 */
export function vonageEndedBy(disconnectedBy: string | undefined, direction: string | undefined): ProviderEndedBy {
  if (disconnectedBy?.toLowerCase() !== "user") return "unknown";
  const leg = direction?.toLowerCase();
  return leg === "outbound" ? "callee" : leg === "inbound" ? "caller" : "unknown";
}

/** The event in one event webhook's JSON body, or null when it names no call or no status. */
export function vonageEvent(body: string): LifecycleEvent | null {
  const object = jsonObject(body);
  const callId = stringField(object, "uuid");
  const status = stringField(object, "status");
  if (!callId || !status) return null;
  const meaning = vonageStatus(status);
  const state = meaning?.state ?? "initiated";
  const occurredAt = isoInstant(stringField(object, "timestamp"));
  return lifecycleEvent({
    callId,
    providerStatus: status,
    state,
    occurredAt,
    from: e164FromDigits(stringField(object, "from")),
    to: e164FromDigits(stringField(object, "to")),
    startedAt: isoInstant(stringField(object, "start_time")),
    answeredAt: status.toLowerCase() === "answered" ? occurredAt : null,
    endedAt: isoInstant(stringField(object, "end_time")) ?? occurredAt,
    durationSeconds: object?.duration,
    cause: meaning?.cause ?? null,
    endedBy: vonageEndedBy(stringField(object, "disconnected_by"), stringField(object, "direction")),
    providerCause: stringField(object, "detail"),
  });
}
