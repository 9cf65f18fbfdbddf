/**
 * The list's opaque cursor: the keyset position of the last row served, plus the tenant and a hash of
 * the query it belongs to, MAC'd so that an edited or forged cursor is refused (422) instead of quietly
 * starting somewhere else. Isolation does not rest on the MAC: the query always takes its tenant from
 * the request's key, so even a forged position can only point inside the caller's own calls. The MAC
 * key is derived from CREDENTIALS_KEY when it is set (a fixed label otherwise, which still catches edits).
 */
import { z } from "zod";
import type { Env } from "../env";
import type { KeysetPosition, ListFilter } from "./list-query";

const CursorPayload = z.object({
  v: z.literal(1),
  t: z.string(),
  q: z.string(),
  c: z.string(),
  k: z.string(),
  i: z.string(),
});

const MAC_BYTES = 16;
const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

async function macKey(env: Pick<Env, "CREDENTIALS_KEY">): Promise<CryptoKey> {
  const material = await crypto.subtle.digest("SHA-256", encoder.encode(`hangup-gateway list cursor v1:${env.CREDENTIALS_KEY ?? ""}`));
  return crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

async function mac(env: Pick<Env, "CREDENTIALS_KEY">, body: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await macKey(env), encoder.encode(body))).slice(0, MAC_BYTES);
}

/** A stable name of the filter, so a cursor only continues the query that made it. */
export function filterFingerprint(filter: ListFilter): string {
  const keys = Object.keys(filter).sort() as (keyof ListFilter)[];
  return JSON.stringify(keys.filter((key) => filter[key] !== undefined).map((key) => [key, filter[key]]));
}

export async function encodeCursor(env: Pick<Env, "CREDENTIALS_KEY">, tenant: string, filter: ListFilter, at: KeysetPosition): Promise<string> {
  const payload = { v: 1, t: tenant, q: filterFingerprint(filter), c: at.created_at, k: at.connection, i: at.call_id };
  const body = base64url(encoder.encode(JSON.stringify(payload)));
  return `${body}.${base64url(await mac(env, body))}`;
}

/** The position, or null when the cursor is malformed, edited, another tenant's, or another query's. */
export async function decodeCursor(
  env: Pick<Env, "CREDENTIALS_KEY">,
  tenant: string,
  filter: ListFilter,
  cursor: string,
): Promise<KeysetPosition | null> {
  const [body, tag, extra] = cursor.split(".");
  if (body === undefined || tag === undefined || extra !== undefined) return null;
  const given = fromBase64url(tag);
  const bytes = fromBase64url(body);
  if (!given || !bytes || given.length !== MAC_BYTES) return null;
  const expected = await mac(env, body);
  let diff = 0;
  for (let i = 0; i < MAC_BYTES; i++) diff |= (given[i] ?? 0) ^ (expected[i] ?? 0);
  if (diff !== 0) return null;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  const parsed = CursorPayload.safeParse(json);
  if (!parsed.success || parsed.data.t !== tenant || parsed.data.q !== filterFingerprint(filter)) return null;
  return { created_at: parsed.data.c, connection: parsed.data.k, call_id: parsed.data.i };
}
