/**
 * The exactly-once round. A Durable Object runs one event at a time but interleaves them at every await,
 * so the round in flight is kept as a promise: the first request stores it as pending (with its lease) and
 * calls the provider; requests arriving meanwhile await that same promise; requests after it read the
 * stored outcome, or, after a failed round, start the next one. If the object dies mid-round, the pending
 * round is on disk and the next request, or the round duty at its lease, sends it again with the same
 * operation id. A finished round is folded into the call by the duties' `settle` in the outcome's write.
 */
import { loadActivePolicy } from "../policy/active";
import { evaluate } from "../policy/evaluate";
import type { ConnectionRecord } from "../tenants/store";
import type { HangupOutcome } from "../vocabulary";
import type { Duty } from "./duties/duty";
import { dispatchHangup } from "./dispatch";
import { watchEvent } from "./judge";
import { completeRound, findKey, recordAttempt, rememberKey, resumeRound, roundOutcome, startRound } from "./rounds";
import type { CallStore } from "./call-store";
import type { HangupAnswer, HangupCommand } from "./rpc";
import { finalRound, identityOf, isOver, latestRound, newStoredCall, pendingRound, type StoredCall } from "./stored-call";
import { learnOutcome } from "./story";
import { tenantFacts } from "./tenant-facts";

/** What the round needs of the object that keeps it. */
export interface RoundHost {
  readonly env: Env;
  readonly store: CallStore;
  readonly duties: readonly Duty[];
  save(next: StoredCall): StoredCall;
  /** Keeps the object alive for work that follows an answer (the breaker hears the outcome in the background). */
  waitUntil(promise: Promise<unknown>): void;
  /** The duties follow a change: the index hears of it, the alarm is set for what is due. */
  afterChange(): Promise<void>;
}

const replay = (outcome: HangupOutcome): HangupAnswer => ({ kind: "outcome", outcome, replayed: true });

/**
 * A call that is over sends nothing more, whoever asks, but an explicit API request (the operator asked
 * for it: README, "Exactly once"). A final outcome is replayed to the API and the policy, and to the bulk
 * job whose round produced it; any other bulk job hears that the call ended without it.
 */
function answerWithoutSending(call: StoredCall, command: HangupCommand): HangupAnswer | null {
  const final = finalRound(call);
  if (final?.outcome) {
    const othersOutcome = command.bulk_job !== undefined && final.bulk_job !== command.bulk_job;
    return othersOutcome ? { kind: "ended" } : replay(final.outcome);
  }
  return isOver(call) && command.source !== "api" ? { kind: "ended" } : null;
}

export class RoundRunner {
  private inflight: Promise<HangupOutcome> | null = null;

  constructor(private readonly host: RoundHost) {}

  async request(command: HangupCommand): Promise<HangupAnswer> {
    // Read before anything else, so that what follows runs without an await up to the round's first write.
    const protection = command.bulk_job !== undefined ? await loadActivePolicy(this.host.env) : null;
    const now = Date.now();
    let call = this.host.store.current();
    const key = command.idempotency;
    if (call && key) {
      const seen = findKey(call, key.key);
      if (seen && seen.fingerprint !== key.fingerprint) return { kind: "idempotency_mismatch" };
      const answered = seen && roundOutcome(call, seen.round);
      if (answered) return replay(answered);
    }
    const early = call && answerWithoutSending(call, command);
    if (early) return early;

    const pending = call && pendingRound(call);
    if (call && pending) {
      const keyed = key ? rememberKey(call, key, pending.n) : call;
      if (keyed !== call) call = this.host.save(keyed);
      if (this.inflight) return replay(await this.inflight);
      // Left by an object that died mid-round: the same operation again, so the provider can tell.
      this.host.save(resumeRound(call, "a pending round was found with no request in flight", now));
      return { kind: "outcome", outcome: await this.run(command.connection_record), replayed: false };
    }

    // A bulk job selected this call from the index, which may be behind the call (a flag or a policy
    // published since): the call's own details under the policy in force now decide whether it is spared.
    if (protection && call?.registered) {
      const decision = evaluate(protection, watchEvent(call, now));
      if (decision.protected) return { kind: "protected", decision };
    }

    call = startRound(call ?? newStoredCall(command, new Date(now).toISOString()), command, crypto.randomUUID(), now);
    if (key) call = rememberKey(call, key, latestRound(call)!.n);
    this.host.save(call);
    return { kind: "outcome", outcome: await this.run(command.connection_record), replayed: false };
  }

  /** The round duty: the pending round again (its sender died), or the one in flight awaited. */
  async resume(): Promise<void> {
    if (this.inflight) return void (await this.inflight.catch(() => undefined));
    const call = this.host.store.current();
    if (!call || !pendingRound(call)) return;
    this.host.save(resumeRound(call, "the alarm found a pending round with no request in flight", Date.now()));
    await this.run();
  }

  /** Runs the pending round once; every caller meanwhile shares its promise. */
  private run(connection?: ConnectionRecord): Promise<HangupOutcome> {
    this.inflight ??= this.send(connection).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async send(connection?: ConnectionRecord): Promise<HangupOutcome> {
    const { env, store } = this.host;
    const call = store.get();
    const round = pendingRound(call)!;
    // The safety net before the provider hears of it: the alarm is set for the lease (or the pending report).
    await this.host.afterChange();
    // Whether the tenant wants webhooks is read while the provider works, not after.
    const facts = tenantFacts(env, call.tenant);
    const sent = await dispatchHangup(
      env,
      identityOf(call),
      { operationId: round.operation_id, reason: round.reason },
      (attempt) => this.host.save(recordAttempt(store.get(), attempt)),
      connection,
      (promise) => this.host.waitUntil(promise),
    );
    const now = Date.now();
    const settling = { now, sent, facts: await facts };
    let { call: completed, outcome } = completeRound(store.get(), sent, now);
    completed = learnOutcome(completed, outcome, settling.facts);
    for (const duty of this.host.duties) if (duty.settle) completed = duty.settle(completed, outcome, settling);
    this.host.save(completed);
    await this.host.afterChange();
    return outcome;
  }
}
