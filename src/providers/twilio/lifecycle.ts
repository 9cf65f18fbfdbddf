/**
 * Twilio's call statuses into the lifecycle: status callbacks (`statusCallbackEvent` initiated, ringing,
 * answered, completed) carry `CallStatus`, `Timestamp` (RFC 2822), `From`, `To`, and on the final one
 * `CallDuration` and `SipResponseCode`; the Call resource (./status.ts) has the same status words. No field
 * says who hung up, so `endedBy` is always `unknown` (the gateway adds `gateway` when it hung the call up).
 * Twilio has no "rejected" status: a declined call reads `busy` or `no-answer`, as Twilio reports it.
 */
import { e164 } from "../lifecycle/bounds";
import { lifecycleEvent, type LifecycleEvent } from "../lifecycle/event";
import { rfc2822Instant } from "../lifecycle/times";
import type { CallCause, LifecycleState } from "../lifecycle/vocabulary";
import { formValue, type Param } from "../callbacks/read";

export interface TwilioStatusMeaning {
  state: LifecycleState;
  cause: CallCause | null;
}

/** Twilio's documented call statuses (`queued` only on the Call resource). */
const STATUSES: Record<string, TwilioStatusMeaning> = {
  queued: { state: "initiated", cause: null },
  initiated: { state: "initiated", cause: null },
  ringing: { state: "ringing", cause: null },
  "in-progress": { state: "answered", cause: null },
  completed: { state: "ended", cause: "completed" },
  busy: { state: "ended", cause: "busy" },
  "no-answer": { state: "ended", cause: "no_answer" },
  failed: { state: "ended", cause: "failed" },
  canceled: { state: "ended", cause: "canceled" },
};

/** What a Twilio call status means, or undefined for a word Twilio does not document. */
export function twilioStatus(word: string): TwilioStatusMeaning | undefined {
  const key = word.toLowerCase();
  return Object.hasOwn(STATUSES, key) ? STATUSES[key] : undefined;
}

/**
 * The event in one status callback's form parameters, or null when it names no call. A status word Twilio
 * does not document proves only that the call exists (`initiated`). The event's `Timestamp` is the moment
 * of the state it reports: the start for `initiated`, the answer for `in-progress`, the end for a final status.
 */
export function twilioEvent(params: readonly Param[]): LifecycleEvent | null {
  const callId = formValue(params, "CallSid");
  const status = formValue(params, "CallStatus");
  if (!callId || !status) return null;
  const meaning = twilioStatus(status);
  const state = meaning?.state ?? "initiated";
  const occurredAt = rfc2822Instant(formValue(params, "Timestamp"));
  return lifecycleEvent({
    callId,
    providerStatus: status,
    state,
    occurredAt,
    from: e164(formValue(params, "From")),
    to: e164(formValue(params, "To")),
    startedAt: status === "initiated" ? occurredAt : null,
    answeredAt: state === "answered" ? occurredAt : null,
    endedAt: state === "ended" ? occurredAt : null,
    durationSeconds: formValue(params, "CallDuration"),
    cause: meaning?.cause ?? null,
    endedBy: "unknown",
    providerCause: formValue(params, "SipResponseCode"),
  });
}
