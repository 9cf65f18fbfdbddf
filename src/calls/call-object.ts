/**
 * CallObject: one Durable Object per (tenant, connection, call id), where "at most once, and until it
 * is done" holds. A Durable Object runs one event at a time but interleaves them at every await, so the
 * round in flight is kept in memory: the first request stores it as pending and calls the provider;
 * requests arriving meanwhile await that same promise; requests after it read the stored outcome, or,
 * after a failed round, start the next one. If the object dies mid-round, the pending round is on disk
 * and the next request or the alarm runs it again with the same operation id; nothing is ever reported
 * terminated without the provider saying so.
 *
 * The object has small duties besides (./duties.ts): reconcile a round left by a dead object, keep the
 * call index informed, watch a registered call for its policy (and retry a failed automatic hangup until
 * it is final), deliver outcome webhooks, and delete a settled call after its retention. Each says when
 * it is next due; the one alarm is set for the earliest, and every alarm runs whatever is due.
 */
import { DurableObject } from "cloudflare:workers";
import { readConfig } from "../config";
import { loadActivePolicy } from "../policy/active";
import { evaluate } from "../policy/evaluate";
import type { Decision } from "../policy/types";
import { getTenant, openWebhookSecret, type ConnectionRecord } from "../tenants/store";
import type { HangupOutcome, HangupSource } from "../vocabulary";
import { deliverWebhook, type DeliveryResult } from "../webhooks/deliver";
import { CallStore } from "./call-store";
import { dispatchHangup } from "./dispatch";
import { CALL_DUTIES, earliestDue, type DutyName } from "./duties";
import { appendEvent, eventText } from "./events";
import { afterDelivery, dueMessage, enqueue, notConfigured, outcomeMessage } from "./outbox";
import { toIndexReport, toRecord } from "./record";
import { completeRound, findKey, recordAttempt, rememberKey, roundOutcome, startRound, type RoundRequest } from "./rounds";
import { MAX_FLAGS_PER_CALL, type CallRecord } from "./schemas";
import {
  finalOutcome,
  identityOf,
  latestRound,
  newStoredCall,
  pendingRound,
  watchedRegistration,
  watchExpired,
  type CallDetails,
  type CallIdentity,
  type Round,
  type StoredCall,
} from "./stored-call";
import { INDEX_PENDING_REPORT_MS, INDEX_RETRY_MS, ROUND_LEASE_MS, alarmErrorDelayMs, nextAutomaticRetryAt } from "./timings";
import { decisionChanged, decisionSummary, watchEvent } from "./watch";

export interface HangupCommand extends CallIdentity {
  /** The connection as the route read it, so the object need not read it again (absent: it reads KV). */
  connection_record?: ConnectionRecord;
  reason: string | null;
  decision: Decision | null;
  source: HangupSource;
  /** The bulk hangup job asking (source "bulk"): stored with the round it starts. */
  bulk_job?: string;
  /** Idempotency-Key header with the fingerprint of the request body it came with. */
  idempotency?: { key: string; fingerprint: string };
}

export type HangupResult =
  | { kind: "outcome"; outcome: HangupOutcome; replayed: boolean }
  | { kind: "idempotency_mismatch" }
  /** A bulk hangup of a call the policy in force protects (judged on the call's own registered details): nothing was sent. */
  | { kind: "protected"; decision: Decision }
  /** A bulk hangup of a call that is ended, or has a final outcome from a round not this job's: nothing was sent. */
  | { kind: "ended" };

export interface RegisterCommand extends CallIdentity, CallDetails {
  /** Lower-case, distinct. */
  flags: string[];
  /** Hash of the registration request, to tell a retry of it from a different registration. */
  fingerprint: string;
  /** The route's decision (kind "call") on this registration, which allowed it. */
  decision: Decision;
}

export type RegisterResult =
  | { kind: "registered"; record: CallRecord }
  | { kind: "replayed"; record: CallRecord }
  | { kind: "conflict"; detail: string };

export interface SignalCommand {
  /** Lower-case, distinct. */
  flags: string[];
  ended: boolean;
}

export type SignalResult = { kind: "ok"; record: CallRecord } | { kind: "unknown" } | { kind: "too_many_flags" };

/** What a provider's status callback said about the call. */
export interface ProviderStatus {
  /** The provider's own word for it ("completed", "Hangup", "call.hangup"). */
  status: string;
  ended: boolean;
}

/** What the object's storage cost since it started (read by `npm run bench`). */
export interface StorageStats {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  alarmsRun: number;
  databaseSize: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class CallObject extends DurableObject<Env> {
  private readonly store: CallStore;
  private readonly retention: number;
  private inflight: Promise<HangupOutcome> | null = null;
  /** Until when the round in flight is presumed alive. */
  private leaseUntil = 0;
  private delivering: Promise<void> | null = null;
  private indexing: Promise<void> | null = null;
  /** The index did not take the last report: when to send it again. */
  private indexRetryAt: number | null = null;
  /** A duty threw: no alarm before this (backoff). */
  private alarmBackoffUntil = 0;
  /** The alarm as last set by this instance (undefined: not known yet). */
  private alarmAt: number | null | undefined = undefined;
  private alarmsRun = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new CallStore(ctx.storage.sql);
    this.retention = readConfig(env).retentionMs;
    // An object that never stored a call has no alarm (retention's deleteAll removes it with the rest),
    // so a new call's first alarm is set without asking storage first.
    if (!this.store.current()) this.alarmAt = null;
  }

  // ── RPC ─────────────────────────────────────────────────────────────────────────────────────────

  async hangup(command: HangupCommand): Promise<HangupResult> {
    // Read before anything else, so that what follows runs without an await up to the round's first write.
    const protection = command.source === "bulk" ? await loadActivePolicy(this.env) : null;
    const now = Date.now();
    let call = this.store.current();
    const key = command.idempotency;
    if (call && key) {
      const seen = findKey(call, key.key);
      if (seen && seen.fingerprint !== key.fingerprint) return { kind: "idempotency_mismatch" };
      const answered = seen && roundOutcome(call, seen.round);
      if (answered) return replay(answered);
    }
    const final = call && finalOutcome(call);
    if (final) return command.bulk_job !== undefined && latestRound(call!)?.bulk_job !== command.bulk_job ? { kind: "ended" } : replay(final);

    const pending = call && pendingRound(call);
    if (call && pending) {
      const keyed = key ? rememberKey(call, key, pending.n) : call;
      if (keyed !== call) call = this.save(keyed);
      if (this.inflight) return replay(await this.inflight);
      // Left by an object that died mid-round: the same operation again, so the provider can tell.
      this.save(appendEvent(call, { at: iso(now), type: "hangup.reconciling", data: { round: pending.n, reason: "a pending round was found with no request in flight" } }));
      return { kind: "outcome", outcome: await this.runRound(command.connection_record), replayed: false };
    }

    // A call reported ended since a bulk job selected it is not sent (an API hangup of it still is).
    if (command.bulk_job !== undefined && call?.ended) return { kind: "ended" };
    // A bulk job selected this call from the index, which may be behind the call (a flag or a policy
    // published since): the call's own details under the policy in force now decide whether it is spared.
    if (protection && call?.registered) {
      const decision = evaluate(protection, watchEvent(call, now));
      if (decision.protected) return { kind: "protected", decision };
    }

    const request: RoundRequest & Pick<Round, "bulk_job"> = {
      operation_id: crypto.randomUUID(),
      source: command.source,
      ...(command.bulk_job !== undefined ? { bulk_job: command.bulk_job } : {}),
      reason: command.reason,
      decision: command.decision,
    };
    call = startRound(call ?? newStoredCall(command, iso(now)), request, iso(now));
    if (key) call = rememberKey(call, key, latestRound(call)!.n);
    this.save(call);
    return { kind: "outcome", outcome: await this.runRound(command.connection_record), replayed: false };
  }

  async record(): Promise<CallRecord | null> {
    const call = this.store.current();
    return call && toRecord(call, this.retention);
  }

  /**
   * Registers the call for automatic termination and acts on the decision at once: an enforced
   * terminate hangs it up before this answers; otherwise the alarm is set for the next evaluation. The
   * same request again replays; a different one, or a call already over, is a conflict.
   */
  async register(command: RegisterCommand): Promise<RegisterResult> {
    let call = this.store.current();
    if (call?.registration) {
      return call.registration.fingerprint === command.fingerprint
        ? { kind: "replayed", record: toRecord(call, this.retention) }
        : { kind: "conflict", detail: "This call is already registered with different details; send flags or its end to /signals." };
    }
    if (call && finalOutcome(call)) {
      return { kind: "conflict", detail: "This call was hung up before it was registered, so there is nothing to watch; GET it for the outcome." };
    }
    const now = iso(Date.now());
    call = call ?? newStoredCall(command, now);
    call = {
      ...call,
      registered: true,
      details: { started_at: command.started_at, from: command.from, to: command.to, metadata: command.metadata },
      flags: [...new Set([...call.flags, ...command.flags])].slice(0, MAX_FLAGS_PER_CALL),
      registration: { fingerprint: command.fingerprint, registered_at: now, decision: command.decision, evaluated_at: now },
    };
    this.save(appendEvent(call, { at: now, type: "call.registered", data: decisionSummary(command.decision) }));
    await this.enforce(command.decision);
    return { kind: "registered", record: this.currentRecord() };
  }

  /** Adds fraud flags and evaluates the policy at once, or marks the call ended (no hangup). */
  async signal(command: SignalCommand): Promise<SignalResult> {
    let call = this.store.current();
    if (!call) return { kind: "unknown" };
    const now = iso(Date.now());
    const added = command.flags.filter((flag) => !call!.flags.includes(flag));
    if (call.flags.length + added.length > MAX_FLAGS_PER_CALL) return { kind: "too_many_flags" };
    if (added.length) {
      call = this.save(appendEvent({ ...call, flags: [...call.flags, ...added] }, { at: now, type: "call.flagged", data: { flags: added } }));
    }
    if (command.ended) this.markEnded({ source: "signal" }, now);
    else await this.evaluateWatch(added.length > 0);
    await this.afterChange();
    return { kind: "ok", record: this.currentRecord() };
  }

  /**
   * A provider's status callback: recorded as an event (bounded); one that says the call is over ends
   * the call and its watch. A call this object never heard of stays unknown, with nothing stored.
   */
  async providerStatus(status: ProviderStatus): Promise<"recorded" | "unknown"> {
    const call = this.store.current();
    if (!call) return "unknown";
    const now = iso(Date.now());
    this.save(appendEvent(call, { at: now, type: "callback.received", data: { status: eventText(status.status), ended: status.ended } }));
    if (status.ended) this.markEnded({ source: "callback", status: eventText(status.status) }, now);
    await this.afterChange();
    return "recorded";
  }

  storageStats(): StorageStats {
    return { ...this.store.sql.counters, alarmsRun: this.alarmsRun, databaseSize: this.ctx.storage.sql.databaseSize };
  }

  /**
   * Alarms are at least once and may run early (a retried alarm, or a test running it), so each duty
   * checks its own state; the alarm was set for the earliest duty, so everything due by then runs. A
   * duty that throws is recorded and retried with backoff; the others still run.
   */
  override async alarm(): Promise<void> {
    this.alarmsRun++;
    this.alarmAt = null;
    const call = this.store.current();
    if (!call) return;
    const now = Date.now();
    const failed: DutyName[] = [];
    // An alarm that runs early (a retry, a test) still does its earliest duty; only retention waits for the clock.
    let dueBy = now;
    try {
      dueBy = Math.max(now, earliestDue(call, this.clocks(now), { retention: false }) ?? now);
    } catch {
      // One duty's due time cannot be read; the others still run.
    }
    for (const duty of CALL_DUTIES) {
      const current = this.store.current();
      if (!current) return; // retention deleted the call
      try {
        const at = duty.dueAt(current, this.clocks(now));
        if (at === null || at > (duty.name === "retention" ? now : dueBy)) continue;
        await this.runDuty(duty.name, dueBy);
      } catch {
        failed.push(duty.name);
      }
    }
    const after = this.store.current();
    if (!after) return;
    if (failed.length) {
      const failures = after.alarm_failures + 1;
      this.alarmBackoffUntil = Date.now() + alarmErrorDelayMs(failures);
      this.save(appendEvent({ ...after, alarm_failures: failures }, {
        at: iso(Date.now()),
        type: "alarm.failed",
        data: { duties: failed, retry_at: iso(this.alarmBackoffUntil) },
      }));
    } else if (after.alarm_failures) {
      this.alarmBackoffUntil = 0;
      this.save({ ...after, alarm_failures: 0 });
    }
    await this.scheduleAlarm();
  }

  // ── rounds ──────────────────────────────────────────────────────────────────────────────────────

  /** Runs the pending round once; every caller meanwhile shares its promise. */
  private runRound(connection?: ConnectionRecord): Promise<HangupOutcome> {
    if (!this.inflight) {
      // Set before sendRound starts, so that the alarm it schedules already sees a round in flight.
      this.leaseUntil = Date.now() + ROUND_LEASE_MS;
      this.inflight = this.sendRound(connection).finally(() => {
        this.inflight = null;
        this.leaseUntil = 0;
      });
    }
    return this.inflight;
  }

  private async sendRound(connection?: ConnectionRecord): Promise<HangupOutcome> {
    const call = this.store.current();
    const round = call && pendingRound(call);
    if (!call || !round) throw new Error("no round to send");
    // The safety net: if this instance dies before the outcome is stored, the alarm runs the round again.
    await this.scheduleAlarm();
    // Whether the tenant wants webhooks is read while the provider works, not after.
    const webhookConfigured = getTenant(this.env, call.tenant).then((tenant) => Boolean(tenant?.webhook), () => true);
    // A slow round shows as pending in the call index; a quick one reports only its outcome.
    const pendingReport = setTimeout(() => void this.reportToIndex(), INDEX_PENDING_REPORT_MS);
    let dispatched;
    try {
      dispatched = await dispatchHangup(
        this.env,
        identityOf(call),
        { operationId: round.operation_id, reason: round.reason },
        (attempt) => this.save(recordAttempt(this.store.current()!, attempt)),
        connection,
      );
    } finally {
      clearTimeout(pendingReport);
    }
    const configured = await webhookConfigured;
    const now = Date.now();
    const { call: completed, outcome } = completeRound(this.store.current()!, dispatched, iso(now));
    let next = completed;
    let notify = true;
    if (outcome.status !== "failed") {
      next = { ...next, retry: null };
    } else if (round.source === "policy" && watchedRegistration(next)) {
      // The policy still wants this call ended: the alarm tries again, and the webhook hears once per run of failures.
      const failures = (next.retry?.failures ?? 0) + 1;
      const nextAt = iso(nextAutomaticRetryAt(failures, now, dispatched.circuitOpenUntil));
      next = appendEvent({ ...next, retry: { failures, next_at: nextAt } }, {
        at: iso(now),
        type: "hangup.retry_scheduled",
        data: { round: round.n, failures, next_at: nextAt },
      });
      notify = failures === 1;
    }
    if (notify) next = { ...next, outbox: enqueue(next.outbox, outcomeMessage(round.operation_id, outcome, configured)) };
    this.save(next);
    this.leaseUntil = 0;
    await this.afterChange();
    return outcome;
  }

  // ── the watch ───────────────────────────────────────────────────────────────────────────────────

  /** Hangs the call up if the decision says so now, else waits for its next wake-up. */
  private async enforce(decision: Decision): Promise<void> {
    const call = this.store.current();
    if (decision.terminate && call) {
      await this.hangup({ ...identityOf(call), reason: decision.terminate.reason, decision, source: "policy" });
    } else {
      await this.afterChange();
    }
  }

  /**
   * Re-evaluates a watched call against the policy in force now and enforces the decision. While a
   * failed automatic hangup waits for its retry, only news (`urgent`: a new flag) hangs up earlier.
   */
  private async evaluateWatch(urgent: boolean): Promise<void> {
    if (!watchedRegistration(this.store.current()!)) return;
    const policy = await loadActivePolicy(this.env);
    // Read again after the await: a round or an end may have come in meanwhile.
    const call = this.store.current();
    const registration = call && watchedRegistration(call);
    if (!call || !registration) return;
    const now = Date.now();
    const decision = evaluate(policy, watchEvent(call, now));
    let next: StoredCall = { ...call, registration: { ...registration, decision, evaluated_at: iso(now) } };
    if (decisionChanged(registration.decision, decision)) {
      next = appendEvent(next, { at: iso(now), type: "policy.reevaluated", data: decisionSummary(decision) });
    }
    if (!decision.terminate) {
      // The policy no longer asks for this call's end (a rule was withdrawn): nothing left to retry.
      next = { ...next, retry: null };
      if (next.registration && watchExpired(next.registration)) {
        next = appendEvent(next, { at: iso(now), type: "watch.expired", data: { reason: "the call was watched for its maximum time without its end being reported" } });
      }
    }
    this.save(next);
    const waitingForRetry = next.retry !== null && Date.parse(next.retry.next_at) > now && !urgent;
    if (waitingForRetry) await this.afterChange();
    else await this.enforce(decision);
  }

  private markEnded(how: { source: "signal" } | { source: "callback"; status: string }, now: string): void {
    const call = this.store.current()!;
    // A call over for good stays as it was; a round in flight still settles itself.
    if (call.ended || finalOutcome(call)) return;
    this.save(appendEvent({ ...call, ended: { at: now, source: how.source }, retry: null }, { at: now, type: "call.ended", data: how }));
  }


  // ── duties ──────────────────────────────────────────────────────────────────────────────────────

  private clocks(now: number) {
    return { now, inflight: this.leaseUntil > 0, leaseUntil: this.leaseUntil, indexBehind: this.store.indexBehind(), indexRetryAt: this.indexRetryAt, retention: this.retention };
  }

  private async runDuty(name: DutyName, dueBy: number): Promise<void> {
    const call = this.store.current()!;
    switch (name) {
      case "round": {
        if (this.inflight) return void (await this.inflight.catch(() => undefined));
        const round = pendingRound(call);
        if (!round) return;
        this.save(appendEvent(call, { at: iso(Date.now()), type: "hangup.reconciling", data: { round: round.n, reason: "the alarm found a pending round with no request in flight" } }));
        await this.runRound();
        return;
      }
      case "index":
        return this.reportToIndex();
      case "watch":
        return this.evaluateWatch(false);
      case "outbox":
        return this.deliverDue(dueBy);
      case "retention":
        return this.expire();
    }
  }

  /** After a change: the index hears of it, and the alarm follows the duties. */
  private async afterChange(): Promise<void> {
    if (this.store.indexBehind()) await this.reportToIndex();
    else await this.scheduleAlarm();
  }

  /** Sends the call's index entry until the index has the latest version; one sender at a time. */
  private reportToIndex(): Promise<void> {
    this.indexing ??= this.sendIndexReports().finally(() => {
      this.indexing = null;
    });
    return this.indexing;
  }

  private async sendIndexReports(): Promise<void> {
    // Should this instance die before the send, an alarm must be there to send again (a round's lease
    // alarm already is; for other changes this sets one).
    if (this.alarmAt === undefined || this.alarmAt === null || this.alarmAt > Date.now() + ROUND_LEASE_MS) await this.scheduleAlarm();
    try {
      while (this.store.indexBehind()) {
        const report = toIndexReport(this.store.current()!);
        await this.env.CALL_INDEX.send(report, { contentType: "json" });
        this.store.markIndexed(report.version);
      }
      this.indexRetryAt = null;
    } catch {
      this.indexRetryAt = Date.now() + INDEX_RETRY_MS;
    }
    await this.scheduleAlarm();
  }

  /** One delivery at a time, however many alarms run. */
  private deliverDue(dueBy: number): Promise<void> {
    this.delivering ??= this.deliverMessages(dueBy).finally(() => {
      this.delivering = null;
    });
    return this.delivering;
  }

  private async deliverMessages(dueBy: number): Promise<void> {
    for (let message = dueMessage(this.store.current()!.outbox, dueBy); message; message = dueMessage(this.store.current()!.outbox, dueBy)) {
      const call = this.store.current()!;
      // The tenant's webhook is read at each attempt, so a corrected URL or a rotated secret applies to retries.
      const webhook = (await getTenant(this.env, call.tenant))?.webhook;
      let settled = notConfigured(message);
      if (webhook) {
        const attemptedAt = Date.now();
        let result: DeliveryResult;
        try {
          result = await deliverWebhook(webhook.url, await openWebhookSecret(this.env, call.tenant, webhook.secret), message);
        } catch {
          result = { delivered: false, http_status: null, error: "the webhook secret could not be opened or used; nothing was sent", duration_ms: 0 };
        }
        settled = afterDelivery(message, { attempted_at: attemptedAt, ...result });
      }
      const latest = this.store.current()!;
      this.save({ ...latest, outbox: latest.outbox.map((m) => (m.id === settled.id ? settled : m)) });
    }
  }

  /** Retention: the index forgets the call, then the object deletes all it stored (its alarm too). */
  private async expire(): Promise<void> {
    const call = this.store.current()!;
    await this.env.CALL_INDEX.send({ ...toIndexReport(call), version: Math.max(call.version + 1, Date.now()), deleted: true }, { contentType: "json" });
    await this.ctx.storage.deleteAll();
    this.store.forget();
    this.alarmAt = null;
  }

  // ── storage and the alarm ───────────────────────────────────────────────────────────────────────

  private save(next: StoredCall): StoredCall {
    return this.store.save(next, Date.now());
  }

  private currentRecord(): CallRecord {
    return toRecord(this.store.current()!, this.retention);
  }

  private nextAlarmAt(call: StoredCall): number | null {
    let at: number | null;
    try {
      at = earliestDue(call, this.clocks(Date.now()));
    } catch {
      // A duty that cannot even say when it is due is still not dropped: look again after a backoff.
      at = Date.now() + alarmErrorDelayMs(call.alarm_failures + 1);
    }
    return at === null ? null : Math.max(at, this.alarmBackoffUntil);
  }

  private async scheduleAlarm(): Promise<void> {
    const call = this.store.current();
    const at = call ? this.nextAlarmAt(call) : null;
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (at === this.alarmAt) return;
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }
}

function replay(outcome: HangupOutcome): HangupResult {
  return { kind: "outcome", outcome, replayed: true };
}
