/**
 * BulkHangupJob: one Durable Object per bulk hangup, named `{tenant}/{job id}`. Everything it knows is
 * in its SQLite storage (./job-store.ts), so an object that is evicted, restarted or aborted mid-run
 * loses nothing: its alarm fires again and it carries on with the calls that have no stored outcome yet.
 *
 * - start: walks the selection once (the snapshot), takes one of the tenant's places for running jobs
 *   (./registry.ts), stores every target and the protected ones, and sets the alarm. Nothing is stored if
 *   the tenant's hangups are denied or it already runs as many jobs as it may.
 * - alarm: a running job works (./job-run.ts); a finished one waits for its retention, then deletes
 *   its storage.
 * - cancel: stores the cancellation at once, so no call of the job is sent after the answer.
 * - status: the counts (./job-status.ts). Reading or cancelling a job that does not exist writes nothing.
 */
import { DurableObject } from "cloudflare:workers";
import { readConfig } from "../config";
import { loadActivePolicy } from "../policy/active";
import type { Decision } from "../policy/types";
import { INDEX_LAG_BOUND_MS, runJob } from "./job-run";
import { jobStatus, type JobStatus } from "./job-status";
import { JobStore } from "./job-store";
import { registerRunningJob, unregisterRunningJob } from "./registry";
import type { BulkCriteria } from "./selection";
import { walkSelection } from "./walk";

export type { JobStatus };

export interface JobSpec {
  id: string;
  tenant: string;
  criteria: BulkCriteria;
  reason: string;
}

export type StartResult =
  | { kind: "denied"; decision: Decision }
  /** The tenant already runs MAX_RUNNING_JOBS jobs: nothing was stored. */
  | { kind: "too_many" }
  | { kind: "started"; status: JobStatus };

export type CancelResult =
  | { kind: "not_found" }
  | { kind: "completed"; status: JobStatus }
  /** This request cancelled it, or it already was. */
  | { kind: "cancelled" | "already_cancelled"; status: JobStatus };

export class BulkHangupJob extends DurableObject<Env> {
  private readonly store: JobStore;
  private readonly retentionMs: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new JobStore(ctx.storage);
    this.retentionMs = readConfig(env).retentionMs;
  }

  start(spec: JobSpec): Promise<StartResult> {
    // Nothing else runs in this object until the job is stored: a cancel arriving meanwhile finds it.
    return this.ctx.blockConcurrencyWhile(async () => {
      const existing = this.status();
      if (existing) return { kind: "started", status: existing };
      const now = Date.now();
      const acceptedAt = new Date(now).toISOString();
      const policy = await loadActivePolicy(this.env);
      const walk = await walkSelection(this.env, spec.tenant, spec.criteria, policy, now, acceptedAt);
      if (walk.denied) return { kind: "denied", decision: walk.denied };
      if (!(await registerRunningJob(this.env, spec.tenant, spec.id, now))) return { kind: "too_many" };
      this.store.create({ ...spec, accepted_at: acceptedAt, final_pass_at: now + INDEX_LAG_BOUND_MS }, walk.targets, walk.protected);
      await this.ctx.storage.setAlarm(now);
      return { kind: "started", status: this.status()! };
    });
  }

  status(): JobStatus | null {
    const job = this.store.job();
    return job && jobStatus(job, this.store.counts(), this.store.retry());
  }

  async cancel(): Promise<CancelResult> {
    const job = this.store.job();
    if (!job) return { kind: "not_found" };
    if (job.status !== "running") return { kind: job.status === "completed" ? "completed" : "already_cancelled", status: this.status()! };
    const now = Date.now();
    // Stored before anything is awaited: from here on the run sends nothing (./job-run.ts).
    this.store.finish("cancelled", now);
    await this.ctx.storage.setAlarm(now + this.retentionMs);
    await unregisterRunningJob(this.env, job.tenant, job.id).catch((error: unknown) =>
      console.error(JSON.stringify({ level: "warn", msg: "bulk job: could not leave the running jobs", job: job.id, error: String(error) })),
    );
    return { kind: "cancelled", status: this.status()! };
  }

  override async alarm(): Promise<void> {
    const job = this.store.job();
    if (!job) return;
    if (job.status === "running") return runJob({ env: this.env, storage: this.ctx.storage, store: this.store });
    // Completed or cancelled: its counts stay readable for the retention, then it is forgotten.
    const forgetAt = (job.finished_at ?? Date.parse(job.accepted_at)) + this.retentionMs;
    if (Date.now() >= forgetAt) await this.store.forget();
    else await this.ctx.storage.setAlarm(forgetAt);
  }
}
