/**
 * Retention of the index. An entry goes when its call is deleted (the `deleted` report, see ./ingest.ts);
 * this purge also drops any entry, tombstones included, that no report touched for the calls' retention
 * period plus a margin: a call object that died without reporting its deletion leaves nothing behind
 * for ever. It is cheap: an index range on `indexed_at`, a bounded number of rows per run, at most one
 * run per isolate every PURGE_EVERY_MS, from the queue consumer.
 */
import { readConfig } from "../config";

/** Longer than a call object takes to report its own deletion, and than a queue keeps a message (4 days by default). */
export const RETENTION_MARGIN_DAYS = 7;
const PURGE_EVERY_MS = 10 * 60_000;
const PURGE_ROWS_PER_RUN = 1_000;
const DAY_MS = 86_400_000;

/** Entries last touched before this instant (epoch ms) are purged. */
export function purgeCutoff(env: { CALL_RETENTION_DAYS?: string }, now: number): number {
  return now - readConfig(env).retentionMs - RETENTION_MARGIN_DAYS * DAY_MS;
}

/** Deletes up to PURGE_ROWS_PER_RUN expired entries (their flags go by trigger); answers how many. */
export async function purgeExpired(db: D1Database, cutoff: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM call_entry WHERE (tenant, connection, call_id) IN
         (SELECT tenant, connection, call_id FROM call_entry WHERE indexed_at < ?1 ORDER BY indexed_at LIMIT ?2)`,
    )
    .bind(cutoff, PURGE_ROWS_PER_RUN)
    .run();
  return result.meta.changes ?? 0;
}

let lastPurgeAt = 0;

/** Runs the purge if this isolate has not in the last PURGE_EVERY_MS. */
export async function purgeIfDue(env: Env, db: D1Database, now = Date.now()): Promise<void> {
  if (now - lastPurgeAt < PURGE_EVERY_MS) return;
  lastPurgeAt = now;
  await purgeExpired(db, purgeCutoff(env, now));
}
