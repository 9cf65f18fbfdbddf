/**
 * The list query, built as SQL text and parameters (a pure function, tested without a database).
 * Order is newest `created_at` first, ties broken by (connection, call_id): a total order, so a keyset
 * position (the last row's three values) says exactly where the next page starts, and calls added
 * meanwhile, which are newer, land before it rather than shifting it. Every query is bound to one
 * tenant from the request's key; a cursor only ever supplies a position inside that tenant.
 */
import type { z } from "@hono/zod-openapi";
import type { CallCause, LifecycleState } from "../providers/lifecycle/vocabulary";
import type { HangupSource, OutcomeStatus } from "../vocabulary";
import type { ListedCallSchema } from "./schemas";

export interface ListFilter {
  connection?: string;
  state?: "live" | "ended";
  status?: OutcomeStatus;
  registered?: boolean;
  lifecycle_state?: LifecycleState;
  cause?: CallCause;
  /** Lower-case. */
  flag?: string;
  /** ISO-8601 UTC as `toISOString` writes it; inclusive. */
  since?: string;
  /** Exclusive. */
  until?: string;
}

/** Where a page starts: strictly after this row in list order. */
export interface KeysetPosition {
  created_at: string;
  connection: string;
  call_id: string;
}

export interface SqlQuery {
  sql: string;
  params: (string | number)[];
}

const COLUMNS = `e.call_id, e.connection, e.provider, e.state, e.registered, e.started_at, e.to_number, e.flags,
  e.hangup_status, e.hangup_source, e.hangup_reason, e.lifecycle_state, e.cause, e.created_at, e.updated_at`;

export function listQuery(tenant: string, filter: ListFilter, after: KeysetPosition | null, limit: number): SqlQuery {
  const params: (string | number)[] = [];
  const bind = (value: string | number) => {
    params.push(value);
    return `?${params.length}`;
  };
  // With a flag, the flag index drives the walk (its rows are in list order) and the entry is joined.
  const k = filter.flag === undefined ? "e" : "f";
  const from =
    filter.flag === undefined
      ? "call_entry e"
      : "call_flag f JOIN call_entry e ON e.tenant = f.tenant AND e.connection = f.connection AND e.call_id = f.call_id";
  const where = [`${k}.tenant = ${bind(tenant)}`, "e.deleted = 0"];
  if (filter.flag !== undefined) where.push(`f.flag = ${bind(filter.flag)}`);
  if (filter.connection !== undefined) where.push(`${k}.connection = ${bind(filter.connection)}`);
  if (filter.state !== undefined) where.push(`e.state = ${bind(filter.state)}`);
  if (filter.status !== undefined) where.push(`e.hangup_status = ${bind(filter.status)}`);
  if (filter.registered !== undefined) where.push(`e.registered = ${bind(filter.registered ? 1 : 0)}`);
  if (filter.lifecycle_state !== undefined) where.push(`e.lifecycle_state = ${bind(filter.lifecycle_state)}`);
  if (filter.cause !== undefined) where.push(`e.cause = ${bind(filter.cause)}`);
  if (filter.since !== undefined) where.push(`${k}.created_at >= ${bind(filter.since)}`);
  if (filter.until !== undefined) where.push(`${k}.created_at < ${bind(filter.until)}`);
  if (after) {
    where.push(`(${k}.created_at, ${k}.connection, ${k}.call_id) < (${bind(after.created_at)}, ${bind(after.connection)}, ${bind(after.call_id)})`);
  }
  const sql = `SELECT ${COLUMNS} FROM ${from} WHERE ${where.join(" AND ")}
    ORDER BY ${k}.created_at DESC, ${k}.connection DESC, ${k}.call_id DESC LIMIT ${bind(limit)}`;
  return { sql, params };
}

/** A row of the list query. */
export interface EntryRow {
  call_id: string;
  connection: string;
  provider: string;
  state: "live" | "ended";
  registered: number;
  started_at: string | null;
  to_number: string | null;
  flags: string;
  hangup_status: OutcomeStatus | null;
  hangup_source: HangupSource | null;
  hangup_reason: string | null;
  /** NULL in an entry indexed before the index carried the lifecycle (migrations/0004). */
  lifecycle_state: LifecycleState | null;
  cause: CallCause | null;
  created_at: string;
  updated_at: string;
}

/** A listed call, as `GET /v1/calls` answers it. */
export type ListedCall = z.infer<typeof ListedCallSchema>;

export function listedCall(row: EntryRow): ListedCall {
  return {
    call_id: row.call_id,
    connection: row.connection,
    provider: row.provider,
    state: row.state,
    registered: row.registered === 1,
    started_at: row.started_at,
    to: row.to_number,
    flags: JSON.parse(row.flags) as string[],
    hangup_status: row.hangup_status,
    hangup_source: row.hangup_source,
    hangup_reason: row.hangup_reason,
    lifecycle_state: row.lifecycle_state,
    cause: row.cause,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
