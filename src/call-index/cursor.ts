/**
 * The list's opaque cursor: the keyset position of the last row served, plus the tenant and a hash of
 * the query it belongs to, MAC'd so that an edited or forged cursor is refused (422) instead of quietly
 * starting somewhere else. Isolation does not rest on the MAC: the query always takes its tenant from
 * the request's key, so even a forged position can only point inside the caller's own calls. The MAC
 * key is derived from CREDENTIALS_KEY when it is set (a fixed label otherwise, which still catches edits).
 */
import { z } from "zod";
import { fromBase64Url, secretsEqual, toBase64Url } from "../bytes";
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
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
  return `${body}.${toBase64Url(await mac(env, body))}`;
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
  const given = fromBase64Url(tag);
  const bytes = fromBase64Url(body);
  if (!given || !bytes || given.length !== MAC_BYTES) return null;
  if (!(await secretsEqual(given, await mac(env, body)))) return null;
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
