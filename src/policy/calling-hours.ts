/**
 * `calling_hours`: is it within the rule's daily window in the zone it names, and when does the window
 * close? Wall-clock time comes from the runtime's tz data (./local-time.ts), so a window means the same
 * local hours on each side of a daylight-saving change. A window over midnight belongs to the day it
 * opens on: 22:00–06:00 on `fri` runs from Friday 22:00 to Saturday 06:00.
 */
import type { CallingWindow } from "./compile";
import { DESTINATION_ZONES } from "./destination-zones";
import { addDays, firstInstantAtOrAfter, wallTime, weekday, type WallTime } from "./local-time";
import { countryOf } from "./numbering";
import { WEEKDAYS } from "./schema-traffic";
import type { Firing, PolicyEvent } from "./types";
import { terminateDetail } from "./wording";

type LocalDate = Pick<WallTime, "year" | "month" | "day">;

/** The zone the window is read in, or why the rule cannot judge the call. */
function zoneOf(window: CallingWindow, event: PolicyEvent): { zone: string } | { why: string } {
  if (window.zone !== "destination") return { zone: window.zone };
  const to = event.call?.to;
  if (to === undefined) return { why: "the call has no `to` number to take the destination's time zone from" };
  const country = countryOf(to);
  if (country === null) return { why: `the destination ${to} belongs to no country` };
  const zone = DESTINATION_ZONES[country];
  return zone === undefined ? { why: `no time zone is known for ${country}` } : { zone };
}

/** The local date the window now open closes on, or null when the window is shut. */
function closingDate(window: CallingWindow, local: WallTime): LocalDate | null {
  const opensOn = (date: LocalDate) => window.days === null || window.days.has(weekday(date));
  const { minutes } = local;
  if (window.from < window.until) return minutes >= window.from && minutes < window.until && opensOn(local) ? local : null;
  if (minutes >= window.from && opensOn(local)) return addDays(local, 1);
  if (minutes < window.until && opensOn(addDays(local, -1))) return local;
  return null;
}

const clock = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

export function judgeCallingHours(window: CallingWindow, shadow: boolean, event: PolicyEvent): Firing {
  const zone = zoneOf(window, event);
  if ("why" in zone) return { effect: "skip", detail: `Not judged: ${zone.why}.` };
  const local = wallTime(zone.zone, event.now);
  const closesOn = closingDate(window, local);
  if (closesOn === null) {
    const now = `${clock(local.minutes)} on ${WEEKDAYS[weekday(local)]} in ${zone.zone}`;
    return { effect: "terminate", detail: terminateDetail(shadow, `it is ${now}, outside the calling window ${window.label}`) };
  }
  const deadline = new Date(firstInstantAtOrAfter(zone.zone, { ...closesOn, minutes: window.until }, event.now)).toISOString();
  return { effect: "schedule", deadline, detail: `The calling window ${window.label} in ${zone.zone} closes at ${deadline}.` };
}
