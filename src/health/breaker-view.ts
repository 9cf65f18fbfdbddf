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
 * - Outcomes change the view at once and reach the health object in the background, in order (one
 *   request in flight per view, carrying every outcome since the last); its answer becomes the view.
 *
 * A health object that cannot be reached, or answers too late, never stops a hangup: the view goes on
 * alone, running the same state machine on this isolate's own outcomes, so it still opens after enough
 * failures and lets at most one probe per cool-down out of this isolate.
 */
import { BoundedMap } from "../bounded-map";
import { CLOSED, admit, record, type Admission, type Admitted, type BreakerConfig, type BreakerState, type HangupResult } from "./circuit-breaker";

/** What a view asks of a connection's health object (its Durable Object stub). */
export interface HealthObject {
  /** Takes in outcomes (none: a plain refresh), in order; answers the state they leave. */
  sync(results: HangupResult[]): Promise<BreakerState>;
  admit(): Promise<Admitted>;
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
  /** Outcomes held for the health object while it does not answer; the oldest go first. */
  maxUnsent: number;
}

export const VIEW_TIMING: ViewTiming = { maxAgeMs: 1_000, refreshAfterMs: 500, askTimeoutMs: 500, maxConnections: 1_000, maxUnsent: 100 };

interface Outcome {
  result: HangupResult;
  at: number;
}

interface View {
  /** The health object's last answer, with this isolate's outcomes it has not heard yet on top. */
  breaker: BreakerState;
  /** When the ask whose answer `breaker` rests on was sent (its age runs from there). */
  askedAt: number;
  /** When the latest sync was sent, answered or not. */
  triedAt: number;
  /** At most one sync in flight per view, so that answers come back in the order outcomes were sent. */
  syncing: Promise<void> | null;
  /** Outcomes taken in here and not sent yet (they are in `breaker` already). */
  unsent: Outcome[];
}

export class BreakerViews {
  readonly #views: BoundedMap<string, View>;

  constructor(
    private readonly config: BreakerConfig,
    private readonly timing: ViewTiming,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.#views = new BoundedMap(timing.maxConnections);
  }

  /** Connections this isolate holds a view of (bounded by `maxConnections`). */
  get size(): number {
    return this.#views.size;
  }

  /** May a hangup on this connection go to the provider now? */
  async admit(key: string, health: () => HealthObject, waitUntil: WaitUntil): Promise<Admission> {
    const view = this.#view(key);
    const now = this.now();
    if (!view.syncing && now - view.askedAt >= this.timing.refreshAfterMs && now - view.triedAt >= this.timing.refreshAfterMs) {
      this.#sync(view, health, waitUntil);
    }
    // Too old to decide from: wait for the answer, but not past its timeout (later hangups do not wait at all).
    const answerDue = view.triedAt + this.timing.askTimeoutMs;
    if (view.syncing && now - view.askedAt >= this.timing.maxAgeMs && now < answerDue) await this.#until(view.syncing, answerDue);
    const local = admit(view.breaker, this.now(), this.config);
    if (local.admission.kind === "refuse" || view.breaker.state === "closed") return local.admission;

    // The cool-down is over: of all the hangups that see it, the health object lets one through.
    const sentAt = this.now();
    const decided = await this.#until(ask(health, (object) => object.admit()), sentAt + this.timing.askTimeoutMs);
    if (decided) {
      this.#apply(view, decided.breaker, sentAt);
      return decided.admission;
    }
    // Not reachable in time: this isolate sends its own probe, unless another hangup here already is.
    const alone = admit(view.breaker, this.now(), this.config);
    view.breaker = alone.breaker;
    return alone.admission;
  }

  /** Takes in how a sent hangup went: in the view at once, at the health object in the background. */
  report(key: string, admission: Admission, result: HangupResult, health: () => HealthObject, waitUntil: WaitUntil): void {
    // A success changes nothing on a connection whose view holds no failure (most hangups).
    if (result === "success" && !(admission.kind === "send" && admission.reportSuccess)) return;
    const view = this.#view(key);
    const at = this.now();
    view.breaker = record(view.breaker, result, at, this.config);
    view.unsent.push({ result, at });
    if (view.unsent.length > this.timing.maxUnsent) view.unsent.shift();
    this.#sync(view, health, waitUntil);
  }

  #view(key: string): View {
    let view = this.#views.get(key);
    if (!view) this.#views.set(key, (view = { breaker: CLOSED, askedAt: -Infinity, triedAt: -Infinity, syncing: null, unsent: [] }));
    return view;
  }

  /** Sends what the health object has not heard (maybe nothing: a refresh), unless a sync is in flight; that one sends the rest when it lands. */
  #sync(view: View, health: () => HealthObject, waitUntil: WaitUntil): void {
    if (view.syncing) return;
    const sending = view.unsent.splice(0);
    const sentAt = (view.triedAt = this.now());
    const syncing = ask(health, (object) => object.sync(sending.map((outcome) => outcome.result))).then((breaker) => {
      // Unanswered, the outcomes stay in this view only (the health object may or may not have them).
      if (breaker) this.#apply(view, breaker, sentAt);
      view.syncing = null;
      if (view.unsent.length) this.#sync(view, health, waitUntil);
    });
    view.syncing = syncing;
    waitUntil(syncing);
  }

  /** The health object's answer becomes the view, with this isolate's outcomes it has not heard yet on top. */
  #apply(view: View, breaker: BreakerState, sentAt: number): void {
    view.breaker = view.unsent.reduce((state, { result, at }) => record(state, result, at, this.config), breaker);
    view.askedAt = Math.max(view.askedAt, sentAt);
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
