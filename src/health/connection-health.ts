/**
 * ConnectionHealth: one Durable Object per (tenant, connection) holding the connection's circuit breaker
 * (./circuit-breaker.ts), the one strongly consistent copy that every isolate's view (./breaker-view.ts)
 * is refreshed from and reports to. KV would be cheaper but is eventually consistent (an open circuit
 * would reach other locations up to a minute late) and takes one write per second per key, less than a
 * failing provider produces. A hangup does not wait for this object while its isolate's view is fresh:
 * the README ("Failing providers") says when it does.
 */
import { DurableObject } from "cloudflare:workers";
import { CLOSED, DEFAULT_BREAKER_CONFIG, admit, record, type Admitted, type BreakerState, type HangupResult } from "./circuit-breaker";

/** Where the object keeps its breaker (tests move a cool-down forward through it). */
export const BREAKER_STORAGE_KEY = "breaker";

export class ConnectionHealth extends DurableObject<Env> {
  /** Decides who sends the probe once a cool-down is over (the first to ask); answers the state it leaves too. */
  admit(): Admitted {
    const current = this.load();
    const { breaker, admission } = admit(current, Date.now(), DEFAULT_BREAKER_CONFIG);
    if (breaker !== current) this.ctx.storage.kv.put(BREAKER_STORAGE_KEY, breaker);
    return { admission, breaker };
  }

  /** Takes in an isolate's outcomes since its last sync, in order (none: it only asks); answers the state. */
  sync(results: HangupResult[]): BreakerState {
    const now = Date.now();
    const breaker = results.reduce((state, result) => record(state, result, now, DEFAULT_BREAKER_CONFIG), this.load());
    if (results.length) this.ctx.storage.kv.put(BREAKER_STORAGE_KEY, breaker);
    return breaker;
  }

  private load(): BreakerState {
    return this.ctx.storage.kv.get<BreakerState>(BREAKER_STORAGE_KEY) ?? CLOSED;
  }
}
