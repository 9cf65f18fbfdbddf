/**
 * PolicyCounter: one Durable Object per counter — one rule's count for one key (README.md here says
 * why). Calls take and free places through ./client.ts; its alarm checks old entries against their
 * call objects, so a place taken by a call that never got registered (a crash between the two) or
 * never freed comes back, and drops registrations that have left a velocity window.
 */
import { DurableObject } from "cloudflare:workers";
import { callObject } from "../objects";
import { CounterStore, holderId, type CounterSpec, type Holder } from "./counter-store";

/** A new entry is first checked after this: far longer than a registration takes, acquire to record. */
export const AUDIT_GRACE_MS = 2 * 60_000;
/** A live call's entry is checked again this often: the backstop for a release that never came. */
export const REAUDIT_MS = 30 * 60_000;
/** A call object that could not be asked is asked again after this. */
export const AUDIT_RETRY_MS = 60_000;
/** Calls asked in one alarm; more due ones wait for the next, set at once. */
const AUDIT_BATCH = 100;

const SPEC_KEY = "spec";

export class PolicyCounter extends DurableObject<Env> {
  private readonly store: CounterStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new CounterStore(ctx.storage.sql);
  }

  /** Takes the call's place (idempotent) and answers its count. */
  async acquire(holder: Holder, spec: CounterSpec): Promise<number> {
    const now = Date.now();
    this.ctx.storage.kv.put(SPEC_KEY, spec);
    const auditAt = now + Math.max(AUDIT_GRACE_MS, spec.kind === "velocity" ? (spec.window_ms ?? 0) : 0);
    const count = this.store.acquire(holder, spec, now, auditAt);
    await this.armAlarm(spec);
    return count;
  }

  /** Frees the call's place (idempotent). */
  async release(holder: Holder, spec: CounterSpec): Promise<void> {
    this.store.release(holderId(holder), spec, Date.now());
    await this.armAlarm(spec);
  }

  /** The count the call (or, without one, a new call) would see; changes nothing. */
  peek(holder: Holder | null, spec: CounterSpec): number {
    return this.store.peek(holder ? holderId(holder) : null, spec, Date.now());
  }

  override async alarm(): Promise<void> {
    const spec = this.ctx.storage.kv.get<CounterSpec>(SPEC_KEY);
    if (!spec) return;
    const now = Date.now();
    const due = this.store.due(now, AUDIT_BATCH);
    const answers = await Promise.allSettled(due.map((entry) => this.isLive(entry)));
    answers.forEach((answer, i) => {
      const entry = due[i]!;
      if (answer.status === "rejected") {
        console.error(JSON.stringify({ level: "error", msg: "policy counter: call object not reachable for its audit", holder: entry.holder }));
        this.store.checkAgainAt(entry.holder, now + AUDIT_RETRY_MS);
      } else if (answer.value) this.store.checkAgainAt(entry.holder, now + REAUDIT_MS);
      else this.store.release(entry.holder, spec, now);
    });
    this.store.prune(spec, now);
    await this.armAlarm(spec, due.length === AUDIT_BATCH ? now : undefined);
  }

  /** Is the call that holds this entry still live? Its own object knows (the audit's one question). */
  protected isLive(holder: Holder): Promise<boolean> {
    return callObject(this.env, holder.tenant, holder.connection, holder.call_id).isLive();
  }

  /**
   * The alarm at the counter's next work (or `at`, sooner). An alarm is never deleted: one that finds
   * nothing to do costs one wake-up, while deleting could race an acquire that needs it.
   */
  private async armAlarm(spec: CounterSpec, at?: number): Promise<void> {
    const next = at ?? this.store.nextWork(spec);
    if (next === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
  }
}
