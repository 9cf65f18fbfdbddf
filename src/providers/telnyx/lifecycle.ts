/**
 * Telnyx Call Control webhooks into the lifecycle: `data.event_type` `call.initiated`, `call.answered`,
 * `call.hangup` (Telnyx sends no ringing event), `data.occurred_at`, and in `data.payload` `call_control_id`,
 * `from`, `to` (E.164 or a SIP URI), `start_time`, and on hangup `hangup_cause`, `hangup_source` and
 * `sip_hangup_cause` (the values as the `telnyx` SDK's webhook types list them). Telnyx gives no duration.
 */
import { e164 } from "../lifecycle/bounds";
import { lifecycleEvent, type LifecycleEvent } from "../lifecycle/event";
import { isoInstant } from "../lifecycle/times";
import type { CallCause, LifecycleState, ProviderEndedBy } from "../lifecycle/vocabulary";
import { jsonObject, stringField } from "../callbacks/read";

const EVENTS: Record<string, LifecycleState> = {
  "call.initiated": "initiated",
  "call.answered": "answered",
  "call.hangup": "ended",
};

/** `hangup_cause` values of the SDK's `CallHangup` webhook type. */
const CAUSES: Record<string, CallCause> = {
  normal_clearing: "completed",
  // Telnyx's own call time limit ended an answered call: a normal end, by the provider.
  time_limit: "completed",
  user_busy: "busy",
  timeout: "no_answer",
  no_answer: "no_answer",
  call_rejected: "rejected",
  originator_cancel: "canceled",
  not_found: "failed",
  unspecified: "unknown",
};

const SOURCES: Record<string, ProviderEndedBy> = { caller: "caller", callee: "callee", unknown: "unknown" };

function lookup<T>(table: Record<string, T>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The state a Telnyx event type proves; any other call event proves only that the call exists. */
export function telnyxState(eventType: string): LifecycleState {
  return lookup(EVENTS, eventType) ?? "initiated";
}

export function telnyxCause(hangupCause: string | undefined): CallCause {
  return lookup(CAUSES, hangupCause?.toLowerCase()) ?? "unknown";
}

/** `hangup_source`; a call Telnyx ended at its time limit was ended by the provider, whatever the source says. */
export function telnyxEndedBy(hangupSource: string | undefined, hangupCause: string | undefined): ProviderEndedBy {
  if (hangupCause?.toLowerCase() === "time_limit") return "provider";
  return lookup(SOURCES, hangupSource?.toLowerCase()) ?? "unknown";
}

/** The event in one webhook's JSON body, or null when it names no call. */
export function telnyxEvent(body: string): LifecycleEvent | null {
  const data = jsonObject(body)?.data as Record<string, unknown> | undefined;
  const payload = data?.payload as Record<string, unknown> | undefined;
  const eventType = stringField(data, "event_type");
  const callId = stringField(payload, "call_control_id");
  if (!callId || !eventType) return null;
  const state = telnyxState(eventType);
  const occurredAt = isoInstant(stringField(data, "occurred_at"));
  const hangupCause = stringField(payload, "hangup_cause");
  return lifecycleEvent({
    callId,
    providerStatus: eventType,
    state,
    occurredAt,
    from: e164(stringField(payload, "from")),
    to: e164(stringField(payload, "to")),
    startedAt: isoInstant(stringField(payload, "start_time")),
    answeredAt: state === "answered" ? occurredAt : null,
    endedAt: isoInstant(stringField(payload, "end_time")) ?? occurredAt,
    cause: telnyxCause(hangupCause),
    endedBy: telnyxEndedBy(stringField(payload, "hangup_source"), hangupCause),
    providerCause: stringField(payload, "sip_hangup_cause"),
  });
}
