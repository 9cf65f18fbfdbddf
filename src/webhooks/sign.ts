/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `v1,` and the base64 HMAC-SHA256 of
 * "{webhook-id}.{webhook-timestamp}.{body}", keyed by the bytes the secret's base64 (after `whsec_`)
 * decodes to. A pure function, pinned by the specification's own test vector in test/webhooks.test.ts,
 * so receivers can verify with any Standard Webhooks library.
 */
import { fromBase64, toBase64 } from "../bytes";
import { NotConfigured } from "../errors";

const SECRET_PREFIX = "whsec_";
const SIGNATURE_VERSION = "v1";

export async function signWebhook(secret: string, messageId: string, timestampSeconds: number, body: string): Promise<string> {
  const keyBytes = fromBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  if (!keyBytes) throw new NotConfigured("the webhook secret is not whsec_ and base64");
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${messageId}.${timestampSeconds}.${body}`));
  return `${SIGNATURE_VERSION},${toBase64(mac)}`;
}
