/**
 * Bytes and text, in one place: base64 (standard and URL-safe), hex, SHA-256, random bytes, and comparing
 * secrets in constant time. Plain WebCrypto and `atob`/`btoa`, so the same code runs in workerd and in Node
 * (the providers' SDK cross-checks load modules that use it); `secretsEqual` needs workerd's `timingSafeEqual`.
 */

const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_BASE64 = /^[A-Za-z0-9_-]*$/;

/** Bytes as a string of char codes 0–255 (what `btoa` takes), a chunk per call rather than a call per byte. */
function binaryString(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const CHUNK = 8_192;
  let binary = "";
  for (let at = 0; at < view.length; at += CHUNK) binary += String.fromCharCode(...view.subarray(at, at + CHUNK));
  return binary;
}

export function toBase64(bytes: ArrayBuffer | Uint8Array): string {
  return btoa(binaryString(bytes));
}

export function toBase64Url(bytes: ArrayBuffer | Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Standard base64 (padding optional) as bytes, or null when the text is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  if (!STANDARD_BASE64.test(text) || text.replace(/=+$/, "").length % 4 === 1) return null;
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

/** URL-safe base64 without padding as bytes, or null when the text is not that. */
export function fromBase64Url(text: string): Uint8Array | null {
  return URL_BASE64.test(text) ? fromBase64(text.replace(/-/g, "+").replace(/_/g, "/")) : null;
}

/** Each byte's two hex digits, made once: every API request hashes its key to hex. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let hex = "";
  for (const byte of view) hex += HEX[byte];
  return hex;
}

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** `Basic` credentials as HTTP sends them: base64 of the UTF-8 of `user:password`. */
export function basicCredentials(user: string, password: string): string {
  return toBase64(new TextEncoder().encode(`${user}:${password}`));
}

/**
 * Compares two secrets in time that depends on neither where they differ nor their lengths: both are
 * hashed first, which gives the equal lengths workerd's `timingSafeEqual` requires.
 */
export async function secretsEqual(a: string | Uint8Array, b: string | Uint8Array): Promise<boolean> {
  const encoder = new TextEncoder();
  const bytes = (value: string | Uint8Array) => (typeof value === "string" ? encoder.encode(value) : value);
  const [da, db] = await Promise.all([crypto.subtle.digest("SHA-256", bytes(a)), crypto.subtle.digest("SHA-256", bytes(b))]);
  return crypto.subtle.timingSafeEqual(da, db);
}
