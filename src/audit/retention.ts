/**
 * Retention of the audit trail: entries are kept AUDIT_RETENTION_DAYS (400: a year and a month, for
 * yearly reviews), then deleted by the queue consumer, at most PURGE_ROWS_PER_RUN per run and one run per
 * isolate every PURGE_EVERY_MS (an index range on `at`, never a scan).
 */
export const AUDIT_RETENTION_DAYS = 400;
const DAY_MS = 86_400_000;
const PURGE_EVERY_MS = 10 * 60_000;
const PURGE_ROWS_PER_RUN = 1_000;

/** Deletes up to PURGE_ROWS_PER_RUN entries made before `cutoff` (ISO-8601); answers how many. */
export async function purgeAuditBefore(db: D1Database, cutoff: string): Promise<number> {
  const result = await db
    .prepare(`DELETE FROM audit_entry WHERE id IN (SELECT id FROM audit_entry WHERE at < ?1 ORDER BY at LIMIT ?2)`)
    .bind(cutoff, PURGE_ROWS_PER_RUN)
    .run();
  return result.meta.changes ?? 0;
}

let lastPurgeAt = 0;

/** Runs the purge if this isolate has not in the last PURGE_EVERY_MS. */
export async function purgeAuditIfDue(db: D1Database, now = Date.now()): Promise<void> {
  if (now - lastPurgeAt < PURGE_EVERY_MS) return;
  lastPurgeAt = now;
  await purgeAuditBefore(db, new Date(now - AUDIT_RETENTION_DAYS * DAY_MS).toISOString());
}
