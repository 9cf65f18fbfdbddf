/**
 * BulkHangupJob: one Durable Object per bulk hangup, named `{tenant}/{job id}`. Everything it knows is
 * in its SQLite storage, so an object that is evicted, restarted or aborted mid-run loses nothing: its
 * alarm fires again and it carries on with the calls that have no stored outcome yet.
 *
 * - start: walks the selection once (the snapshot), stores every target and the protected ones, and
 *   sets the alarm. Nothing is stored if the tenant's hangups are denied.
 * - alarm: hangs up pending targets through each call's own object (the exactly-once hangup, source
 *   "bulk"), paced per connection (./pacing.ts), storing each outcome as it arrives; a call its object
 *   finds protected by then (its own details under the policy in force) is stored as protected. A call hung up
 *   twice by a resumed job reaches its provider once: the call object replays a final outcome and joins
 *   a round in flight.
 * - retries: a call whose hangup failed (a provider outage, an open circuit) is asked again, on the call
 *   objects' own automatic schedule (the first within 30 s, then doubling, never more than 5 minutes
 *   apart), for FAILED_RETRY_WINDOW_MS after acceptance; the job is completed once every call has a
 *   final outcome or the window is over.
 * - retention: a completed job's counts stay readable for CALL_RETENTION_DAYS, then its storage is deleted.
 * - final pass: once the index's lag bound has passed since the job was accepted, the selection is walked
 *   again (calls first seen before acceptance only), so a call registered just before the job whose
 *   report had not reached the index yet is still hung up.
 */
import type { z } from "@hono/zod-openapi";
import { DurableObject } from "cloudflare:workers";
import { callObject } from "../objects";
import { OUTCOME_STATUSES, type OutcomeStatus } from "../http/schemas";
import { loadActivePolicy } from "../policy/active";
import type { Decision } from "../policy/types";
import { readConfig } from "../config";
import { getConnection, type ConnectionRecord } from "../tenants/store";
import { nextAutomaticRetryAt } from "../calls/timings";
import { MAX_IN_FLIGHT, Pacer } from "./pacing";
import { hangupDecision } from "./protection";
import type { JobStatusSchema } from "./schemas";
import type { BulkCriteria } from "./selection";
import { walkSelection, type Target } from "./walk";

/** The index trails the calls' records by at most this (contract): the final pass waits for it. */
export const INDEX_LAG_BOUND_MS = 10_000;
/** One alarm run works this long at most, then hands over to the next (progress stays stored). */
const RUN_BUDGET_MS = 4_000;
/** If a run dies, the alarm set at its start brings the job back. */
const SAFETY_ALARM_MS = 5_000;
const RETRY_AFTER_ERROR_MS = 2_000;
const PAGE = 50;
/** Failed hangups are asked again for this long after the job was accepted, then the job completes with them. */
export const FAILED_RETRY_WINDOW_MS = 60 * 60_000;
/** Where the object keeps its retry of failed targets (the synchronous KV of its SQLite storage). */
export const RETRY_STORAGE_KEY = "retry";

/** The retry of failed targets: how many runs of failures so far, and when the next is due (null: it is running). */
interface RetryState {
  failures: number;
  next_at: number | null;
}


export interface JobSpec {
  id: string;
  tenant: string;
  criteria: BulkCriteria;
  reason: string;
}

export type StartResult = { kind: "denied"; decision: Decision } | { kind: "started"; status: JobStatus };

/** A job's progress, as `GET /v1/bulk-hangups/{id}` answers it. */
export type JobStatus = z.infer<typeof JobStatusSchema>;

interface JobRow extends Record<string, SqlStorageValue> {
  id: string;
  tenant: string;
  criteria: string;
  reason: string;
  accepted_at: string;
  final_pass_at: number;
  final_done: number;
  status: "running" | "completed";
}

interface TargetRow extends Record<string, SqlStorageValue> {
  connection: string;
  call_id: string;
  provider: string;
}

export class BulkHangupJob extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly pacer = new Pacer();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.createTables();
  }

  private createTables(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS job (
      id TEXT PRIMARY KEY, tenant TEXT NOT NULL, criteria TEXT NOT NULL, reason TEXT NOT NULL, accepted_at TEXT NOT NULL,
      final_pass_at INTEGER NOT NULL, final_done INTEGER NOT NULL, status TEXT NOT NULL)`);
    // status: 'pending', 'protected', 'denied', the stored outcome's status, or 'retrying' (a failed one
    // asked again, still counted as failed until its new outcome is stored, so progress never goes back).
    this.sql.exec(`CREATE TABLE IF NOT EXISTS target (
      connection TEXT NOT NULL, call_id TEXT NOT NULL, provider TEXT NOT NULL, status TEXT NOT NULL,
      PRIMARY KEY (connection, call_id))`);
  }

  async start(spec: JobSpec): Promise<StartResult> {
    const existing = this.status();
    if (existing) return { kind: "started", status: existing };
    const now = Date.now();
    const acceptedAt = new Date(now).toISOString();
    const policy = await loadActivePolicy(this.env);
    const walk = await walkSelection(this.env, spec.tenant, spec.criteria, policy, now, acceptedAt);
    if (walk.denied) return { kind: "denied", decision: walk.denied };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO job (id, tenant, criteria, reason, accepted_at, final_pass_at, final_done, status) VALUES (?, ?, ?, ?, ?, ?, 0, 'running')",
        spec.id,
        spec.tenant,
        JSON.stringify(spec.criteria),
        spec.reason,
        acceptedAt,
        now + INDEX_LAG_BOUND_MS,
      );
      this.addTargets(walk.targets, "pending");
      this.addTargets(walk.protected, "protected");
    });
    await this.ctx.storage.setAlarm(now);
    return { kind: "started", status: this.status()! };
  }

  status(): JobStatus | null {
    const job = this.job();
    if (!job) return null;
    const retry = this.ctx.storage.kv.get<RetryState>(RETRY_STORAGE_KEY);
    const counts = new Map<string, number>();
    for (const row of this.sql.exec<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM target GROUP BY status")) {
      counts.set(row.status, row.n);
    }
    const outcomes = Object.fromEntries(OUTCOME_STATUSES.map((status) => [status, counts.get(status) ?? 0])) as Record<OutcomeStatus, number>;
    outcomes.failed += counts.get("retrying") ?? 0;
    const done = OUTCOME_STATUSES.reduce((sum, status) => sum + outcomes[status], 0);
    const denied = counts.get("denied") ?? 0;
    return {
      id: job.id,
      matched: done + denied + (counts.get("pending") ?? 0),
      protected: counts.get("protected") ?? 0,
      done,
      outcomes,
      denied,
      status: job.status,
      accepted_at: job.accepted_at,
      retry_at: job.status === "running" && retry?.next_at ? new Date(retry.next_at).toISOString() : null,
    };
  }

  override async alarm(): Promise<void> {
    const job = this.job();
    if (!job) return;
    if (job.status === "completed") {
      // The job's retention is over (the alarm set at completion): forget it.
      await this.ctx.storage.deleteAll();
      this.createTables();
      return;
    }
    await this.ctx.storage.setAlarm(Date.now() + SAFETY_ALARM_MS);
    const stopAt = Date.now() + RUN_BUDGET_MS;
    const failedThisRun = new Set<string>();

    for (;;) {
      const pending = this.pendingTargets(failedThisRun);
      if (pending.length) {
        await this.hangUp(job, pending, failedThisRun);
        // A turn of the event loop between pages: answers to the call objects otherwise keep it busy, and
        // a progress read (status) would wait for the whole run.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (Date.now() >= stopAt) return this.ctx.storage.setAlarm(Date.now());
        continue;
      }
      if (failedThisRun.size) return this.ctx.storage.setAlarm(Date.now() + RETRY_AFTER_ERROR_MS);
      if (!job.final_done) {
        if (Date.now() < job.final_pass_at) return this.ctx.storage.setAlarm(job.final_pass_at);
        await this.finalPass(job);
        continue;
      }
      const retryAt = this.retryFailed(job);
      if (retryAt === "now") continue;
      if (retryAt !== null) return this.ctx.storage.setAlarm(retryAt);
      this.sql.exec("UPDATE job SET status = 'completed'");
      return this.ctx.storage.setAlarm(Date.now() + readConfig(this.env).retentionMs);
    }
  }

  /**
   * With every target tried: "now" when the failed targets were just marked `retrying` for this run to
   * ask again (their retry was due), the time of their next retry, or null when there is nothing left to
   * retry (none failed, or the window is over).
   */
  private retryFailed(job: JobRow): "now" | number | null {
    const failed = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM target WHERE status = 'failed'").one().n;
    const windowEnd = Date.parse(job.accepted_at) + FAILED_RETRY_WINDOW_MS;
    const now = Date.now();
    if (!failed || now >= windowEnd) return null;
    const retry = this.ctx.storage.kv.get<RetryState>(RETRY_STORAGE_KEY);
    if (retry?.next_at != null && now >= retry.next_at) {
      this.ctx.storage.transactionSync(() => {
        this.sql.exec("UPDATE target SET status = 'retrying' WHERE status = 'failed'");
        this.ctx.storage.kv.put(RETRY_STORAGE_KEY, { ...retry, next_at: null } satisfies RetryState);
      });
      return "now";
    }
    if (retry?.next_at != null) return retry.next_at; // an alarm that ran early
    const failures = (retry?.failures ?? 0) + 1;
    const nextAt = Math.min(nextAutomaticRetryAt(failures, now, null), windowEnd);
    this.ctx.storage.kv.put(RETRY_STORAGE_KEY, { failures, next_at: nextAt } satisfies RetryState);
    return nextAt;
  }

  private job(): JobRow | null {
    return this.sql.exec<JobRow>("SELECT * FROM job").toArray()[0] ?? null;
  }

  private addTargets(targets: Target[], status: "pending" | "protected"): void {
    for (const t of targets) {
      this.sql.exec("INSERT OR IGNORE INTO target (connection, call_id, provider, status) VALUES (?, ?, ?, ?)", t.connection, t.call_id, t.provider, status);
    }
  }

  private pendingTargets(skip: Set<string>): TargetRow[] {
    const rows = this.sql
      .exec<TargetRow>("SELECT connection, call_id, provider FROM target WHERE status IN ('pending', 'retrying') ORDER BY connection, call_id LIMIT ?", PAGE + skip.size)
      .toArray();
    return rows.filter((row) => !skip.has(targetKey(row))).slice(0, PAGE);
  }

  private async finalPass(job: JobRow): Promise<void> {
    const policy = await loadActivePolicy(this.env);
    const walk = await walkSelection(this.env, job.tenant, JSON.parse(job.criteria) as BulkCriteria, policy, Date.now(), job.accepted_at);
    this.ctx.storage.transactionSync(() => {
      this.addTargets(walk.targets, "pending");
      this.addTargets(walk.protected, "protected");
      this.sql.exec("UPDATE job SET final_done = 1");
    });
    job.final_done = 1;
  }

  /** Hangs up these targets, at most MAX_IN_FLIGHT at once and paced per connection. */
  private async hangUp(job: JobRow, targets: TargetRow[], failed: Set<string>): Promise<void> {
    const policy = await loadActivePolicy(this.env);
    const connections = new Map<string, Promise<ConnectionRecord | null>>();
    const queue = [...targets];
    const worker = async () => {
      for (let target = queue.shift(); target; target = queue.shift()) {
        try {
          let record = connections.get(target.connection);
          if (!record) connections.set(target.connection, (record = getConnection(this.env, job.tenant, target.connection)));
          const connection = await record;
          this.store(target, await this.hangUpOne(job, target, connection, policy));
        } catch (err) {
          // Left pending: the next run asks the call's object again, which never hangs a call up twice.
          failed.add(targetKey(target));
          console.error(JSON.stringify({ level: "warn", msg: "bulk hangup: call object error", job: job.id, error: (err as Error).message }));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAX_IN_FLIGHT, targets.length) }, worker));
  }

  private async hangUpOne(
    job: JobRow,
    target: TargetRow,
    connection: ConnectionRecord | null,
    policy: Awaited<ReturnType<typeof loadActivePolicy>>,
  ): Promise<string> {
    // A connection removed since the job started cannot be asked: the call is counted failed.
    if (!connection) return "failed";
    const decision = hangupDecision(policy, job.tenant, target.connection, connection.provider, Date.now());
    if (!decision.allowed) return "denied";
    await this.pacer.wait(target.connection, connection.provider);
    const result = await callObject(this.env, job.tenant, target.connection, target.call_id).hangup({
      tenant: job.tenant,
      connection: target.connection,
      call_id: target.call_id,
      provider: connection.provider,
      connection_record: connection,
      reason: job.reason,
      decision,
      source: "bulk",
    });
    if (result.kind === "protected") return "protected";
    return result.kind === "outcome" ? result.outcome.status : "failed";
  }

  private store(target: TargetRow, status: string): void {
    this.sql.exec("UPDATE target SET status = ? WHERE connection = ? AND call_id = ? AND status IN ('pending', 'retrying')", status, target.connection, target.call_id);
  }
}

function targetKey(target: Pick<TargetRow, "connection" | "call_id">): string {
  return `${target.connection}/${target.call_id}`;
}
