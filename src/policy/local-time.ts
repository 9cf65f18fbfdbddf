/**
 * Wall-clock time in an IANA zone, from the runtime's `Intl` (ICU's copy of the tz database): no zone
 * data of our own. A zone's formatter is built once and kept, since building one costs far more than
 * using it, and so are the offsets it gave.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Is `zone` an IANA zone name this runtime knows ("Europe/Paris", "UTC")? Offsets such as "+01:00" are not. */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    formatterOf(zone);
    return true;
  } catch {
    return false;
  }
}

function formatterOf(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** A local date and time of day, as a wall clock in some zone shows it. */
export interface WallTime {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  /** Minutes since local midnight, 0–1439. */
  minutes: number;
  /** Seconds of the minute, 0–59. */
  seconds: number;
}

/**
 * A zone's offset from UTC (ms) at `instant`. Asking ICU costs microseconds, so offsets are kept per
 * quarter hour of UTC: every offset and every transition of the tz database since the 1970s falls on
 * a quarter hour, so the offset is the same throughout each quarter hour.
 */
const QUARTER_HOUR_MS = 900_000;
const MAX_KEPT_PER_ZONE = 1024;
const offsets = new Map<string, Map<number, number>>();

function offsetAt(zone: string, instant: number): number {
  const quarter = Math.floor(instant / QUARTER_HOUR_MS);
  let kept = offsets.get(zone);
  if (!kept) offsets.set(zone, (kept = new Map()));
  let offset = kept.get(quarter);
  if (offset === undefined) {
    const start = quarter * QUARTER_HOUR_MS;
    const fields: Record<string, number> = {};
    for (const part of formatterOf(zone).formatToParts(start)) if (part.type !== "literal") fields[part.type] = Number(part.value);
    offset = Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!) - start;
    if (kept.size >= MAX_KEPT_PER_ZONE) kept.clear();
    kept.set(quarter, offset);
  }
  return offset;
}

/** What a wall clock in `zone` shows at `instant` (epoch ms). */
export function wallTime(zone: string, instant: number): WallTime {
  const wall = new Date(instant + offsetAt(zone, instant));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    minutes: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
    seconds: wall.getUTCSeconds(),
  };
}

/** The wall time as if it were UTC: a number that orders and subtracts like the wall clock. */
function wallMs(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, 0, wall.minutes, wall.seconds);
}

/**
 * The first instant after `after` at which a wall clock in `zone` shows `target` or later. Normally the
 * one instant showing it; when clocks are put back and it is shown twice, the first still ahead; when
 * clocks jump over it (it never shows), the instant of the jump. Offsets are read a day either side of
 * the target, then the answer is checked.
 */
export function firstInstantAtOrAfter(zone: string, target: Omit<WallTime, "seconds">, after = -Infinity): number {
  const targetMs = Date.UTC(target.year, target.month - 1, target.day, 0, target.minutes);
  const DAY = 86_400_000;
  const candidates = [...new Set([targetMs - offsetAt(zone, targetMs - DAY), targetMs - offsetAt(zone, targetMs + DAY)])].sort((a, b) => a - b);
  const exact = candidates.find((instant) => instant > after && wallMs(wallTime(zone, instant)) === targetMs);
  if (exact !== undefined) return exact;
  // In a gap: the wall clock passes the target between the two candidates; find the jump to the second.
  let low = candidates[0]!;
  let high = candidates.at(-1)!;
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2000) * 1000;
    if (wallMs(wallTime(zone, middle)) >= targetMs) high = middle;
    else low = middle;
  }
  return high;
}

/** The calendar date `days` after (or before) the given one. */
export function addDays(date: Pick<WallTime, "year" | "month" | "day">, days: number): Pick<WallTime, "year" | "month" | "day"> {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday, of a calendar date. */
export function weekday(date: Pick<WallTime, "year" | "month" | "day">): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}
