/**
 * Keeps credentials out of what a provider's answer carries into a reading (its `detail` and `code`), in
 * every form the gateway itself sent them: a provider may echo the raw value, the Basic header (base64 of
 * `id:secret`, in which the account id and most of the token can be read), the value as it went into a
 * path or a form (percent-encoded, hex in either case), or any of these in another letter case. So the
 * scrubber looks for, case-insensitively (character by character, where lower case keeps a character's
 * length, as it does for every ASCII letter):
 * - every credential string value raw, percent-encoded as a path segment, as a URI component and as a
 *   form value, and in base64 (standard and URL-safe) at each of the three byte alignments, so base64 of
 *   anything that contains the value is caught too;
 * - base64 of `a:b` for every ordered pair of credential values (the Basic header);
 * - raw only: the `Authorization` header's token (a Vonage JWT is worth stealing for its five minutes)
 *   and values longer than `MAX_ENCODED_SECRET_CHARS` (a private key, which is never sent at all: encoding
 *   it every way would cost tens of milliseconds per hangup for forms no provider ever saw);
 * - in any of these forms of at least `MIN_PARTIAL_SOURCE_CHARS` characters, any run of
 *   `MIN_PARTIAL_CHARS` of its characters: an echo cut short, or a token quoted in part.
 * Values shorter than `MIN_SECRET_CHARS` are not looked for: they would match ordinary words.
 */
import { toBase64, toBase64Url } from "../bytes";
import { encodePathCharacters } from "./http";
import type { OutboundRequest } from "./types";

export const MIN_SECRET_CHARS = 6;
/** A form this long or longer is also scrubbed in part ... */
export const MIN_PARTIAL_SOURCE_CHARS = 12;
/** ... wherever this many of its characters appear in a row. */
export const MIN_PARTIAL_CHARS = 8;
export const MAX_ENCODED_SECRET_CHARS = 512;

const REDACTED = "[redacted]";

/** Lower case that keeps every index where it was (`toLowerCase` of a whole string may not). */
function fold(text: string): string {
  let folded = "";
  for (const char of text) {
    const lower = char.toLowerCase();
    folded += lower.length === char.length ? lower : char;
  }
  return folded;
}

function tryEncode(encode: (value: string) => string, value: string): string | undefined {
  try {
    return encode(value);
  } catch {
    return undefined; // a lone surrogate: it was never sent in this form either
  }
}

/** Base64 of the value's bytes from `offset` on, whole groups only: the same characters whatever precedes it. */
function base64At(bytes: Uint8Array, offset: number, url: boolean): string {
  const whole = bytes.subarray(offset, offset + Math.floor((bytes.length - offset) / 3) * 3);
  return url ? toBase64Url(whole) : toBase64(whole);
}

function formsOf(value: string): string[] {
  const bytes = new TextEncoder().encode(value);
  const forms = [
    value,
    tryEncode(encodePathCharacters, value),
    tryEncode(encodeURIComponent, value),
    tryEncode((v) => new URLSearchParams({ v }).toString().slice(2), value),
    toBase64(bytes),
    toBase64Url(bytes),
  ];
  for (const offset of [0, 1, 2]) forms.push(base64At(bytes, offset, false), base64At(bytes, offset, true));
  return forms.filter((form): form is string => form !== undefined);
}

function credentialValues(credentials: unknown): string[] {
  return credentials && typeof credentials === "object" ? Object.values(credentials).filter((v): v is string => typeof v === "string") : [];
}

/** The token the request's Authorization header carried, after its scheme. */
function authorizationToken(outbound: OutboundRequest | undefined): string | undefined {
  const authorization = Object.entries(outbound?.headers ?? {}).find(([name]) => name.toLowerCase() === "authorization")?.[1];
  return authorization?.replace(/^\S+\s+/, "") || undefined;
}

export type Scrub = (text: string) => string;

/** What is looked for: whole forms (folded, long enough to look for), and the runs of the long ones. */
interface Needles {
  whole: string[];
  parts: Set<string>;
}

function needlesOf(forms: Iterable<string>): Needles {
  const whole = [...forms].filter((form) => form.length >= MIN_SECRET_CHARS);
  const parts = new Set<string>();
  for (const form of whole) {
    if (form.length < MIN_PARTIAL_SOURCE_CHARS) continue;
    for (let i = 0; i + MIN_PARTIAL_CHARS <= form.length; i++) parts.add(form.slice(i, i + MIN_PARTIAL_CHARS));
  }
  return { whole, parts };
}

/** Every folded form of the credentials' values (not yet filtered by length). */
function credentialForms(credentials: unknown): Set<string> {
  const values = credentialValues(credentials);
  const encodable = values.filter((v) => v.length <= MAX_ENCODED_SECRET_CHARS);
  const forms = new Set<string>();
  for (const value of values) for (const form of value.length <= MAX_ENCODED_SECRET_CHARS ? formsOf(value) : [value]) forms.add(fold(form));
  for (const a of encodable) for (const b of encodable) if (a !== b) forms.add(fold(toBase64(new TextEncoder().encode(`${a}:${b}`))));
  return forms;
}

/**
 * The credentials' forms, kept per frozen credentials object: a connection's opened credentials are one
 * frozen object per isolate (src/tenants/provider-credentials.ts), so their forms are made once, not per
 * hangup. A WeakMap: an entry goes with its object. An object that is not frozen might change, so its
 * forms are made each time.
 */
const formsByCredentials = new WeakMap<object, { forms: Set<string>; needles: Needles }>();

function formsFor(credentials: unknown): { forms: Set<string>; needles: Needles } {
  const cacheable = credentials !== null && typeof credentials === "object" && Object.isFrozen(credentials);
  const known = cacheable ? formsByCredentials.get(credentials) : undefined;
  if (known) return known;
  const forms = credentialForms(credentials);
  const made = { forms, needles: needlesOf(forms) };
  if (cacheable) formsByCredentials.set(credentials, made);
  return made;
}

/** A function removing every form of the hangup's credentials from a text. */
export function scrubberFor(credentials: unknown, outbound?: OutboundRequest): Scrub {
  const { forms, needles } = formsFor(credentials);
  const token = authorizationToken(outbound);
  // The token is most often one of the forms already (the Basic header); one of its own (a JWT) is added.
  const sets = token && !forms.has(fold(token)) ? [needles, needlesOf([fold(token)])] : [needles];
  if (sets.every(({ whole }) => whole.length === 0)) return (text) => text;

  return (text) => {
    const folded = fold(text);
    const hidden = new Uint8Array(text.length);
    const hide = (from: number, length: number) => hidden.fill(1, from, from + length);
    for (const { whole, parts } of sets) {
      for (const form of whole) for (let at = folded.indexOf(form); at !== -1; at = folded.indexOf(form, at + 1)) hide(at, form.length);
      if (parts.size === 0) continue;
      for (let at = 0; at + MIN_PARTIAL_CHARS <= folded.length; at++) if (parts.has(folded.slice(at, at + MIN_PARTIAL_CHARS))) hide(at, MIN_PARTIAL_CHARS);
    }
    if (!hidden.includes(1)) return text;
    let scrubbed = "";
    for (let i = 0; i < text.length; i++) {
      if (!hidden[i]) scrubbed += text[i];
      else if (i === 0 || !hidden[i - 1]) scrubbed += REDACTED;
    }
    return scrubbed;
  };
}
