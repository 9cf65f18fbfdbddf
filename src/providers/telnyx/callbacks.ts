/**
 * Telnyx Call Control webhooks: JSON `{ data: { event_type, payload: { call_control_id, … } } }`, read by
 * ./lifecycle.ts. Telnyx signs every webhook with Ed25519: `telnyx-signature-ed25519` is
 * the base64 signature of `{telnyx-timestamp}|{raw body}` under the account's key pair, whose public half
 * the portal shows as base64. A connection holding that `public_key` has its callbacks checked (WebCrypto
 * Ed25519, a timestamp at most 300 s from now, as the `telnyx` SDK checks them); one without it can only
 * accept them with `callbacks: "unsigned-ok"`.
 */
import { fromBase64 } from "../../bytes";
import { verdict, type CallbackDialect } from "../callbacks/types";
import { telnyxEvent } from "./lifecycle";

const SIGNATURE_HEADER = "telnyx-signature-ed25519";
const TIMESTAMP_HEADER = "telnyx-timestamp";
/** How far a webhook's timestamp may be from now, either way (the SDK's tolerance). */
export const TELNYX_TOLERANCE_SECONDS = 300;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict, padded base64, or undefined. */
export function base64Bytes(value: string): Uint8Array | undefined {
  if (value === "" || !BASE64.test(value)) return undefined;
  return fromBase64(value) ?? undefined;
}

function publicKey(credentials: unknown): Uint8Array | undefined {
  const key = (credentials as { public_key?: unknown } | null)?.public_key;
  return typeof key === "string" ? base64Bytes(key) : undefined;
}

export const telnyxCallbacks: CallbackDialect = {
  async verify(request, credentials, now = new Date()) {
    const key = publicKey(credentials);
    if (!key) return "uncheckable";
    const timestamp = request.headers.get(TIMESTAMP_HEADER) ?? "";
    const signature = base64Bytes(request.headers.get(SIGNATURE_HEADER) ?? "");
    if (!/^\d{1,12}$/.test(timestamp) || signature?.length !== 64) return "forged";
    // Whole seconds, as the SDK compares them.
    if (Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) > TELNYX_TOLERANCE_SECONDS) return "forged";
    try {
      const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]);
      const signed = new TextEncoder().encode(`${timestamp}|${request.body}`);
      return verdict(await crypto.subtle.verify({ name: "Ed25519" }, cryptoKey, signature, signed));
    } catch {
      // A key the schema let through but WebCrypto refuses checks nothing: refuse rather than accept.
      return "forged";
    }
  },

  parse(request) {
    return telnyxEvent(request.body);
  },
};
