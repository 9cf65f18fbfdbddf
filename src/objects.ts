/**
 * Every Durable Object the gateway addresses, and the one place each one's name is built. Tenant and
 * connection ids cannot contain "/", so every name is unambiguous whatever a call id or job id holds.
 */

export const objectName = {
  /** One object per (tenant, connection, call id): the exactly-once hangup and the call's record. */
  call: (tenant: string, connection: string, callId: string) => `${tenant}/${connection}/${callId}`,
  /** One object per (tenant, connection): its provider's circuit breaker. */
  connectionHealth: (tenant: string, connection: string) => `${tenant}/${connection}`,
  /** One object per bulk hangup job; the tenant in the name keeps every other tenant out. */
  bulkJob: (tenant: string, jobId: string) => `${tenant}/${jobId}`,
  /** One object per (tenant, connection, kind of request): how fast the gateway asks the connection's provider. */
  providerPace: (tenant: string, connection: string, requests: "hangups" | "status-reads") => `${tenant}/${connection}/${requests}`,
  /**
   * One object per policy counter: a rule's count (kind "concurrency" or "velocity") for one key such as
   * "connection:acme/main" (src/policy/counters.ts). Rule ids hold no "/", so the first two parts are exact.
   */
  policyCounter: (counter: { kind: string; rule: string; key: string }) => `${counter.kind}/${counter.rule}/${counter.key}`,
} as const;

export function callObject(env: Env, tenant: string, connection: string, callId: string) {
  return env.CALLS.get(env.CALLS.idFromName(objectName.call(tenant, connection, callId)));
}

export function connectionHealthObject(env: Env, tenant: string, connection: string) {
  return env.CONNECTION_HEALTH.get(env.CONNECTION_HEALTH.idFromName(objectName.connectionHealth(tenant, connection)));
}

export function bulkJobObject(env: Env, tenant: string, jobId: string) {
  return env.BULK_HANGUPS.get(env.BULK_HANGUPS.idFromName(objectName.bulkJob(tenant, jobId)));
}

export function policyCounterObject(env: Env, counter: { kind: string; rule: string; key: string }) {
  return env.POLICY_COUNTERS.get(env.POLICY_COUNTERS.idFromName(objectName.policyCounter(counter)));
}

export function providerPaceObject(env: Env, tenant: string, connection: string, requests: "hangups" | "status-reads") {
  return env.PROVIDER_PACE.get(env.PROVIDER_PACE.idFromName(objectName.providerPace(tenant, connection, requests)));
}
