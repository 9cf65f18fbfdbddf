/**
 * Reading the audit trail: newest first, keyset pages over (at, id), filtered by tenant, action and time.
 * The query is built as SQL text and parameters (a pure function, tested without a database). A tenant's
 * list always binds its tenant from the request's key; its cursor names the list it belongs to
 * (`audit:<tenant>`), so another tenant's cursor, or the operator's, is refused.
 */
import { decodeKeysetCursor, encodeKeysetCursor, InvalidCursorError } from "../http/keyset-cursor";
import type { AuditAction, AuditEntry } from "./entry";

export interface AuditFilter {
  tenant?: string;
  action?: AuditAction;
  /** ISO-8601 UTC as `toISOString` writes it; inclusive. */
  since?: string;
  /** Exclusive. */
  until?: string;
}

/** Where a page starts: strictly after this entry in list order. */
export interface AuditPosition {
  at: string;
  id: string;
}

export interface AuditRow {
  id: string;
  at: string;
  tenant: string | null;
  actor: string;
  action: AuditAction;
  target: string;
  request_id: string;
  detail: string | null;
}

export function auditListQuery(filter: AuditFilter, after: AuditPosition | null, limit: number): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const bind = (value: string | number) => {
    params.push(value);
    return `?${params.length}`;
  };
  const where: string[] = [];
  if (filter.tenant !== undefined) where.push(`tenant = ${bind(filter.tenant)}`);
  if (filter.action !== undefined) where.push(`action = ${bind(filter.action)}`);
  if (filter.since !== undefined) where.push(`at >= ${bind(filter.since)}`);
  if (filter.until !== undefined) where.push(`at < ${bind(filter.until)}`);
  if (after) where.push(`(at, id) < (${bind(after.at)}, ${bind(after.id)})`);
  const sql = `SELECT id, at, tenant, actor, action, target, request_id, detail FROM audit_entry
    ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY at DESC, id DESC LIMIT ${bind(limit)}`;
  return { sql, params };
}

export function auditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    ...(row.tenant === null ? {} : { tenant: row.tenant }),
    actor: row.actor,
    action: row.action,
    target: row.target,
    request_id: row.request_id,
    ...(row.detail === null ? {} : { detail: JSON.parse(row.detail) as Record<string, unknown> }),
  };
}

export interface AuditPage {
  entries: AuditEntry[];
  next_cursor: string | null;
}

/** One page of the trail; `list` names whose list it is (`audit:*` for the operator, `audit:<tenant>`). */
export async function listAudit(
  env: Pick<Env, "CALL_INDEX_DB" | "CREDENTIALS_KEY">,
  list: string,
  filter: AuditFilter,
  limit: number,
  cursor?: string,
): Promise<AuditPage> {
  let after: AuditPosition | null = null;
  if (cursor !== undefined) {
    const position = await decodeKeysetCursor(env, list, filter, cursor);
    if (position?.length !== 2) throw new InvalidCursorError();
    after = { at: position[0]!, id: position[1]! };
  }
  // One row more than asked tells whether another page exists, so the last page has no cursor.
  const { sql, params } = auditListQuery(filter, after, limit + 1);
  const { results } = await env.CALL_INDEX_DB.prepare(sql).bind(...params).all<AuditRow>();
  const rows = results.slice(0, limit);
  const last = rows[rows.length - 1];
  const next_cursor = results.length > limit && last ? await encodeKeysetCursor(env, list, filter, [last.at, last.id]) : null;
  return { entries: rows.map(auditEntry), next_cursor };
}
