/**
 * Writing reports into the index. Each report carries the call's whole entry and a version; the entry
 * with the highest version wins whatever order reports arrive in, and replays change nothing. A
 * `deleted` report turns the entry into a tombstone of that version, which no older report can undo;
 * only a later incarnation of the same call id (its `created_at` after the tombstone's) replaces it.
 */
import { CallIndexReportSchema, type CallIndexReport } from "./report";

/** A queue message body as a report, or null when it is not one (it is logged and dropped, never retried). */
export function parseReport(body: unknown): CallIndexReport | null {
  const parsed = CallIndexReportSchema.safeParse(body);
  return parsed.success ? parsed.data : null;
}

function keyOf(report: CallIndexReport): string {
  return JSON.stringify([report.tenant, report.connection, report.call_id]);
}

/** Of several reports for one call in a batch only the highest version can win: send only that one. */
export function latestPerCall(reports: readonly CallIndexReport[]): CallIndexReport[] {
  const latest = new Map<string, CallIndexReport>();
  for (const report of reports) {
    const key = keyOf(report);
    const held = latest.get(key);
    if (!held || report.version > held.version || (report.version === held.version && report.deleted)) latest.set(key, report);
  }
  return [...latest.values()];
}

const UPSERT = `INSERT INTO call_entry (tenant, connection, call_id, provider, state, registered, started_at, to_number, flags,
    hangup_status, hangup_source, hangup_reason, created_at, updated_at, version, deleted, indexed_at, lifecycle_state, cause)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
  ON CONFLICT (tenant, connection, call_id) DO UPDATE SET
    provider = excluded.provider, state = excluded.state, registered = excluded.registered, started_at = excluded.started_at,
    to_number = excluded.to_number, flags = excluded.flags, hangup_status = excluded.hangup_status,
    hangup_source = excluded.hangup_source, hangup_reason = excluded.hangup_reason, created_at = excluded.created_at,
    updated_at = excluded.updated_at, version = excluded.version, deleted = excluded.deleted, indexed_at = excluded.indexed_at,
    lifecycle_state = excluded.lifecycle_state, cause = excluded.cause
  WHERE excluded.version > call_entry.version
     OR (call_entry.deleted = 1 AND excluded.deleted = 0 AND excluded.created_at > call_entry.created_at)`;

// Flags only ever grow on a call (signals add them), so adding the winning entry's flags keeps the flag
// index exact; it reads the stored row, so a report that lost adds nothing of its own.
const ADD_FLAGS = `INSERT OR IGNORE INTO call_flag (tenant, flag, created_at, connection, call_id)
  SELECT e.tenant, j.value, e.created_at, e.connection, e.call_id FROM call_entry e, json_each(e.flags) j
  WHERE e.tenant = ?1 AND e.connection = ?2 AND e.call_id = ?3 AND e.deleted = 0`;

const DROP_FLAGS = `DELETE FROM call_flag WHERE tenant = ?1 AND connection = ?2 AND call_id = ?3
  AND EXISTS (SELECT 1 FROM call_entry e WHERE e.tenant = ?1 AND e.connection = ?2 AND e.call_id = ?3 AND e.deleted = 1)`;

/** The statements that apply one report. */
export function reportStatements(db: D1Database, report: CallIndexReport, now: number): D1PreparedStatement[] {
  const deleted = report.deleted === true;
  const flags = [...new Set(report.flags.map((flag) => flag.toLowerCase()))];
  const upsert = db
    .prepare(UPSERT)
    .bind(
      report.tenant,
      report.connection,
      report.call_id,
      report.provider,
      report.state,
      report.registered ? 1 : 0,
      report.started_at,
      report.to,
      JSON.stringify(flags),
      report.hangup_status,
      report.hangup_source,
      report.hangup_reason,
      report.created_at,
      report.updated_at,
      report.version,
      deleted ? 1 : 0,
      now,
      report.lifecycle_state ?? null,
      report.cause ?? null,
    );
  const ids = [report.tenant, report.connection, report.call_id];
  if (deleted) return [upsert, db.prepare(DROP_FLAGS).bind(...ids)];
  return flags.length ? [upsert, db.prepare(ADD_FLAGS).bind(...ids)] : [upsert];
}

/** Applies reports in one D1 batch (one transaction): all of them or, on error, none. */
export async function ingestReports(db: D1Database, reports: readonly CallIndexReport[], now = Date.now()): Promise<void> {
  if (!reports.length) return;
  await db.batch(latestPerCall(reports).flatMap((report) => reportStatements(db, report, now)));
}
