/**
 * What one isolate knows of each connection's circuit breaker, so that a hangup on a healthy connection
 * waits for no Durable Object but its own call's. The connection's health object (./connection-health.ts)
 * holds the one shared state; each isolate keeps a short-lived copy of it (a view) and decides from that:
 *
 * - Closed: send. Open (cool-down running) or a probe out: fail fast. Neither asks anyone.
 * - A view older than `refreshAfterMs` is refreshed in the background (the caller's `waitUntil`); one
 *   older than `maxAgeMs` (none yet, or the isolate was quiet) is refreshed first, waiting at most
 *   `askTimeoutMs`. So every decision rests on a state asked for at most `maxAgeMs` earlier: the failure
 *   that opens a circuit stops every isolate's hangups within that long of reaching the health object.
 * - A cool-down is over: the health object decides which hangup, of all isolates, is the one probe.
 * - Outcomes change the view at once and reach the health object in the background; its answer becomes
 *   the view.
 *
 * A health object that cannot be reached, or answers too late, never stops a hangup: the view goes on
 * alone, running the same state machine on this isolate's own outcomes, so it still opens after enough
 * failures and lets at most one probe per cool-down out of this isolate.
 */
import { CLOSED, admit, record, type Admission, type Admitted, type BreakerConfig, type BreakerState, type HangupResult } from "./circuit-breaker";

/** What a view asks of a connection's health object (its Durable Object stub). */
export interface HealthObject {
  breaker(): Promise<BreakerState>;
  admit(): Promise<Admitted>;
  report(result: HangupResult): Promise<BreakerState>;
}

/** Keeps work running after the answer (the calling Durable Object's `ctx.waitUntil`). */
export type WaitUntil = (promise: Promise<unknown>) => void;

export interface ViewTiming {
  /** A view older than this is refreshed before it decides: how late an isolate can learn of a change. */
  maxAgeMs: number;
  /** A view older than this is refreshed in the background while it keeps deciding. */
  refreshAfterMs: number;
  /** The longest a hangup waits for the health object before going on with what the view holds. */
  askTimeoutMs: number;
  /** Connections remembered per isolate; the one first remembered is forgotten first. */
  maxConnections: number;
}

export const VIEW_TIMING: ViewTiming = { maxAgeMs: 1_000, refreshAfterMs: 500, askTimeoutMs: 500, maxConnections: 1_000 };

interface View {
  breaker: BreakerState;
  /** When the ask whose answer `breaker` rests on was sent (its age runs from there). */
  askedAt: number;
  /** When the latest refresh was sent, answered or not. */
  triedAt: number;
  refreshing: Promise<void> | null;
  /** The sequence number of the latest change; an answer to an ask sent before it is not applied. */
  version: number;
}

export class BreakerViews {
  readonly #views = new Map<string, View>();
  #sequence = 0;

  constructor(
    private readonly config: BreakerConfig,
    private readonly timing: ViewTiming,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Connections this isolate holds a view of (bounded by `maxConnections`). */
  get size(): number {
    return this.#views.size;
  }

  /** May a hangup on this connection go to the provider now? */
  async admit(key: string, health: () => HealthObject, waitUntil: WaitUntil): Promise<Admission> {
    const view = this.#view(key);
    const now = this.now();
    if (!view.refreshing && now - view.askedAt >= this.timing.refreshAfterMs && now - view.triedAt >= this.timing.refreshAfterMs) {
      this.#refresh(view, health, waitUntil);
    }
    // Too old to decide from: wait for the refresh, but not past its timeout (later hangups do not wait at all).
    const waitUntilAt = view.triedAt + this.timing.askTimeoutMs;
    if (view.refreshing && now - view.askedAt >= this.timing.maxAgeMs && now < waitUntilAt) await this.#until(view.refreshing, waitUntilAt);
    const local = admit(view.breaker, this.now(), this.config);
    if (!local.admission.send || view.breaker.state === "closed") return local.admission;

    // The cool-down is over: of all the hangups that see it, the health object lets one through.
    const sentAt = this.now();
    const sequence = ++this.#sequence;
    const decided = await this.#until(ask(health, (object) => object.admit()), sentAt + this.timing.askTimeoutMs);
    if (decided) {
      this.#apply(view, decided.breaker, sentAt, sequence);
      return decided.admission;
    }
    // Not reachable in time: this isolate sends its own probe, unless another hangup here already is.
    const alone = admit(view.breaker, this.now(), this.config);
    if (alone.breaker !== view.breaker) this.#change(view, alone.breaker);
    return alone.admission;
  }

  /** Takes in how a sent hangup went: in the view at once, at the health object in the background. */
  report(key: string, admission: Admission, result: HangupResult, health: () => HealthObject, waitUntil: WaitUntil): void {
    // A success changes nothing on a connection whose view holds no failure (most hangups).
    if (result === "success" && !(admission.send && admission.reportSuccess)) return;
    const view = this.#view(key);
    this.#change(view, record(view.breaker, result, this.now(), this.config));
    const sentAt = this.now();
    const sequence = ++this.#sequence;
    waitUntil(ask(health, (object) => object.report(result)).then((breaker) => breaker && this.#apply(view, breaker, sentAt, sequence)));
  }

  #view(key: string): View {
    let view = this.#views.get(key);
    if (!view) {
      if (this.#views.size >= this.timing.maxConnections) this.#views.delete(this.#views.keys().next().value!);
      view = { breaker: CLOSED, askedAt: -Infinity, triedAt: -Infinity, refreshing: null, version: 0 };
      this.#views.set(key, view);
    }
    return view;
  }

  #refresh(view: View, health: () => HealthObject, waitUntil: WaitUntil): void {
    const sentAt = (view.triedAt = this.now());
    const sequence = ++this.#sequence;
    const refreshing = ask(health, (object) => object.breaker()).then((breaker) => {
      if (breaker) this.#apply(view, breaker, sentAt, sequence);
      view.refreshing = null;
    });
    view.refreshing = refreshing;
    waitUntil(refreshing);
  }

  /** The health object's answer becomes the view, unless the view changed after the ask was sent. */
  #apply(view: View, breaker: BreakerState, sentAt: number, sequence: number): void {
    if (sequence < view.version) return;
    view.breaker = breaker;
    view.version = sequence;
    view.askedAt = Math.max(view.askedAt, sentAt);
  }

  #change(view: View, breaker: BreakerState): void {
    view.breaker = breaker;
    view.version = ++this.#sequence;
  }

  /** The promise's value, or undefined once `deadline` has passed. */
  async #until<T>(promise: Promise<T>, deadline: number): Promise<T | undefined> {
    let cancel = () => {};
    const late = new Promise<undefined>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - this.now()));
      cancel = () => clearTimeout(timer);
    });
    try {
      return await Promise.race([promise, late]);
    } finally {
      cancel();
    }
  }
}

/** One request to the health object; undefined if it cannot be reached (never throws). */
async function ask<T>(health: () => HealthObject, request: (object: HealthObject) => Promise<T>): Promise<T | undefined> {
  try {
    return await request(health());
  } catch {
    console.error(JSON.stringify({ level: "error", msg: "connection health unavailable; this isolate's view of the circuit decides alone" }));
    return undefined;
  }
}
