/**
 * CallObject: one Durable Object per (tenant, connection, call id), where "at most once, and until it is
 * done" holds. It is a small kernel: its RPC methods store what they are told (./news.ts) or start a round
 * (./round-runner.ts), and its one alarm runs the duties (./duties/) that are due. Every clock a duty is
 * due by is stored with the call, so what is due is a function of the stored document alone, whichever
 * instance reads it. docs/call-object.md draws the whole shape.
 */
import { DurableObject } from "cloudflare:workers";
import { readConfig, type Config } from "../config";
import { afterAlarmRun, earliestDue, nextAlarmAt } from "./alarm";
import { AlarmSetter } from "./alarm-setter";
import { CallStore } from "./call-store";
import type { Duty, DutyContext } from "./duties/duty";
import { DUTIES, watchDuty } from "./duties/registry";
import { appendEvent } from "./events";
import { addFlags, endBySignal, hearEvent, register } from "./news";
import { toRecord } from "./record";
import { RoundRunner } from "./round-runner";
import type { HangupAnswer, HangupCommand, ProviderEventAnswer, ProviderEventCommand, RegisterAnswer, RegisterCommand, SignalAnswer, SignalCommand } from "./rpc";
import type { CallRecord } from "./schemas";
import { identityOf, watchedRegistration, type StoredCall } from "./stored-call";
import { tenantFacts } from "./tenant-facts";
import { ROUND_LEASE_MS } from "./timings";

export class CallObject extends DurableObject<Env> {
  private readonly store: CallStore;
  private readonly config: Config;
  private readonly rounds: RoundRunner;
  /** One run of each duty at a time: a second waits for the first, then looks again. */
  private readonly running = new Map<string, Promise<void>>();
  private readonly alarmSetter: AlarmSetter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new CallStore(ctx.storage.sql);
    this.config = readConfig(env);
    const host = { env, store: this.store, duties: DUTIES, save: (next: StoredCall) => this.save(next), afterChange: () => this.afterChange() };
    this.rounds = new RoundRunner({ ...host, waitUntil: (promise) => ctx.waitUntil(promise) });
    this.alarmSetter = new AlarmSetter(ctx.storage, this.store.current() ? undefined : null);
  }

  // ── RPC ─────────────────────────────────────────────────────────────────────────────────────────

  hangup(command: HangupCommand): Promise<HangupAnswer> {
    return this.rounds.request(command);
  }

  /** For the policy's counters' audit: is this call still registered and live (watched)? */
  isLive(): boolean {
    const call = this.store.current();
    return call !== null && watchedRegistration(call) !== null;
  }

  record(): CallRecord | null {
    const call = this.store.current();
    return call && toRecord(call, this.config.retentionMs);
  }

  /** Registers the call for automatic termination and acts on the route's decision at once. */
  async register(command: RegisterCommand): Promise<RegisterAnswer> {
    const facts = await tenantFacts(this.env, command.tenant);
    const registering = register(this.store.current(), command, facts, Date.now());
    if (registering.kind === "conflict") return registering;
    if (registering.kind === "flags") {
      const signalled = await this.signal({ flags: registering.flags, ended: false });
      return signalled.kind === "signalled" ? { kind: "replayed", record: signalled.record } : { kind: "conflict", detail: "A call carries at most 100 flags; nothing was added." };
    }
    if (registering.kind === "replay") return { kind: "replayed", record: this.currentRecord() };
    this.save(registering.call);
    // The watch judges the call at once, with the counts its counters answer, and hangs it up if told to.
    await this.runDuty(watchDuty, true);
    await this.afterChange();
    return { kind: "registered", record: this.currentRecord() };
  }

  /** Adds fraud flags and judges the call at once, or marks it ended (nothing is sent). */
  async signal(command: SignalCommand): Promise<SignalAnswer> {
    const facts = command.ended ? await tenantFacts(this.env, this.store.current()?.tenant ?? "") : null;
    const call = this.store.current();
    if (!call) return { kind: "unknown" };
    const now = Date.now();
    const flagging = addFlags(call, command.flags, now);
    if (flagging.kind === "too_many_flags") return flagging;
    if (flagging.added.length) this.save(flagging.call);
    if (facts) this.saveIfChanged(endBySignal(this.store.get(), facts, now));
    else await this.runDuty(watchDuty, flagging.added.length > 0);
    await this.afterChange();
    return { kind: "signalled", record: this.currentRecord() };
  }

  /** A provider's event, stored before this answers; what it sets off follows without holding the callback back. */
  async providerEvent(command: ProviderEventCommand): Promise<ProviderEventAnswer> {
    const facts = await tenantFacts(this.env, command.tenant);
    const hearing = hearEvent(this.store.current(), command, facts, Date.now());
    if (hearing.kind === "unknown") return hearing;
    this.save(hearing.call);
    // With its safety alarm set first; the index report and the watch's judgement (a policy hangup of a call
    // just registered) follow, and a lost one is the alarm's.
    const inline = await this.armForInline();
    const followUp = this.finishChange(inline).then(() => this.runDuty(watchDuty, hearing.kind === "registered"));
    this.ctx.waitUntil(followUp.catch(() => undefined));
    return { kind: hearing.kind };
  }

  /**
   * Alarms are at least once and may ring early (a retried alarm, a test running it), so each duty checks
   * the stored call; everything due by the earliest due time runs (retention only once really due). A duty
   * that throws is recorded and the alarm backs off; the others still run.
   */
  override async alarm(): Promise<void> {
    this.alarmSetter.cleared();
    const start = this.store.current();
    if (!start) return;
    const now = Date.now();
    const dueBy = Math.max(now, earliestDue(start, DUTIES.filter((duty) => !duty.onlyWhenDue), now, this.config) ?? now);
    const failed: string[] = [];
    for (const duty of DUTIES) {
      const call = this.store.current();
      if (!call) return; // retention deleted the call
      try {
        const at = duty.dueAt(call, now, this.config);
        if (at !== null && at <= (duty.onlyWhenDue ? now : dueBy)) await this.runDuty(duty, false);
      } catch {
        failed.push(duty.name);
      }
    }
    const call = this.store.current();
    if (!call) return;
    const after = afterAlarmRun(call, failed, Date.now());
    if (failed.length) this.save(appendEvent(after, { at: new Date().toISOString(), type: "alarm.failed", data: { duties: failed, retry_at: after.alarm.backoff_until } }));
    else this.saveIfChanged(after);
    await this.afterChange();
  }

  // ── the kernel ──────────────────────────────────────────────────────────────────────────────────

  private save(next: StoredCall): StoredCall {
    return this.store.save(next, Date.now());
  }

  private saveIfChanged(next: StoredCall): void {
    if (next !== this.store.current()) this.save(next);
  }

  private currentRecord(): CallRecord {
    return toRecord(this.store.get(), this.config.retentionMs);
  }

  private context(news: boolean): DutyContext {
    return {
      env: this.env,
      config: this.config,
      news,
      waitUntil: (promise) => this.ctx.waitUntil(promise),
      call: () => this.store.get(),
      save: (next) => this.save(next),
      remember: (next) => this.store.remember(next),
      hangUp: (request) => this.rounds.request({ ...identityOf(this.store.get()), ...request }),
      resumeRound: () => this.rounds.resume(),
      deleteAll: async () => {
        await this.ctx.storage.deleteAll();
        this.store.forget();
        this.alarmSetter.cleared();
      },
    };
  }

  private runDuty(duty: Duty, news: boolean): Promise<void> {
    const previous = this.running.get(duty.name) ?? Promise.resolve();
    const run = previous.then(() => (this.store.current() ? duty.run(this.context(news)) : undefined));
    // The caller handles the run's failure; the chain the next run waits on never rejects.
    const tracked = run.catch(() => undefined).finally(() => {
      if (this.running.get(duty.name) === tracked) this.running.delete(duty.name);
    });
    this.running.set(duty.name, tracked);
    return run;
  }

  /** After a change: the duties that follow every change, if due (the index report); then the next alarm. */
  private async afterChange(): Promise<void> {
    await this.finishChange(await this.armForInline());
  }

  /** Those duties, with an alarm set first should this instance die before they finish. */
  private async armForInline(): Promise<Duty[]> {
    const call = this.store.current();
    if (!call) return [];
    const now = Date.now();
    const inline = DUTIES.filter((duty) => duty.afterChange && (duty.dueAt(call, now, this.config) ?? Infinity) <= now);
    if (inline.length) await this.alarmSetter.ringBy(now + ROUND_LEASE_MS);
    return inline;
  }

  private async finishChange(inline: Duty[]): Promise<void> {
    for (const duty of inline) await this.runDuty(duty, false);
    const after = this.store.current();
    await this.alarmSetter.set(after ? nextAlarmAt(after, DUTIES, Date.now(), this.config) : null);
  }
}
