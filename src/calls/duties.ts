/**
 * What a call's object may have to do by itself, each duty answering when it is next due, as pure
 * functions of the stored call and the object's clocks. The object's one alarm is set for the earliest
 * (cloudflare/agents' scheduler is the model: one alarm fed by a table of schedules); when it rings, every
 * duty due by then runs, in this order.
 */
import { nextDeliveryAt } from "./outbox";
import { retainedUntil } from "./record";
import { pendingRound, watchedRegistration, type StoredCall } from "./stored-call";
import { INDEX_RETRY_MS } from "./timings";
import { watchWakeAt } from "./watch";

/** What the object knows that storage does not: its round in flight and its last index report. */
export interface DutyClocks {
  now: number;
  /** A round is running in this instance... */
  inflight: boolean;
  /** ...and is presumed alive until then. */
  leaseUntil: number;
  /** The call index has not confirmed the latest version. */
  indexBehind: boolean;
  /** The last report failed: send again then. */
  indexRetryAt: number | null;
  retention: number;
}

export type DutyName = "round" | "index" | "watch" | "outbox" | "retention";

export interface Duty {
  name: DutyName;
  dueAt(call: StoredCall, clocks: DutyClocks): number | null;
}

export const CALL_DUTIES: readonly Duty[] = [
  {
    // A pending round with nothing in flight was left by an object that died: run it again at once.
    name: "round",
    dueAt: (call, clocks) => (pendingRound(call) ? (clocks.inflight ? clocks.leaseUntil : clocks.now) : null),
  },
  {
    name: "index",
    dueAt: (call, clocks) => (clocks.indexBehind ? (clocks.indexRetryAt ?? Date.parse(call.updated_at) + INDEX_RETRY_MS) : null),
  },
  {
    name: "watch",
    dueAt: (call) => {
      const registration = watchedRegistration(call);
      return registration && !pendingRound(call) ? watchWakeAt(registration, call.retry?.next_at ?? null) : null;
    },
  },
  {
    name: "outbox",
    dueAt: (call) => nextDeliveryAt(call.outbox),
  },
  {
    // Only once nothing else is left to do: the index and the tenant have heard everything.
    name: "retention",
    dueAt: (call, clocks) => {
      if (pendingRound(call) || clocks.indexBehind || nextDeliveryAt(call.outbox) !== null) return null;
      return retainedUntil(call, clocks.retention);
    },
  },
];

export function earliestDue(call: StoredCall, clocks: DutyClocks, options: { retention: boolean } = { retention: true }): number | null {
  let earliest: number | null = null;
  for (const duty of CALL_DUTIES) {
    if (duty.name === "retention" && !options.retention) continue;
    const at = duty.dueAt(call, clocks);
    if (at !== null && (earliest === null || at < earliest)) earliest = at;
  }
  return earliest;
}
