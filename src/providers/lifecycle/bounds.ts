/**
 * The bounds on every value a provider's event or status answer hands the gateway: a provider word is cut
 * to MAX_PROVIDER_WORD_CHARS, a number is E.164 or nothing, a duration is a whole number of seconds within
 * a month, a time is one of ./times.ts's instants. Nothing a provider sends can grow a record beyond these.
 */
import { MAX_PROVIDER_WORD_CHARS } from "./vocabulary";
import { isoInstant } from "./times";

const E164 = /^\+[1-9]\d{1,14}$/;
/** No call lasts a month; a larger figure is not a duration. */
export const MAX_DURATION_SECONDS = 31 * 24 * 3600;

/**
 * A provider's own word, without control characters, cut to MAX_PROVIDER_WORD_CHARS code points (never
 * half a character); null when nothing is left.
 */
export function providerWord(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const clean = [...value.replace(/[\u0000-\u001f\u007f]/g, " ").trim()].slice(0, MAX_PROVIDER_WORD_CHARS).join("").trim();
  return clean === "" ? null : clean;
}

/** An E.164 number (`+` and 2 to 15 digits, no leading zero), or null: a SIP URI or a client name is not one. */
export function e164(value: string | null | undefined): string | null {
  return value !== null && value !== undefined && E164.test(value) ? value : null;
}

/**
 * For providers that document their numbers as international digits without the `+` (Plivo, Vonage):
 * `14155550100` → `+14155550100`; a number already with `+` is kept; anything else is null.
 */
export function e164FromDigits(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return e164(/^\d+$/.test(value) ? `+${value}` : value);
}

/** Whole seconds from a number or a string of digits (`"42"`, as Vonage sends them), within the bound; else null. */
export function seconds(value: unknown): number | null {
  const n = typeof value === "number" ? value : typeof value === "string" && /^\d{1,12}(?:\.\d{1,6})?$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 && n <= MAX_DURATION_SECONDS ? Math.floor(n) : null;
}

/** An instant already read by ./times.ts, checked again so that no path can store anything else. */
export function instantOrNull(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : isoInstant(value);
}
