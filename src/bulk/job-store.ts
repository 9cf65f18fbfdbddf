/**
 * A bulk job's storage, the SQLite of its Durable Object (shapes in docs/storage-schema.md): the job row,
 * one row per selected call (the snapshot, then each call's outcome), and the retry of failed calls in
 * the synchronous KV. Nothing exists before the job is started: asking an object about an id never
 * created reads the schema and writes nothing, and retention deletes it all without creating it again.
 */
import type { OutcomeStatus } from "../vocabulary";
import type { RetryState } from "./retries";
import type { BulkCriteria } from "./selection";
import type { Target } from "./walk";

export type JobState = "running" | "completed" | "cancelled";

/**
 * 'pending'; 'protected' or 'denied' (spared); 'skipped' (ended, or finally hung up by someone else, when
 * its turn came: nothing sent); an outcome's status; or 'retrying': a failed one asked again, still
 * counted as failed until its new outcome is stored, so progress never goes back.
 */
export type TargetStatus = "pending" | "protected" | "denied" | "skipped" | "retrying" | OutcomeStatus;

export interface JobRow extends Record<string, SqlStorageValue> {
  id: string;
  tenant: string;
  criteria: string;
  reason: string;
  accepted_at: string;
  final_pass_at: number;
  final_done: number;
  status: JobState;
  /** Epoch ms when it was completed or cancelled (null while running): retention counts from it. */
  finished_at: number | null;
}

export interface TargetRow extends Record<string, SqlStorageValue> {
  connection: string;
  call_id: string;
  provider: string;
}

export interface NewJob {
  id: string;
  tenant: string;
  criteria: BulkCriteria;
  reason: string;
  accepted_at: string;
  final_pass_at: number;
}

/** Where the retry of failed targets is kept (the synchronous KV of the SQLite storage). */
export const RETRY_STORAGE_KEY = "retry";
const WAITING = "status IN ('pending', 'retrying')";

export class JobStore {
  private readonly sql: SqlStorage;
  /** Known to exist (tables are only ever created by `create`, and only deleted by `forget`). */
  private created = false;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
  }

  /** Has this object a job? Reads the schema only. */
  exists(): boolean {
    if (!this.created) {
      this.created = this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'job'").toArray().length > 0;
      // A job stored before `finished_at` existed gains the column (null: its retention counts from acceptance).
      if (this.created && !this.sql.exec("SELECT 1 FROM pragma_table_info('job') WHERE name = 'finished_at'").toArray().length) {
        this.sql.exec("ALTER TABLE job ADD COLUMN finished_at INTEGER");
      }
    }
    return this.created;
  }

  /** The job and its snapshot, in one transaction. */
  create(job: NewJob, targets: Target[], spared: Target[]): void {
    this.storage.transactionSync(() => {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS job (
        id TEXT PRIMARY KEY, tenant TEXT NOT NULL, criteria TEXT NOT NULL, reason TEXT NOT NULL, accepted_at TEXT NOT NULL,
        final_pass_at INTEGER NOT NULL, final_done INTEGER NOT NULL, status TEXT NOT NULL, finished_at INTEGER)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS target (
        connection TEXT NOT NULL, call_id TEXT NOT NULL, provider TEXT NOT NULL, status TEXT NOT NULL,
        PRIMARY KEY (connection, call_id))`);
      this.sql.exec(
        "INSERT INTO job (id, tenant, criteria, reason, accepted_at, final_pass_at, final_done, status) VALUES (?, ?, ?, ?, ?, ?, 0, 'running')",
        job.id,
        job.tenant,
        JSON.stringify(job.criteria),
        job.reason,
        job.accepted_at,
        job.final_pass_at,
      );
      this.addTargets(targets, "pending");
      this.addTargets(spared, "protected");
    });
    this.created = true;
  }

  job(): JobRow | null {
    return this.exists() ? (this.sql.exec<JobRow>("SELECT * FROM job").toArray()[0] ?? null) : null;
  }

  running(): boolean {
    return this.job()?.status === "running";
  }

  /** Targets per status. */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const row of this.sql.exec<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM target GROUP BY status")) counts.set(row.status, row.n);
    return counts;
  }

  /** Targets still to ask, in (connection, call_id) order after `after`. */
  waiting(after: TargetRow | null, limit: number): TargetRow[] {
    const cursor = after ? "AND (connection, call_id) > (?, ?)" : "";
    const bindings = after ? [after.connection, after.call_id, limit] : [limit];
    return this.sql
      .exec<TargetRow>(`SELECT connection, call_id, provider FROM target WHERE ${WAITING} ${cursor} ORDER BY connection, call_id LIMIT ?`, ...bindings)
      .toArray();
  }

  waitingOn(connection: string): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM target WHERE connection = ? AND ${WAITING}`, connection).one().n;
  }

  failed(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM target WHERE status = 'failed'").one().n;
  }

  /** Final-pass targets: calls already in the snapshot keep their row. */
  addFinalPass(targets: Target[], spared: Target[]): void {
    this.storage.transactionSync(() => {
      this.addTargets(targets, "pending");
      this.addTargets(spared, "protected");
      this.sql.exec("UPDATE job SET final_done = 1");
    });
  }

  /** Stores what became of a target still waiting (an answer for one no longer waiting changes nothing). */
  settle(target: TargetRow, status: TargetStatus): void {
    this.sql.exec(`UPDATE target SET status = ? WHERE connection = ? AND call_id = ? AND ${WAITING}`, status, target.connection, target.call_id);
  }

  retry(): RetryState | undefined {
    return this.storage.kv.get<RetryState>(RETRY_STORAGE_KEY);
  }

  setRetry(state: RetryState): void {
    this.storage.kv.put(RETRY_STORAGE_KEY, state);
  }

  /** The retry is due: every failed target is asked again, in one transaction with the retry's state. */
  startRetry(state: RetryState): void {
    this.storage.transactionSync(() => {
      this.sql.exec("UPDATE target SET status = 'retrying' WHERE status = 'failed'");
      this.setRetry(state);
    });
  }

  finish(status: "completed" | "cancelled", at: number): void {
    this.sql.exec("UPDATE job SET status = ?, finished_at = ? WHERE status = 'running'", status, at);
  }

  /** Retention: everything goes, the alarm too, and nothing is created again. */
  async forget(): Promise<void> {
    await this.storage.deleteAlarm();
    await this.storage.deleteAll();
    this.created = false;
  }

  private addTargets(targets: Target[], status: "pending" | "protected"): void {
    for (const t of targets) {
      this.sql.exec("INSERT OR IGNORE INTO target (connection, call_id, provider, status) VALUES (?, ?, ?, ?)", t.connection, t.call_id, t.provider, status);
    }
  }
}
