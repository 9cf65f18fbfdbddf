/**
 * One structured line per request, for `wrangler tail` and Workers Logs, and one Analytics Engine data
 * point when a `METRICS` dataset is bound. Only identifiers, the route pattern, the status and the
 * timing are written: never a header, a body, a key or a credential, so the logs can go anywhere.
 *
 * Routes add what only they know (the connection, the policy version, the outcome) with `addLogFields`.
 */
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { METHOD_NAME_ALL } from "hono/router";
import type { AppEnv, LogFields } from "./app-env";

/** An optional binding (README, "Logs and metrics"): not in wrangler.toml, so not in the generated `Env`. */
export interface MetricsBinding {
  METRICS?: AnalyticsEngineDataset;
}

export function addLogFields(c: Context<AppEnv>, fields: LogFields): void {
  c.set("logFields", { ...c.get("logFields"), ...fields });
}

/**
 * The pattern of the route that answered or would have answered (`/v1/calls/:call_id/hangup`), so lines
 * group by route whatever the ids; null when nothing matched. Middleware is registered for every method,
 * so the handler is the last match with a method of its own.
 */
function routePattern(c: Context): string | null {
  return matchedRoutes(c).findLast((route) => route.method !== METHOD_NAME_ALL)?.path ?? null;
}

export const accessLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  // The Workers clock advances only across I/O, so this is the time spent waiting on KV, objects and providers.
  const started = Date.now();
  await next();
  const latencyMs = Date.now() - started;
  const route = routePattern(c);
  const fields = c.get("logFields") ?? {};
  // `tenant` is set only once a tenant key was accepted; JSON.stringify drops it (and any field) when undefined.
  const tenant: string | undefined = c.get("tenant");

  console.log(
    JSON.stringify({
      level: "info",
      msg: "request",
      request_id: c.get("requestId"),
      method: c.req.method,
      route,
      status: c.res.status,
      latency_ms: latencyMs,
      tenant,
      ...fields,
    }),
  );

  // Analytics Engine: blobs and doubles are positional; the README lists them in this order.
  (c.env as MetricsBinding).METRICS?.writeDataPoint({
    indexes: [tenant ?? ""],
    blobs: [route ?? "", c.req.method, tenant ?? "", fields.connection ?? "", fields.outcome ?? "", fields.policy_version ?? ""],
    doubles: [c.res.status, latencyMs],
  });
};
