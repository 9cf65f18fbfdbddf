/**
 * One alarm run of a running bulk job. It hangs up the waiting targets through each call's own object
 * (the exactly-once hangup, source "bulk", the job's id with the round), at most MAX_IN_FLIGHT at once
 * and paced per connection by the pace every job on it shares (./pacing.ts), storing each answer as it
 * arrives. With every target asked it walks the final pass, schedules the retry of failed ones
 * (./retries.ts), or completes the job.
 *
 * A cancelled job sends nothing more: the job's state is read (synchronously, from its storage) before
 * each call is sent, after its pace slot came, so once a cancel has stored itself no call starts.
 */
import { readConfig } from "../config";
import { callObject, providerPaceObject } from "../objects";
import { loadActivePolicy } from "../policy/active";
import { getConnection, type ConnectionRecord } from "../tenants/store";
import type { HangupAnswer } from "../calls/rpc";
import type { JobRow, JobStore, TargetRow, TargetStatus } from "./job-store";
import { MAX_IN_FLIGHT, SlotQueue, blockSize, hangupRate } from "./pacing";
import { hangupDecision } from "./protection";
import { unregisterRunningJob } from "./registry";
import { nextRetryStep } from "./retries";
import type { BulkCriteria } from "./selection";
import { walkSelection } from "./walk";

/** The index trails the calls' records by at most this (contract): the final pass waits for it. */
export const INDEX_LAG_BOUND_MS = 10_000;
/**
 * One alarm run works this long at most, then hands over to the next (progress stays stored): well within
 * the 15 minutes an alarm may run, and long enough that a job of thousands of calls rarely pays the
 * hand-over (the calls in flight settle, then the next alarm starts), which costs its pace a second or two.
 */
const RUN_BUDGET_MS = 5 * 60_000;
/** If a run dies, the alarm it keeps this far ahead of its work brings the job back. */
const SAFETY_ALARM_MS = 5_000;
const RETRY_AFTER_ERROR_MS = 2_000;
/** Targets read from storage at once. */
const PAGE = 50;

export interface JobHost {
  env: Env;
  storage: DurableObjectStorage;
  store: JobStore;
}

type DrainEnd = "done" | "out_of_time" | "errors";

export async function runJob(host: JobHost): Promise<void> {
  await handOver(host, Date.now() + SAFETY_ALARM_MS);
  // The safety alarm stays ahead of the work for as long as the run lasts, so it never comes due mid-run.
  const keepAhead = setInterval(() => handOver(host, Date.now() + SAFETY_ALARM_MS).catch(() => undefined), SAFETY_ALARM_MS / 2);
  let next: number | null;
  try {
    next = await work(host);
  } finally {
    clearInterval(keepAhead);
  }
  if (next !== null) await handOver(host, next);
}

/** Sets the alarm, unless the job is no longer running (a cancel or the completion set their own). */
async function handOver({ storage, store }: JobHost, at: number): Promise<void> {
  if (store.running()) await storage.setAlarm(at);
}

/** Works until the job waits for something: answers when its next run is due (null: it is not running any more). */
async function work(host: JobHost): Promise<number | null> {
  const { env, storage, store } = host;
  const stopAt = Date.now() + RUN_BUDGET_MS;
  for (;;) {
    let job = store.job();
    if (job?.status !== "running") return null;
    const end = await drain(host, job, stopAt);
    if (end === "out_of_time") return Date.now();
    if (end === "errors") return Date.now() + RETRY_AFTER_ERROR_MS;
    job = store.job();
    if (job?.status !== "running") return null;
    if (!job.final_done) {
      if (Date.now() < job.final_pass_at) return job.final_pass_at;
      await finalPass(host, job);
      continue;
    }
    const step = nextRetryStep(store.failed(), Date.parse(job.accepted_at), store.retry(), Date.now());
    if (step.kind === "now") {
      store.startRetry(step.state);
      continue;
    }
    if (step.kind === "wait") {
      if (step.state) store.setRetry(step.state);
      return step.at;
    }
    const now = Date.now();
    store.finish("completed", now);
    await storage.setAlarm(now + readConfig(env).retentionMs);
    await unregisterRunningJob(env, job.tenant, job.id).catch((error: unknown) => logWarning("bulk job: could not leave the running jobs", job.id, error));
    return null;
  }
}

/**
 * Walks the selection again (calls first seen before acceptance only), so a call registered just before
 * the job whose report had not reached the index yet is still hung up.
 */
async function finalPass({ env, store }: JobHost, job: JobRow): Promise<void> {
  const policy = await loadActivePolicy(env);
  const walk = await walkSelection(env, job.tenant, JSON.parse(job.criteria) as BulkCriteria, policy, Date.now(), job.accepted_at);
  if (store.running()) store.addFinalPass(walk.targets, walk.protected);
}

/** Asks every waiting target once, in order; answers why it stopped. */
async function drain({ env, store }: JobHost, job: JobRow, stopAt: number): Promise<DrainEnd> {
  const config = readConfig(env);
  const connections = new Map<string, Promise<ConnectionRecord | null>>();
  const paces = new Map<string, SlotQueue>();
  let policy = await loadActivePolicy(env);
  let page: TargetRow[] = [];
  let cursor: TargetRow | null = null;
  let exhausted = false;
  let outOfTime = false;
  let errors = 0;

  const next = async (): Promise<TargetRow | null> => {
    for (;;) {
      if (!store.running()) return null;
      if (Date.now() >= stopAt) {
        outOfTime = true;
        return null;
      }
      const target = page.shift();
      if (target) return target;
      if (exhausted) return null;
      // Read and advance synchronously, so workers arriving together never read the same page.
      page = store.waiting(cursor, PAGE);
      cursor = page.at(-1) ?? cursor;
      exhausted = page.length < PAGE;
      // A publish applies from the next page.
      policy = await loadActivePolicy(env);
      // A turn of the event loop between pages: a progress read is answered while a busy job works.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };

  const paceOf = (connection: string, provider: string): SlotQueue => {
    let pace = paces.get(connection);
    if (!pace) {
      const stub = providerPaceObject(env, job.tenant, connection, "hangups");
      const perSecond = hangupRate(provider, config.bulkHangupsPerSecond);
      pace = new SlotQueue((want) => stub.reserve(want, perSecond), blockSize(perSecond), store.waitingOn(connection));
      paces.set(connection, pace);
    }
    return pace;
  };

  const hangUpOne = async (target: TargetRow): Promise<TargetStatus | null> => {
    let record = connections.get(target.connection);
    if (!record) connections.set(target.connection, (record = getConnection(env, job.tenant, target.connection)));
    const connection = await record;
    // A connection removed since the job started cannot be asked: the call is counted failed.
    if (!connection) return "failed";
    const decision = hangupDecision(policy, job.tenant, target.connection, connection.provider, Date.now());
    if (!decision.allowed) return "denied";
    await paceOf(target.connection, connection.provider).take();
    // Cancelled while it waited for its slot: not sent.
    if (!store.running()) return null;
    const result = await callObject(env, job.tenant, target.connection, target.call_id).hangup({
      tenant: job.tenant,
      connection: target.connection,
      call_id: target.call_id,
      provider: connection.provider,
      connection_record: connection,
      reason: job.reason,
      decision,
      source: "bulk",
      bulk_job: job.id,
    });
    return answerStatus(result);
  };

  const worker = async () => {
    for (let target = await next(); target; target = await next()) {
      try {
        const status = await hangUpOne(target);
        if (status) store.settle(target, status);
      } catch (error) {
        // Left waiting: the next run asks the call's object again, which never hangs a call up twice.
        errors++;
        logWarning("bulk job: call object error", job.id, error);
      }
    }
  };
  await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, worker));
  return outOfTime ? "out_of_time" : errors ? "errors" : "done";
}

function answerStatus(result: HangupAnswer): TargetStatus {
  switch (result.kind) {
    case "outcome":
      return result.outcome.status;
    case "protected":
      return "protected";
    case "ended":
      return "skipped";
    case "idempotency_mismatch":
      return "failed"; // a job sends no Idempotency-Key
  }
}

function logWarning(msg: string, job: string, error: unknown): void {
  console.error(JSON.stringify({ level: "warn", msg, job, error: error instanceof Error ? error.message : String(error) }));
}
