/**
 * The HMAC check that Twilio's and Plivo's signed callbacks need: does any of the base64 signatures
 * offered equal the HMAC, keyed by the auth token, of the signed string? WebCrypto's `verify` compares in
 * constant time and runs the same in workerd and Node (the SDK cross-checks load this from Node).
 */
import { fromBase64 } from "../../bytes";

export async function anyHmacMatches(hash: "SHA-1" | "SHA-256", secret: string, message: string, offered: readonly string[]): Promise<boolean> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash }, false, ["verify"]);
  const data = encoder.encode(message);
  const results = await Promise.all(offered.map((signature) => {
    const bytes = fromBase64(signature);
    return bytes ? crypto.subtle.verify("HMAC", key, bytes, data) : false;
  }));
  return results.includes(true);
}

/** The connection's `auth_token` credential (Twilio and Plivo both sign with it), if it has one. */
export function authToken(credentials: unknown): string | null {
  const token = (credentials as { auth_token?: unknown } | null)?.auth_token;
  return typeof token === "string" && token !== "" ? token : null;
}
