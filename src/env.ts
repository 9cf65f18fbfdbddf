/**
 * The Worker's bindings. Secrets are optional on purpose: a missing secret is answered with 503 by the
 * routes that need it, never by a crash.
 */
import type { CallIndexReport } from "./call-index/report";
import type { CallObject } from "./calls/call-object";
import type { ConnectionHealth } from "./calls/connection-health";
import type { LogFields } from "./http/access-log";

export interface Env {
  GATEWAY_KV: KVNamespace;
  CALLS: DurableObjectNamespace<CallObject>;
  /** One object per (tenant, connection): its provider's circuit breaker (README, "Failing providers"). */
  CONNECTION_HEALTH: DurableObjectNamespace<ConnectionHealth>;
  /** Every change of a call, on its way to the tenant's call index (src/call-index/). */
  CALL_INDEX: Queue<CallIndexReport>;
  /** Requests per minute per tenant on /v1/* (README, "Limits and abuse"); absent: no limit. */
  TENANT_RATE_LIMITER?: RateLimit;
  /** Bearer token for /admin/*. */
  ADMIN_TOKEN?: string;
  /** base64 of 32 random bytes: the AES-256-GCM key for provider credentials at rest. */
  CREDENTIALS_KEY?: string;
  /** Optional Workers Analytics Engine dataset: one data point per request when bound (README, "Logs and metrics"). */
  METRICS?: AnalyticsEngineDataset;
  /** Days a settled call's record is kept after its last change (default 30). */
  CALL_RETENTION_DAYS?: string;
  /**
   * The gateway's public origin as providers call it (`https://hangup.example.com`), when a proxy stands in
   * front of it: callback signatures are then checked against it plus the request's path and query.
   */
  PUBLIC_URL?: string;
  /** Tests only: the fake provider server on 127.0.0.1. */
  FAKE_PROVIDER_URL?: string;
}

/** Hono's environment for every app and sub-app of the gateway. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    tenant: string;
    requestId: string;
    /** What a route adds to its request's log line (src/http/access-log.ts). */
    logFields: LogFields | undefined;
  };
}
