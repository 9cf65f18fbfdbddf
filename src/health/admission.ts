/**
 * The circuit breaker as the hangup path sees it: two functions, one before sending and one after.
 * Each isolate decides from its own view of the connection's breaker (./breaker-view.ts); the
 * connection's health object (./connection-health.ts) is asked only when that view is stale or a
 * cool-down is over, and told of outcomes in the background (`waitUntil`).
 */
import { connectionHealthObject, objectName } from "../objects";
import type { Reading } from "../providers/types";
import { BreakerViews, VIEW_TIMING, type HealthObject, type WaitUntil } from "./breaker-view";
import { DEFAULT_BREAKER_CONFIG, hangupResult, type Admission } from "./circuit-breaker";

export type { Admission } from "./circuit-breaker";
export type { WaitUntil } from "./breaker-view";

/** The `provider_response.code` of a hangup failed fast because the circuit is open. */
export const CIRCUIT_OPEN_CODE = "circuit_open";

/** This isolate's views, one per (tenant, connection) it has hung up on lately. */
const views = new BreakerViews(DEFAULT_BREAKER_CONFIG, VIEW_TIMING);

interface OnConnection {
  tenant: string;
  connection: string;
}

/** The stub is made only when the view has something to ask. */
function healthObject(env: Env, call: OnConnection): () => HealthObject {
  return () => connectionHealthObject(env, call.tenant, call.connection);
}

/** May a hangup on this connection go to the provider now? Never throws, whatever the health object does. */
export function admitHangup(env: Env, call: OnConnection, waitUntil: WaitUntil): Promise<Admission> {
  return views.admit(objectName.connectionHealth(call.tenant, call.connection), healthObject(env, call), waitUntil);
}

/** Takes in how an admitted hangup went; what the health object must hear goes through `waitUntil`. */
export function reportHangup(env: Env, call: OnConnection, admission: Admission, reading: Reading, waitUntil: WaitUntil): void {
  views.report(objectName.connectionHealth(call.tenant, call.connection), admission, hangupResult(reading), healthObject(env, call), waitUntil);
}
