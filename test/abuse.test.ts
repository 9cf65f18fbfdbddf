/**
 * Abuse: a tenant that floods /v1/* is answered 429 `rate_limited` with Retry-After, while other
 * tenants and the unauthenticated service routes go on; the limiter failing never blocks a request;
 * every answer carries the security headers; keys carry the prefix secret scanners look for.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { API_KEY_PREFIX } from "../src/auth/api-keys";
import { RATE_LIMIT_PERIOD_SECONDS, limitTenantRate } from "../src/auth/rate-limit";
import type { AppEnv } from "../src/http/app-env";
import { handleError } from "../src/http/problem";
import { asTenantDirect, fetchGateway } from "./gateway-fetch";
import { asTenant, createConnection, createTenant, expectProblem, send } from "./helpers";

/** Far above any limit a deployment would set: the flood stops at the first 429 well before this. */
const MAX_FLOOD_REQUESTS = 5_000;
const FLOOD_BATCH = 50;

let flooder = "";
let bystander = "";

beforeAll(async () => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  ({ key: flooder } = await createTenant("flooder"));
  ({ key: bystander } = await createTenant("bystander"));
  await createConnection("bystander", "sandbox", "sandbox");
});

/** A cheap authenticated request: a route that does not exist, answered after auth and the limiter. */
function probe(key: string): Promise<Response> {
  return asTenantDirect(key, "GET", "/v1/rate-limit-probe");
}

describe("per-tenant rate limit", () => {
  it("floods end in 429 rate_limited with Retry-After, for that tenant only", async () => {
    expect(env.TENANT_RATE_LIMITER, "the [[ratelimits]] binding of wrangler.toml").toBeDefined();
    let limited: Response | undefined;
    for (let sent = 0; !limited && sent < MAX_FLOOD_REQUESTS; sent += FLOOD_BATCH) {
      const answers = await Promise.all(Array.from({ length: FLOOD_BATCH }, () => probe(flooder)));
      limited = answers.find((r) => r.status === 429);
      await Promise.all(answers.filter((r) => r !== limited).map((r) => r.arrayBuffer()));
    }
    expect(limited, `no 429 within ${MAX_FLOOD_REQUESTS} requests`).toBeDefined();
    const problem = await expectProblem(limited!, 429, "rate_limited");
    expect(problem.detail).toContain("flooder");
    expect(limited!.headers.get("retry-after")).toBe(String(RATE_LIMIT_PERIOD_SECONDS));

    // The flooder stays limited; a request without a valid key is refused for that (authentication comes
    // first); another tenant, and the unauthenticated routes, do not notice.
    await expectProblem(await probe(flooder), 429, "rate_limited");
    await expectProblem(await probe("hgw_not-a-real-key"), 401, "unauthorized");
    expect((await asTenantDirect(bystander, "POST", "/v1/calls/after-the-flood/hangup", { connection: "sandbox" })).status).toBe(200);
    expect((await fetchGateway("/healthz")).status).toBe(200);
  });

  it("asks the limiter with the authenticated tenant as key", async () => {
    const limiter = { limit: vi.fn(async () => ({ success: false })) };
    await expectProblem(await behindLimiter(limiter), 429, "rate_limited");
    expect(limiter.limit).toHaveBeenCalledWith({ key: "acme" });
  });

  it("lets the request through when the limiter fails", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const failing = { limit: async () => Promise.reject(new Error("limiter down")) };
    expect((await behindLimiter(failing)).status).toBe(200);
  });
});

/** One request through the limiter alone, as tenant "acme", with the given binding. */
function behindLimiter(limiter: Pick<RateLimit, "limit">): Promise<Response> {
  const app = new Hono<AppEnv>()
    .use("*", async (c, next) => {
      c.set("tenant", "acme");
      await next();
    })
    .use("*", limitTenantRate)
    .get("/", (c) => c.text("ok"))
    .onError(handleError);
  return Promise.resolve(app.request("/", {}, { TENANT_RATE_LIMITER: limiter }));
}

describe("security headers", () => {
  const EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    "strict-transport-security": expect.stringContaining("max-age="),
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
  };

  // The pages (/docs, /console) are static assets with their own headers: test/docs.test.ts.
  it("are on successes and errors of every kind", async () => {
    const answers = [
      await send("/healthz"),
      await send("/no-such-route"),
      await send("/v1/calls/x?connection=y"),
      await send("/admin/policies", { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" }),
      await asTenant(bystander, "POST", "/v1/calls/x/hangup", { connection: "sandbox", reason: "x".repeat(70_000) }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 404, 401, 415, 413]);
    for (const res of answers) {
      expect(Object.fromEntries(Object.keys(EXPECTED).map((name) => [name, res.headers.get(name)]))).toEqual(EXPECTED);
      expect(res.headers.get("x-powered-by")).toBeNull();
    }
  });
});

describe("API keys", () => {
  it(`carry the ${API_KEY_PREFIX} prefix secret scanners look for`, async () => {
    const { key } = await createTenant("scanned");
    expect(key).toMatch(/^hgw_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
  });
});
