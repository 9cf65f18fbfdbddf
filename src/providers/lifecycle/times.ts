/**
 * Provider timestamps read strictly into ISO-8601 UTC strings: each provider's documented format and nothing
 * looser (`Date.parse` accepts far more than any provider sends), a real calendar date, and an instant
 * inside [2000, 2100), so that an "unset" epoch zero or a garbage year never reaches a record. Anything
 * else reads as null.
 */

const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** ISO 8601 with a zone: `2026-05-01T09:32:00Z`, `…00.521992Z` (Telnyx), `…00.000+05:30`. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;
/** RFC 2822 as Twilio writes it: `Tue, 31 Aug 2010 20:36:28 +0000` (the weekday optional). */
const RFC_2822 = /^(?:[A-Za-z]{3}, )?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-]\d{4}|GMT|UT|Z)$/;
/** Plivo: `2026-05-01 09:32:00`, optionally with fractions and an offset (`+05:30`, as its CDR examples show). */
const PLIVO = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([+-]\d{2}:?\d{2})?$/;

/** Minutes east of UTC for `Z`, `GMT`, `UT`, `+0530` or `-05:00`; undefined for an impossible offset. */
function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === "Z" || zone === "GMT" || zone === "UT") return 0;
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!match) return undefined;
  const hours = Number(match[2]);
  const minutes = Number(match[3]);
  if (hours > 14 || minutes > 59) return undefined;
  return (match[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
}

interface Parts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
  offset: number | undefined;
}

/** The instant the parts name, if they are a real date and time inside the accepted range. */
function instant(parts: Parts): string | null {
  const { year, month, day, hour, minute, second, millis, offset } = parts;
  if (offset === undefined || hour > 23 || minute > 59 || second > 59) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const date = new Date(local);
  // Date.UTC rolls 31 April over into May: a date that does not survive the round trip is not a date.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  const at = local - offset * 60_000;
  return at >= EARLIEST && at < LATEST ? new Date(at).toISOString() : null;
}

/** Fractions of a second beyond milliseconds are dropped, not rounded. */
function millisOf(fraction: string | undefined): number {
  return fraction ? Number(fraction.slice(0, 3).padEnd(3, "0")) : 0;
}

export function isoInstant(value: string | undefined): string | null {
  const m = value === undefined ? null : ISO.exec(value);
  if (!m) return null;
  return instant({
    year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]),
    millis: millisOf(m[7]), offset: offsetMinutes(m[8]),
  });
}

export function rfc2822Instant(value: string | undefined): string | null {
  const m = value === undefined ? null : RFC_2822.exec(value);
  if (!m) return null;
  const month = MONTHS.indexOf((m[2] ?? "").toLowerCase()) + 1;
  if (month === 0) return null;
  return instant({
    year: Number(m[3]), month, day: Number(m[1]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]),
    millis: 0, offset: offsetMinutes(m[7]),
  });
}

/** Plivo's times carry no zone in its callbacks; its documents name none there, so they are read as UTC. */
export function plivoInstant(value: string | undefined): string | null {
  const m = value === undefined ? null : PLIVO.exec(value);
  if (!m) return null;
  return instant({
    year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]),
    millis: millisOf(m[7]), offset: offsetMinutes(m[8]),
  });
}
