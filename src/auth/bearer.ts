/**
 * The two ways in: the operator's ADMIN_TOKEN for /admin/*, a tenant API key for /v1/*.
 * Both answer 401 problem+json with a `WWW-Authenticate` challenge and never say which part was wrong.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";
import { ProblemError } from "../http/problem";
import { getApiKeyByHash } from "../tenants/store";
import { secretsEqual } from "../bytes";
import { hashApiKey, looksLikeApiKey } from "./api-keys";
import { keyScopes } from "./scopes";

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

function unauthorized(detail: string): ProblemError {
  return new ProblemError(401, "unauthorized", detail, {}, { "www-authenticate": 'Bearer realm="hangup-gateway"' });
}

export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) {
    throw new ProblemError(503, "not_configured", "ADMIN_TOKEN is not set, so the admin API is closed.");
  }
  const token = bearerToken(c.req.header("authorization"));
  if (!token || !(await secretsEqual(token, expected))) {
    throw unauthorized("Send the admin token as `Authorization: Bearer <ADMIN_TOKEN>`.");
  }
  await next();
};

export const requireTenant: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = bearerToken(c.req.header("authorization"));
  if (!key || !looksLikeApiKey(key)) {
    throw unauthorized("Send a tenant API key as `Authorization: Bearer hgw_…`.");
  }
  const hash = await hashApiKey(key);
  const record = await getApiKeyByHash(c.env, hash);
  // One KV read, addressed by the key's hash (so a record found is the key's own; nothing left to compare):
  // it carries the tenant's disabled flag too (src/tenants/store.ts).
  if (!record || record.disabled === true) {
    throw unauthorized("The API key is not valid, has been revoked, or its tenant is disabled.");
  }
  c.set("tenant", record.tenant);
  // The key's id names the actor in the audit trail; its scopes are checked by ./scope-guard.ts.
  c.set("apiKey", { id: record.id, ...(record.name ? { name: record.name } : {}), scopes: keyScopes(record.scopes) });
  await next();
};
