/**
 * The opaque cursor of the gateway's keyset-paged lists (GET /v1/calls, the audit trail): the position of
 * the last row served, who the list belongs to (`list`: e.g. `calls:acme`, `audit:*`) and a fingerprint of
 * the query, MAC'd so that an edited or forged cursor is refused (422) instead of quietly starting
 * somewhere else. Isolation does not rest on the MAC: every query takes its tenant from the request's
 * credential, so even a forged position can only point inside the caller's own rows. The MAC key is
 * derived from CREDENTIALS_KEY when it is set (a fixed label otherwise, which still catches edits).
 */
import { z } from "zod";
import { fromBase64Url, secretsEqual, toBase64Url } from "../bytes";
import { ProblemError } from "./problem";

const CursorPayload = z.object({
  v: z.literal(2),
  l: z.string(),
  q: z.string(),
  p: z.array(z.string()),
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

/** A stable name of a query's filters (by value: key order and absent keys do not matter). */
export function filterFingerprint(filter: object): string {
  const entries = Object.entries(filter).filter(([, value]) => value !== undefined);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}

export async function encodeKeysetCursor(env: Pick<Env, "CREDENTIALS_KEY">, list: string, filter: object, position: string[]): Promise<string> {
  const payload = { v: 2, l: list, q: filterFingerprint(filter), p: position };
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
  return `${body}.${toBase64Url(await mac(env, body))}`;
}

/** The position, or null when the cursor is malformed, edited, another list's, or another query's. */
export async function decodeKeysetCursor(
  env: Pick<Env, "CREDENTIALS_KEY">,
  list: string,
  filter: object,
  cursor: string,
): Promise<string[] | null> {
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
  if (!parsed.success || parsed.data.l !== list || parsed.data.q !== filterFingerprint(filter)) return null;
  return parsed.data.p;
}

/** A cursor this list did not give out for this query (answered 422, naming `cursor`). */
export class InvalidCursorError extends Error {
  constructor() {
    super("The cursor is not one this list gave out for this query.");
  }
}

/** Runs a list query; a cursor it refuses is a 422 problem on the query's `cursor` parameter. */
export async function answeringCursorProblem<T>(list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (err) {
    if (!(err instanceof InvalidCursorError)) throw err;
    throw new ProblemError(422, "invalid_request", "The request query is not valid: cursor: " + err.message, { errors: [{ path: "cursor", message: err.message }] });
  }
}
