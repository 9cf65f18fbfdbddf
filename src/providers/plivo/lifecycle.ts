/**
 * Plivo's call events into the lifecycle. Plivo posts the ring URL (`Event: Ring`, `CallStatus: ringing`) and
 * the hangup URL (`Event: Hangup`, with `StartTime`, `AnswerTime`, `EndTime`, `Duration`, `HangupCause`,
 * `HangupCauseCode`, `HangupCauseName`, `HangupSource`); its answer URL is the application's XML request, not
 * a status callback, so a Plivo call's `answeredAt` comes from its hangup callback's `AnswerTime`. Numbers are
 * international digits, often without `+`; times are `yyyy-MM-dd HH:mm:ss` (UTC unless an offset is given).
 * The cause and who-ended-it readers are shared with the detail-record read (./status.ts).
 */
import { e164FromDigits } from "../lifecycle/bounds";
import { lifecycleEvent, type LifecycleEvent } from "../lifecycle/event";
import { plivoInstant } from "../lifecycle/times";
import type { CallCause, LifecycleState, ProviderEndedBy } from "../lifecycle/vocabulary";
import { formValue, type Param } from "../callbacks/read";

/** Plivo's `CallStatus` values (its "Call Status" XML reference). */
const STATUSES: Record<string, { state: LifecycleState; cause: CallCause | null }> = {
  ringing: { state: "ringing", cause: null },
  "in-progress": { state: "answered", cause: null },
  completed: { state: "ended", cause: "completed" },
  busy: { state: "ended", cause: "busy" },
  "no-answer": { state: "ended", cause: "no_answer" },
  cancel: { state: "ended", cause: "canceled" },
  failed: { state: "ended", cause: "failed" },
  // "A time out while connecting your call": a carrier or network issue, not a callee who did not answer.
  timeout: { state: "ended", cause: "failed" },
};

/** `HangupCause` words (telephony causes) that say more than the status does (an inbound call always reads `completed`). */
const HANGUP_CAUSES: Record<string, CallCause> = {
  USER_BUSY: "busy",
  NO_ANSWER: "no_answer",
  NO_USER_RESPONSE: "no_answer",
  CALL_REJECTED: "rejected",
  ORIGINATOR_CANCEL: "canceled",
};

/** `HangupSource` (and the CDR's `hangup_source`) → who ended the call. */
const SOURCES: Record<string, ProviderEndedBy> = {
  caller: "caller",
  callee: "callee",
  "call recipient": "callee",
  plivo: "provider",
  error: "provider",
  carrier: "unknown",
  "api request": "unknown",
  "answer xml": "unknown",
  unknown: "unknown",
};

function lookup<T>(table: Record<string, T>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

export function plivoStatus(word: string | undefined): { state: LifecycleState; cause: CallCause | null } | undefined {
  return lookup(STATUSES, word?.toLowerCase());
}

/** Hangup cause code ranges of Plivo's hangup-causes reference. */
function causeOfCode(code: string | number | undefined): CallCause | undefined {
  const n = typeof code === "number" ? code : code !== undefined && /^\d{1,6}$/.test(code) ? Number(code) : NaN;
  if (n >= 1000 && n < 1100) return "canceled"; // Canceled calls (1000-1020)
  if (n >= 2000 && n < 2100) return "failed"; // Destination issues (2000-2070)
  if (n >= 4000 && n < 4100) return "completed"; // Normal completions (4000-4030)
  return undefined;
}

export interface PlivoHangupFacts {
  callStatus?: string;
  hangupCause?: string;
  causeCode?: string | number;
  source?: string;
}

/**
 * Why a Plivo call ended, most specific first: a telephony `HangupCause` that names busy, unanswered,
 * rejected or cancelled; the cause code's documented range; `CallStatus`; an `Error` source (failed);
 * `NORMAL_CLEARING` (completed); else unknown.
 */
export function plivoCause(facts: PlivoHangupFacts): CallCause {
  const cause = facts.hangupCause?.toUpperCase();
  return lookup(HANGUP_CAUSES, cause)
    ?? causeOfCode(facts.causeCode)
    ?? plivoStatus(facts.callStatus)?.cause
    ?? (facts.source?.toLowerCase() === "error" ? "failed" : undefined)
    ?? (cause === "NORMAL_CLEARING" ? "completed" : "unknown");
}

export function plivoEndedBy(source: string | undefined): ProviderEndedBy {
  return lookup(SOURCES, source?.toLowerCase()) ?? "unknown";
}

/** The event in one ring or hangup callback's form parameters, or null when it names no call. */
export function plivoEvent(params: readonly Param[]): LifecycleEvent | null {
  const callId = formValue(params, "CallUUID");
  const event = formValue(params, "Event");
  const callStatus = formValue(params, "CallStatus");
  if (!callId || !(event || callStatus)) return null;
  const hangup = event?.toLowerCase() === "hangup";
  const state: LifecycleState = hangup ? "ended" : (plivoStatus(callStatus)?.state ?? (event?.toLowerCase() === "ring" ? "ringing" : "initiated"));
  const endedAt = plivoInstant(formValue(params, "EndTime"));
  const hangupCause = formValue(params, "HangupCause");
  const source = formValue(params, "HangupSource");
  return lifecycleEvent({
    callId,
    providerStatus: event ?? callStatus ?? "",
    state,
    occurredAt: hangup ? endedAt : null,
    from: e164FromDigits(formValue(params, "From")),
    to: e164FromDigits(formValue(params, "To")),
    startedAt: plivoInstant(formValue(params, "StartTime") ?? formValue(params, "SessionStart")),
    answeredAt: plivoInstant(formValue(params, "AnswerTime")),
    endedAt,
    durationSeconds: formValue(params, "Duration"),
    cause: plivoCause({ callStatus, hangupCause, causeCode: formValue(params, "HangupCauseCode"), source }),
    endedBy: plivoEndedBy(source),
    providerCause: hangupCause ?? formValue(params, "HangupCauseName"),
  });
}
