/// <reference path="../../worker-configuration.d.ts" />
import type { AuditChange } from "../audit/entry";
import type { Scope } from "../auth/scopes";

/**
 * Hono's environment for every app and sub-app of the gateway. The bindings (`Env`) are declared by
 * `wrangler types` from wrangler.toml into worker-configuration.d.ts (`npm run types`; CI checks it is
 * current), never by hand; the reference above brings them to every program that compiles the routes,
 * the typed client's users included.
 */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    tenant: string;
    /** The tenant key that authenticated the request (src/auth/bearer.ts): its id and what it may do. */
    apiKey: { id: string; name?: string; scopes: Scope[] };
    requestId: string;
    /** What the request changed, for the audit trail (src/audit/trail.ts). */
    auditChanges: AuditChange[] | undefined;
    logFields: LogFields | undefined;
  };
}

/** What a route may add to its request's log line (./access-log.ts). */
export interface LogFields {
  connection?: string;
  policy_version?: string | null;
  /** The hangup's outcome status (terminated, already_ended, not_found, failed). */
  outcome?: string;
  /** True when the answer was replayed from the stored outcome. */
  replayed?: boolean;
}
