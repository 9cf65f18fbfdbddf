/**
 * CallObject: one Durable Object per (tenant, connection, call id). It is where "exactly once" holds.
 * A Durable Object runs one event at a time, but interleaves them at every await, so the object keeps
 * the hangup in flight in memory: the first request records "pending" and calls the provider; any
 * request arriving meanwhile awaits that same promise; any request after it reads the stored outcome.
 * If the object dies in between, the pending row is still there and the next request, or the alarm set
 * as a safety net, asks the provider again: a second hangup of an ended call is answered "already
 * ended", so nothing is ever reported terminated without the provider saying so.
 *
 * A registered call is also watched for automatic termination: the policy's decision may hang it up
 * (through the same exactly-once hangup, source "policy") at once or at a deadline. And every stored
 * outcome is delivered to the tenant's webhook, with retries. The object has one alarm for all of
 * this; `nextWakeAt` sets it for the earliest duty, and the alarm handler does whatever is due.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { loadActivePolicy } from "../policy/active";
import { evaluate } from "../policy/evaluate";
import type { Decision } from "../policy/types";
import { DEFAULT_SEND_POLICY } from "../providers/send-hangup";
import { getTenant, openWebhookSecret, type ConnectionRecord } from "../tenants/store";
import { deliverWebhook, type DeliveryResult } from "../webhooks/deliver";
import { outcomeMessage } from "../webhooks/message";
import { nextWebhookAttemptAt } from "../webhooks/retry-schedule";
import { CallStore } from "./call-store";
import type { CallDetails, CallIdentity, CallOutcome, CallRecord, HangupSource } from "./model";
import { performHangup } from "./perform-hangup";
import { decisionChanged, decisionSummary, watchEvent, watchExpired, watchWakeAt } from "./watch";

/** If a pending hangup has not finished by then, the object must have died: the alarm reconciles it. */
const RECONCILE_AFTER_MS = DEFAULT_SEND_POLICY.totalBudgetMs + 15_000;

export interface HangupCommand extends CallIdentity {
  /** The connection as the route read it, so the object need not read it again (absent: it reads KV). */
  connection_record?: ConnectionRecord;
  reason: string | null;
  decision: Decision | null;
  source: HangupSource;
  /** Idempotency-Key header with the fingerprint of the request body it came with. */
  idempotency?: { key: string; fingerprint: string };
}

export type HangupResult =
  | { kind: "outcome"; outcome: CallOutcome; replayed: boolean }
  | { kind: "idempotency_mismatch" };

export interface RegisterCommand extends CallIdentity, CallDetails {
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

export class CallObject extends DurableObject<Env> {
  private readonly store: CallStore;
  private inflight: Promise<CallOutcome> | null = null;
  /** When the safety-net alarm of the hangup in flight is due. */
  private reconcileAt = 0;
  private delivering: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new CallStore(ctx.storage.sql);
  }

  async hangup(command: HangupCommand): Promise<HangupResult> {
    const now = new Date().toISOString();
    if (command.idempotency && !this.store.claimIdempotencyKey(command.idempotency.key, command.idempotency.fingerprint, now)) {
      return { kind: "idempotency_mismatch" };
    }
    const stored = this.store.hangup();
    if (stored?.outcome) return { kind: "outcome", outcome: stored.outcome, replayed: true };
    if (this.inflight) return { kind: "outcome", outcome: await this.inflight, replayed: true };

    if (!stored) {
      this.store.ensureCall(command, now);
      this.store.beginHangup({
        operation_id: crypto.randomUUID(),
        source: command.source,
        reason: command.reason,
        decision: command.decision,
        requested_at: now,
      });
      this.store.addEvent("hangup.requested", { source: command.source, reason: command.reason, decision: command.decision }, now);
    } else {
      this.store.addEvent("hangup.reconciling", { reason: "a pending hangup was found with no request in flight" }, now);
    }
    return { kind: "outcome", outcome: await this.runPendingHangup(command.connection_record), replayed: false };
  }

  async record(): Promise<CallRecord | null> {
    return this.store.record();
  }

  /**
   * Registers the call for automatic termination and acts on the decision at once: an enforced
   * terminate hangs it up before this answers; otherwise the alarm is set for the deadline. The same
   * request again replays; a different one, or a call hung up before it was registered, is a conflict.
   */
  async register(command: RegisterCommand): Promise<RegisterResult> {
    const fingerprint = this.store.registrationFingerprint();
    if (fingerprint !== null) {
      return fingerprint === command.fingerprint
        ? { kind: "replayed", record: this.currentRecord() }
        : { kind: "conflict", detail: "This call is already registered with different details; send flags or its end to /signals." };
    }
    if (this.store.identity()) {
      return { kind: "conflict", detail: "This call was hung up before it was registered, so there is nothing to watch; GET it for the outcome." };
    }
    const now = new Date().toISOString();
    this.store.register(command, command.fingerprint, command.decision, now);
    this.store.addEvent("call.registered", decisionSummary(command.decision), now);
    await this.enforce(command.decision);
    return { kind: "registered", record: this.currentRecord() };
  }

  /** Adds fraud flags and evaluates the policy at once, or marks the call ended (no hangup). */
  async signal(command: SignalCommand): Promise<SignalResult> {
    if (!this.store.identity()) return { kind: "unknown" };
    const now = new Date().toISOString();
    const added = this.store.addFlags(command.flags, now);
    if (added === null) return { kind: "too_many_flags" };
    if (added.length) this.store.addEvent("call.flagged", { flags: added }, now);
    if (command.ended) await this.markEnded({ source: "signal" }, now);
    else await this.evaluateWatch();
    return { kind: "ok", record: this.currentRecord() };
  }

  /**
   * A provider's status callback: recorded as an event; one that says the call is over ends a live
   * call and its watch. A call this object never heard of stays unknown, with nothing stored.
   */
  async providerStatus(status: ProviderStatus): Promise<"recorded" | "unknown"> {
    if (!this.store.identity()) return "unknown";
    const now = new Date().toISOString();
    this.store.addEvent("callback.received", { status: status.status, ended: status.ended }, now);
    if (status.ended) await this.markEnded({ source: "callback", status: status.status }, now);
    return "recorded";
  }

  /**
   * Alarms are at least once and may run early (a retried alarm, or a test running it), so each duty
   * checks its own state. The alarm is only ever set for the earliest duty, so when it runs, everything
   * due by then (or by now, if later) is done.
   */
  override async alarm(): Promise<void> {
    const dueBy = Math.max(Date.now(), this.nextWakeAt() ?? 0);
    const hangup = this.store.hangup();
    if (hangup?.status === "pending" && !this.inflight) {
      this.store.addEvent("hangup.reconciling", { reason: "alarm found a pending hangup with no request in flight" }, new Date().toISOString());
      await this.runPendingHangup();
    }
    const watched = this.store.watchedCall();
    if (watched && (watchWakeAt(watched.registration) ?? Infinity) <= dueBy) await this.evaluateWatch();
    const webhook = this.store.pendingWebhook();
    if (webhook && Date.parse(webhook.due_at) <= dueBy) await this.deliverPendingWebhook();
    await this.scheduleNextWake();
  }

  private currentRecord(): CallRecord {
    const record = this.store.record();
    if (!record) throw new Error("the call has no record");
    return record;
  }

  /** Hangs the call up if the decision says so now, else waits for its next wake-up. */
  private async enforce(decision: Decision): Promise<void> {
    const call = this.store.identity();
    if (decision.terminate && call) {
      await this.hangup({ ...call, reason: decision.terminate.reason, decision, source: "policy" });
    } else {
      await this.scheduleNextWake();
    }
  }

  /** Re-evaluates a watched call against the policy in force now, and enforces the decision. */
  private async evaluateWatch(): Promise<void> {
    if (!this.store.watchedCall()) return;
    const policy = await loadActivePolicy(this.env);
    // Read again after the await: a hangup or an end may have come in meanwhile.
    const call = this.store.watchedCall();
    if (!call) return;
    const now = Date.now();
    const at = new Date(now).toISOString();
    const decision = evaluate(policy, watchEvent(call, now));
    this.store.saveDecision(decision, at);
    if (decisionChanged(call.registration.decision, decision)) this.store.addEvent("policy.reevaluated", decisionSummary(decision), at);
    const registration = this.store.registration();
    if (!decision.terminate && registration && watchExpired(registration)) {
      this.store.addEvent("watch.expired", { reason: "the call was watched for its maximum time without its end being reported" }, at);
    }
    await this.enforce(decision);
  }

  private async markEnded(data: Record<string, unknown>, now: string): Promise<void> {
    // Only a live call is ended here: a hangup in flight settles itself, and an ended call stays so.
    if (this.store.state() !== "live") return;
    this.store.setState("ended", now);
    this.store.addEvent("call.ended", data, now);
    await this.scheduleNextWake();
  }

  /** Sends the pending hangup to the provider once and stores its outcome; callers share the promise. */
  private runPendingHangup(connection?: ConnectionRecord): Promise<CallOutcome> {
    this.inflight ??= this.sendPendingHangup(connection).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async sendPendingHangup(connection?: ConnectionRecord): Promise<CallOutcome> {
    const identity = this.store.identity();
    const hangup = this.store.hangup();
    if (!identity || !hangup) throw new Error("no pending hangup to send");
    this.reconcileAt = Date.now() + RECONCILE_AFTER_MS;
    await this.ctx.storage.setAlarm(this.reconcileAt);

    // Whether the tenant wants the outcome is read while the provider works, not after.
    const webhookConfigured = getTenant(this.env, identity.tenant).then((tenant) => Boolean(tenant?.webhook), () => true);
    const { reading, httpStatus } = await performHangup(
      this.env,
      identity,
      { operationId: hangup.operation_id, reason: hangup.reason },
      (attempt) => this.store.recordAttempt(attempt),
      connection,
    );
    const completedAt = new Date().toISOString();
    const outcome: CallOutcome = {
      ...identity,
      status: reading.status,
      reason: hangup.reason,
      decision: this.store.hangupDecision() as Decision | null,
      provider_response: {
        http_status: httpStatus,
        detail: reading.detail,
        ...(reading.code !== undefined ? { code: reading.code } : {}),
      },
      attempts: this.store.attemptCount(),
      requested_at: hangup.requested_at,
      completed_at: completedAt,
    };
    // The outcome and its webhook are written together; the webhook goes out from the alarm, after this answers.
    this.store.completeHangup(outcome);
    // A tenant without a webhook costs no queued message and no alarm; the record says why.
    this.store.enqueueWebhook(outcomeMessage(hangup.operation_id, outcome), completedAt);
    if (!(await webhookConfigured)) this.store.settleWebhook("not_configured");
    this.store.addEvent("hangup.completed", { status: outcome.status }, completedAt);
    await this.scheduleNextWake();
    return outcome;
  }

  /** One delivery attempt at a time, however many alarms run. */
  private async deliverPendingWebhook(): Promise<void> {
    this.delivering ??= this.attemptWebhookDelivery().finally(() => {
      this.delivering = null;
    });
    await this.delivering;
  }

  private async attemptWebhookDelivery(): Promise<void> {
    const message = this.store.pendingWebhook();
    const call = this.store.identity();
    if (!message || !call) return;
    // The tenant's webhook is read at each attempt, so a corrected URL or a rotated secret applies to retries.
    const webhook = (await getTenant(this.env, call.tenant))?.webhook;
    if (!webhook) {
      this.store.settleWebhook("not_configured");
      return;
    }
    const attemptedAt = Date.now();
    let result: DeliveryResult;
    try {
      result = await deliverWebhook(webhook.url, await openWebhookSecret(this.env, call.tenant, webhook.secret), message);
    } catch {
      result = { delivered: false, http_status: null, error: "the webhook secret could not be opened or used; nothing was sent", duration_ms: 0 };
    }
    const nextAt = result.delivered ? null : nextWebhookAttemptAt(this.store.webhookDeliveryCount() + 1, attemptedAt);
    this.store.recordWebhookDelivery(
      {
        attempted_at: new Date(attemptedAt).toISOString(),
        duration_ms: result.duration_ms,
        http_status: result.http_status,
        error: result.error,
        next_attempt_at: nextAt === null ? null : new Date(nextAt).toISOString(),
      },
      result.delivered ? "delivered" : nextAt === null ? "failed" : "pending",
    );
  }

  /** The earliest duty: the hangup's safety net, the watched call's next evaluation, the webhook's next attempt. */
  private nextWakeAt(): number | null {
    const hangup = this.store.hangup();
    // A pending hangup with nothing in flight was left by a dead object: reconcile it now.
    const reconcile = hangup?.status === "pending" ? (this.inflight ? this.reconcileAt : Date.now()) : Infinity;
    const watched = this.store.watchedCall();
    const watch = watched ? (watchWakeAt(watched.registration) ?? Infinity) : Infinity;
    const webhook = this.store.pendingWebhook();
    const delivery = webhook ? Date.parse(webhook.due_at) : Infinity;
    const earliest = Math.min(reconcile, watch, delivery);
    return earliest === Infinity ? null : earliest;
  }

  private async scheduleNextWake(): Promise<void> {
    const at = this.nextWakeAt();
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
  }
}
