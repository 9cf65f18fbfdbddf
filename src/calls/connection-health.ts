/**
 * ConnectionHealth: one Durable Object per (tenant, connection) that keeps the connection's circuit
 * breaker (src/calls/circuit-breaker.ts). Every call object of the connection asks it before sending
 * a hangup and tells it how the send went, so all of them share one strongly consistent state: the
 * failure that opens the circuit opens it for every call at once, and one probe goes out after the
 * cool-down, not one per call. KV would be cheaper but is eventually consistent (an open circuit would
 * reach other locations up to a minute late) and takes one write per second per key, less than a
 * failing provider produces. The README ("Failing providers") says why in more words.
 *
 * The breaker protects providers and hangup latency; it must never be why a hangup is lost. If this
 * object cannot be reached, the hangup is sent as if the circuit were closed.
 */
import { DurableObject } from "cloudflare:workers";
import {
  CLOSED,
  DEFAULT_BREAKER_CONFIG,
  admit,
  hangupResult,
  record,
  type Admission,
  type BreakerState,
  type HangupResult,
} from "./circuit-breaker";
import { connectionHealthObject } from "../objects";
import type { Reading } from "../providers/types";

/** Where the object keeps its breaker (tests move a cool-down forward through it). */
export const BREAKER_STORAGE_KEY = "breaker";

/** The `provider_response.code` of a hangup failed fast because the circuit is open. */
export const CIRCUIT_OPEN_CODE = "circuit_open";

export class ConnectionHealth extends DurableObject<Env> {
  admit(): Admission {
    const current = this.load();
    const { breaker, admission } = admit(current, Date.now(), DEFAULT_BREAKER_CONFIG);
    if (breaker !== current) this.ctx.storage.kv.put(BREAKER_STORAGE_KEY, breaker);
    return admission;
  }

  report(result: HangupResult): void {
    this.ctx.storage.kv.put(BREAKER_STORAGE_KEY, record(this.load(), result, Date.now(), DEFAULT_BREAKER_CONFIG));
  }

  private load(): BreakerState {
    return this.ctx.storage.kv.get<BreakerState>(BREAKER_STORAGE_KEY) ?? CLOSED;
  }
}

/** What a hangup does when the breaker cannot be asked: send, as if the circuit were closed. */
const FAIL_OPEN: Admission = { send: true, reportSuccess: false };

/** One call to the connection's health object; any failure (unbound, unreachable) gives `fallback`. */
async function askConnectionHealth<T>(
  env: Env,
  call: { tenant: string; connection: string },
  ask: (health: DurableObjectStub<ConnectionHealth>) => Promise<T>,
  fallback: T,
): Promise<T> {
  try {
    return await ask(connectionHealthObject(env, call.tenant, call.connection));
  } catch {
    console.error(JSON.stringify({ level: "error", msg: "connection health unavailable; circuit treated as closed" }));
    return fallback;
  }
}

/** May a hangup on this connection go to the provider now? (Fails open.) */
export function admitHangup(env: Env, call: { tenant: string; connection: string }): Promise<Admission> {
  return askConnectionHealth(env, call, (health) => health.admit(), FAIL_OPEN);
}

/** Tells the breaker how a sent hangup went, when that can change its state. */
export async function reportHangup(env: Env, call: { tenant: string; connection: string }, admission: Admission, reading: Reading): Promise<void> {
  const result = hangupResult(reading);
  if (result === "failure" || (admission.send && admission.reportSuccess)) {
    await askConnectionHealth(env, call, (health) => health.report(result), undefined);
  }
}
