/**
 * A number's country, from the ITU numbering plan as Google's libphonenumber keeps it (through
 * libphonenumber-js): the calling code, then the leading digits that share it out (`+1 876…` is JM,
 * `+7 7…` is KZ). Only the `min` metadata and the core API are bundled: `max` adds the patterns that
 * tell a mobile from a fixed line, which a country does not need (both give the same country for every
 * calling code; src/policy/README.md has the figures).
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/core";
import metadata from "libphonenumber-js/min/metadata";

/** Calling codes of no country (international networks such as +882, +883, +800) map to this. */
const NON_GEOGRAPHIC = "001";

/**
 * The ISO 3166-1 alpha-2 country of an E.164 number, or null when it belongs to no country (an
 * international network) or is not a number of the plan at all. A number whose digits fit none of the
 * countries sharing its calling code belongs to the code's main country (US for +1, RU for +7, GB for
 * +44), as in the plan; so a short or unassigned number still has a country to be judged by.
 */
export function countryOf(e164: string): string | null {
  let country = known.get(e164);
  if (country === undefined) {
    country = lookUp(e164);
    if (known.size >= MAX_KNOWN) known.clear();
    known.set(e164, country);
  }
  return country;
}

/** Parsing takes microseconds and a watched call is evaluated again every minute: answers are kept. */
const MAX_KNOWN = 4096;
const known = new Map<string, string | null>();

function lookUp(e164: string): string | null {
  const parsed = parsePhoneNumberFromString(e164, metadata);
  if (!parsed) return null;
  if (parsed.country) return parsed.country;
  const countries: readonly string[] | undefined = metadata.country_calling_codes[parsed.countryCallingCode];
  const main = countries?.[0];
  return main === undefined || main === NON_GEOGRAPHIC ? null : main;
}

/** Is this a country code of the numbering plan (upper case, as `country:XX` writes it)? */
export function isPlanCountry(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code as CountryCode, metadata);
}
