/**
 * The tenant's running bulk jobs, so that disabling the tenant can cancel them all before it answers. One
 * row per running job in `bulk_job_running` (migrations/0003_bulk_job_running.sql), a table of the call
 * index's D1 database: strongly consistent, one write when a job starts and one when it completes or is
 * cancelled (its object deletes the row), so the table holds running jobs only.
 *
 * Bounded: at most MAX_RUNNING_JOBS per tenant (a job beyond it is refused, 429), so that disabling a
 * tenant asks a bounded number of objects; a row older than any job can run (left by a start that failed
 * after registering) is removed when the tenant next starts a job, and never counts against it for long.
 */
import { bulkJobObject } from "../objects";
import { FAILED_RETRY_WINDOW_MS } from "./retries";

export const MAX_RUNNING_JOBS = 20;
/** No job runs longer than its retry window (plus its final runs): a row this old is left over. */
const LEFT_OVER_AFTER_MS = FAILED_RETRY_WINDOW_MS + 60 * 60_000;

/** Registers a starting job; false when the tenant already runs MAX_RUNNING_JOBS. */
export async function registerRunningJob(env: Env, tenant: string, jobId: string, now: number): Promise<boolean> {
  const db = env.CALL_INDEX_DB;
  const [, inserted] = await db.batch([
    db.prepare("DELETE FROM bulk_job_running WHERE tenant = ?1 AND accepted_at < ?2").bind(tenant, now - LEFT_OVER_AFTER_MS),
    // One statement, so two jobs starting at once cannot both take the last place.
    db
      .prepare("INSERT OR IGNORE INTO bulk_job_running (tenant, job_id, accepted_at) SELECT ?1, ?2, ?3 WHERE (SELECT COUNT(*) FROM bulk_job_running WHERE tenant = ?1) < ?4")
      .bind(tenant, jobId, now, MAX_RUNNING_JOBS),
  ]);
  return (inserted?.meta.changes ?? 0) > 0;
}

export async function unregisterRunningJob(env: Env, tenant: string, jobId: string): Promise<void> {
  await env.CALL_INDEX_DB.prepare("DELETE FROM bulk_job_running WHERE tenant = ? AND job_id = ?").bind(tenant, jobId).run();
}

/**
 * Cancels every running job of the tenant (disabling it): when this resolves, each has stored its
 * cancellation, so none sends another call.
 */
export async function cancelRunningJobs(env: Env, tenant: string): Promise<void> {
  const db = env.CALL_INDEX_DB;
  const { results } = await db.prepare("SELECT job_id FROM bulk_job_running WHERE tenant = ?").bind(tenant).all<{ job_id: string }>();
  await Promise.all(results.map((row) => bulkJobObject(env, tenant, row.job_id).cancel()));
  if (results.length) {
    await db.batch(results.map((row) => db.prepare("DELETE FROM bulk_job_running WHERE tenant = ? AND job_id = ?").bind(tenant, row.job_id)));
  }
}
