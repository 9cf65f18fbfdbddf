/**
 * When the call's one alarm rings, as pure functions of the stored call: at the earliest time any duty is
 * due, but not before the backoff of an alarm whose duty threw (5 s doubling, at most 5 minutes).
 */
import type { Config } from "../config";
import type { Duty } from "./duties/duty";
import type { StoredCall } from "./stored-call";
import { alarmErrorDelayMs } from "./timings";

/** The earliest due time of `duties`; a duty that cannot even say when it is due is looked at after a backoff. */
export function earliestDue(call: StoredCall, duties: readonly Duty[], now: number, config: Config): number | null {
  let earliest: number | null = null;
  for (const duty of duties) {
    let at: number | null;
    try {
      at = duty.dueAt(call, now, config);
    } catch {
      at = now + alarmErrorDelayMs(call.alarm.failures + 1);
    }
    if (at !== null && (earliest === null || at < earliest)) earliest = at;
  }
  return earliest;
}

export function nextAlarmAt(call: StoredCall, duties: readonly Duty[], now: number, config: Config): number | null {
  const at = earliestDue(call, duties, now, config);
  const backoff = call.alarm.backoff_until === null ? 0 : Date.parse(call.alarm.backoff_until);
  return at === null ? null : Math.max(at, backoff);
}

/** The call after an alarm run: its failures counted and backed off, or cleared once a run succeeds. */
export function afterAlarmRun(call: StoredCall, failed: readonly string[], now: number): StoredCall {
  if (!failed.length) return call.alarm.failures ? { ...call, alarm: { failures: 0, backoff_until: null } } : call;
  const failures = call.alarm.failures + 1;
  return { ...call, alarm: { failures, backoff_until: new Date(now + alarmErrorDelayMs(failures)).toISOString() } };
}
