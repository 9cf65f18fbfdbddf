/**
 * The audit trail's middleware (README, "Audit trail"). A handler says what it changed with `noteChange`;
 * once the handler has answered 2xx, this writes an entry per change (./write.ts) before the answer
 * leaves: who (`admin`, or `key:<key id>`), when, and the answer's X-Request-Id. An answer that is not
 * 2xx records nothing. An entry that can be neither written nor queued turns the answer into a 503, so
 * no 2xx ever goes out without its entry.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";
import { ProblemError } from "../http/problem";
import type { AuditChange, AuditEntry } from "./entry";
import { newEntryId, recordAuditEntries } from "./write";

const RETRY_AFTER_S = 5;

export function noteChange(c: Context<AppEnv>, change: AuditChange): void {
  c.set("auditChanges", [...(c.get("auditChanges") ?? []), change]);
}

export const auditTrail: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const changes = c.get("auditChanges");
  if (!changes?.length || c.res.status < 200 || c.res.status > 299) return;
  const key = c.get("apiKey") as AppEnv["Variables"]["apiKey"] | undefined;
  const at = new Date().toISOString();
  const entries = changes.map(
    ({ action, target, tenant, detail }): AuditEntry => ({
      id: newEntryId(),
      at,
      ...(tenant === undefined ? {} : { tenant }),
      actor: key ? `key:${key.id}` : "admin",
      action,
      target,
      request_id: c.get("requestId"),
      ...(detail === undefined ? {} : { detail }),
    }),
  );
  if ((await recordAuditEntries(c.env, entries)).kind === "unrecorded") {
    throw new ProblemError(
      503,
      "temporarily_unavailable",
      "The change was applied, but the audit trail could not record it, so it is not confirmed: repeat the request once the gateway's storage is back.",
      {},
      { "retry-after": String(RETRY_AFTER_S) },
    );
  }
};
