/**
 * The HMAC and comparison that signed callbacks need: base64 HMAC with a provider's auth token, and a
 * constant-time check of the signatures offered against the one expected.
 */
import { secretsEqual } from "../auth/api-keys";
import { toBase64 } from "../http/encoding";

export async function hmacBase64(hash: "SHA-1" | "SHA-256", secret: string, message: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash }, false, ["sign"]);
  return toBase64(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

/** Does any offered signature equal the expected one? Every candidate is compared in constant time. */
export async function anySignatureMatches(expected: string, offered: readonly string[]): Promise<boolean> {
  const matches = await Promise.all(offered.map((signature) => secretsEqual(expected, signature)));
  return matches.includes(true);
}

/** The connection's `auth_token` credential (Twilio and Plivo both sign with it), if it has one. */
export function authToken(credentials: unknown): string | null {
  const token = (credentials as { auth_token?: unknown } | null)?.auth_token;
  return typeof token === "string" && token !== "" ? token : null;
}
