/**
 * CallObject: one Durable Object per (tenant, connection, call id). It is where "exactly once" holds.
 * A Durable Object runs one event at a time, but interleaves them at every await, so the object keeps
 * the hangup in flight in memory: the first request records "pending" and calls the provider; any
 * request arriving meanwhile awaits that same promise; any request after it reads the stored outcome.
 * If the object dies in between, the pending row is still there and the next request, or the alarm set
 * as a safety net, asks the provider again: a second hangup of an ended call is answered "already
 * ended", so nothing is ever reported terminated without the provider saying so.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { Decision } from "../policy/types";
import { DEFAULT_SEND_POLICY } from "../providers/send-hangup";
import { CallStore } from "./call-store";
import type { CallIdentity, CallOutcome, CallRecord, HangupSource } from "./model";
import { performHangup } from "./perform-hangup";

/** If a pending hangup has not finished by then, the object must have died: the alarm reconciles it. */
const RECONCILE_AFTER_MS = DEFAULT_SEND_POLICY.totalBudgetMs + 15_000;

export interface HangupCommand extends CallIdentity {
  reason: string | null;
  decision: Decision | null;
  source: HangupSource;
  /** Idempotency-Key header with the fingerprint of the request body it came with. */
  idempotency?: { key: string; fingerprint: string };
}

export type HangupResult =
  | { kind: "outcome"; outcome: CallOutcome; replayed: boolean }
  | { kind: "idempotency_mismatch" };

export class CallObject extends DurableObject<Env> {
  private readonly store: CallStore;
  private inflight: Promise<CallOutcome> | null = null;

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
    return { kind: "outcome", outcome: await this.runPendingHangup(), replayed: false };
  }

  async record(): Promise<CallRecord | null> {
    return this.store.record();
  }

  override async alarm(): Promise<void> {
    const pending = this.store.hangup();
    if (pending && pending.status === "pending" && !this.inflight) {
      this.store.addEvent("hangup.reconciling", { reason: "alarm found a pending hangup with no request in flight" }, new Date().toISOString());
      await this.runPendingHangup();
    }
  }

  /** Sends the pending hangup to the provider once and stores its outcome; callers share the promise. */
  private runPendingHangup(): Promise<CallOutcome> {
    this.inflight ??= this.sendPendingHangup().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async sendPendingHangup(): Promise<CallOutcome> {
    const identity = this.store.identity();
    const hangup = this.store.hangup();
    if (!identity || !hangup) throw new Error("no pending hangup to send");
    await this.ctx.storage.setAlarm(Date.now() + RECONCILE_AFTER_MS);

    const { reading, httpStatus } = await performHangup(
      this.env,
      identity,
      { operationId: hangup.operation_id, reason: hangup.reason },
      (attempt) => this.store.recordAttempt(attempt),
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
      attempts: this.store.attempts().length,
      requested_at: hangup.requested_at,
      completed_at: completedAt,
    };
    this.store.completeHangup(outcome);
    this.store.addEvent("hangup.completed", { status: outcome.status }, completedAt);
    await this.ctx.storage.deleteAlarm();
    return outcome;
  }
}
