/**
 * The call list's cursor: a keyset position (created_at, connection, call_id) in the gateway's one cursor
 * format (../http/keyset-cursor.ts), bound to the tenant and the query's filters.
 */
import { decodeKeysetCursor, encodeKeysetCursor } from "../http/keyset-cursor";
import type { KeysetPosition, ListFilter } from "./list-query";

export { filterFingerprint } from "../http/keyset-cursor";

const list = (tenant: string) => `calls:${tenant}`;

export function encodeCursor(env: Pick<Env, "CREDENTIALS_KEY">, tenant: string, filter: ListFilter, at: KeysetPosition): Promise<string> {
  return encodeKeysetCursor(env, list(tenant), filter, [at.created_at, at.connection, at.call_id]);
}

/** The position, or null when the cursor is malformed, edited, another tenant's, or another query's. */
export async function decodeCursor(env: Pick<Env, "CREDENTIALS_KEY">, tenant: string, filter: ListFilter, cursor: string): Promise<KeysetPosition | null> {
  const position = await decodeKeysetCursor(env, list(tenant), filter, cursor);
  if (position?.length !== 3) return null;
  const [created_at, connection, call_id] = position as [string, string, string];
  return { created_at, connection, call_id };
}
