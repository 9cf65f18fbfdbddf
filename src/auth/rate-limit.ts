/**
 * A per-tenant request limit on /v1/*, after authentication: the count belongs to the tenant the key
 * names, so one tenant's flood never spends another's allowance and a stranger without a key cannot spend
 * anyone's. The counting is the Workers Rate Limiting binding (`[[ratelimits]]` in wrangler.toml, which
 * holds the limit): cheap, local to each Cloudflare location, and meant to stop abuse rather than to
 * meter exactly. Over the limit: 429 `rate_limited` with Retry-After.
 *
 * A limiter that is not bound or fails lets the request through: it guards against abuse, and must not
 * be the reason a legitimate hangup is refused.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";
import { ProblemError } from "../http/problem";

/** The binding's period. It does not say when its window ends, so a client is told the longest wait. */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

async function withinLimit(limiter: RateLimit, tenant: string): Promise<boolean> {
  try {
    return (await limiter.limit({ key: tenant })).success;
  } catch {
    console.error(JSON.stringify({ level: "error", msg: "rate limiter unavailable; request let through", tenant }));
    return true;
  }
}

export const limitTenantRate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const limiter = c.env.TENANT_RATE_LIMITER;
  const tenant = c.get("tenant");
  if (limiter && !(await withinLimit(limiter, tenant))) {
    throw new ProblemError(
      429,
      "rate_limited",
      `Tenant "${tenant}" sent more requests this minute than its limit allows; retry after ${RATE_LIMIT_PERIOD_SECONDS} s.`,
      {},
      { "retry-after": String(RATE_LIMIT_PERIOD_SECONDS) },
    );
  }
  await next();
};
