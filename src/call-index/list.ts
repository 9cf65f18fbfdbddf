/** One page of a tenant's calls from the index. */
import { InvalidCursorError } from "../http/keyset-cursor";
import { decodeCursor, encodeCursor } from "./cursor";
import { listedCall, listQuery, type EntryRow, type ListedCall, type ListFilter } from "./list-query";

export interface CallPage {
  calls: ListedCall[];
  next_cursor: string | null;
}

export async function listCalls(env: Env, tenant: string, filter: ListFilter, limit: number, cursor?: string): Promise<CallPage> {
  const after = cursor === undefined ? null : await decodeCursor(env, tenant, filter, cursor);
  if (cursor !== undefined && !after) throw new InvalidCursorError();
  // One row more than asked tells whether another page exists, so the last page has no cursor.
  const { sql, params } = listQuery(tenant, filter, after, limit + 1);
  const { results } = await env.CALL_INDEX_DB.prepare(sql).bind(...params).all<EntryRow>();
  const rows = results.slice(0, limit);
  const last = rows[rows.length - 1];
  const next_cursor = results.length > limit && last ? await encodeCursor(env, tenant, filter, last) : null;
  return { calls: rows.map(listedCall), next_cursor };
}
