/**
 * Which calls a bulk hangup selects, as SQL over the call index (a pure builder, tested without a
 * database): the tenant's live calls (registered, not ended, no final hangup outcome; a call whose
 * latest round failed is still live) meeting every given criterion. Pages walk a total order
 * (created_at, connection, call_id), newest first, so a walk visits each call once.
 */
import type { KeysetPosition, SqlQuery } from "../call-index/list-query";

export interface BulkCriteria {
  connection?: string;
  /** Lower-case; the call carries any of them. */
  flags?: string[];
  /** The call's `to` starts with any of them. */
  to_prefixes?: string[];
  /** ISO-8601 UTC; started_at before it. */
  started_before?: string;
}

/** A selected call, as the walk reads it from the index. */
export interface SelectedCall {
  connection: string;
  call_id: string;
  provider: string;
  started_at: string | null;
  to_number: string | null;
  flags: string;
  created_at: string;
}

/** True when nothing narrows the selection: everything the tenant has live. */
export function selectsEverything(criteria: BulkCriteria): boolean {
  return criteria.connection === undefined && !criteria.flags?.length && !criteria.to_prefixes?.length && criteria.started_before === undefined;
}

/**
 * One page of the selection after `after`. `createdUpTo` (inclusive) bounds it to calls the gateway had
 * seen when the job was accepted, so a job's later passes never reach calls that arrived after it.
 */
export function selectionQuery(
  tenant: string,
  criteria: BulkCriteria,
  after: KeysetPosition | null,
  limit: number,
  createdUpTo?: string,
): SqlQuery {
  const params: (string | number)[] = [];
  const bind = (value: string | number) => {
    params.push(value);
    return `?${params.length}`;
  };
  const where = [`e.tenant = ${bind(tenant)}`, "e.deleted = 0", "e.state = 'live'", "e.registered = 1"];
  if (criteria.connection !== undefined) where.push(`e.connection = ${bind(criteria.connection)}`);
  if (criteria.started_before !== undefined) where.push(`e.started_at < ${bind(criteria.started_before)}`);
  if (criteria.to_prefixes?.length) {
    where.push(`(${criteria.to_prefixes.map((prefix) => `substr(e.to_number, 1, ${prefix.length}) = ${bind(prefix)}`).join(" OR ")})`);
  }
  if (criteria.flags?.length) {
    where.push(
      `EXISTS (SELECT 1 FROM call_flag f WHERE f.tenant = e.tenant AND f.connection = e.connection AND f.call_id = e.call_id
         AND f.flag IN (${criteria.flags.map((flag) => bind(flag)).join(", ")}))`,
    );
  }
  if (createdUpTo !== undefined) where.push(`e.created_at <= ${bind(createdUpTo)}`);
  if (after) where.push(`(e.created_at, e.connection, e.call_id) < (${bind(after.created_at)}, ${bind(after.connection)}, ${bind(after.call_id)})`);
  const sql = `SELECT e.connection, e.call_id, e.provider, e.started_at, e.to_number, e.flags, e.created_at FROM call_entry e
    WHERE ${where.join(" AND ")} ORDER BY e.created_at DESC, e.connection DESC, e.call_id DESC LIMIT ${bind(limit)}`;
  return { sql, params };
}
