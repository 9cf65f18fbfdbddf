/**
 * The gateway's HTTP face: every route group mounted behind the guard it needs, and one error format for
 * everything. The same schemas that validate requests make the OpenAPI document, written at build time
 * (scripts/build-assets.ts) and served as a static asset.
 */
import { secureHeaders } from "hono/secure-headers";
import { connectionRoutes } from "./admin/connections";
import { keyRoutes } from "./admin/keys";
import { tenantRoutes } from "./admin/tenants";
import { auditRoutes } from "./audit/routes";
import { auditTrail } from "./audit/trail";
import { requireAdmin, requireTenant } from "./auth/bearer";
import { keyInfoRoutes } from "./auth/key-route";
import { limitTenantRate } from "./auth/rate-limit";
import { documentScopeRefusals, scopeGuard } from "./auth/scope-guard";
import { bulkRoutes } from "./bulk/routes";
import { callIndexRoutes } from "./call-index/routes";
import { callbackRoutes, limitCallbackBody } from "./callbacks/routes";
import { registrationRoutes } from "./calls/register-routes";
import { callRoutes } from "./calls/routes";
import type { MiddlewareHandler } from "hono";
import { accessLog } from "./http/access-log";
import type { AppEnv } from "./http/app-env";
import { type GuardProblems } from "./http/guard-problems";
import { limitBody, requireJsonBody } from "./http/guards";
import { handleError, problem, problemResponse } from "./http/problem";
import { requestId } from "./http/request-id";
import { createRouter } from "./http/router";
import { pageRoutes } from "./http/page-routes";
import { serviceRoutes } from "./http/service-routes";
import { adminPolicyRoutes, tenantPolicyRoutes } from "./policy/routes";

export const app = createRouter();

app.use("*", requestId);
app.use("*", accessLog);
// Headers a response already has are kept: the pages' own come from public/_headers.
app.use("*", secureHeaders({ overwrite: false }));

/**
 * The guards in front of each prefix, and what they can answer: mounted from this table, and documented
 * from it on every operation behind them (src/http/guard-problems.ts). 503 is a missing ADMIN_TOKEN on
 * /admin, and anywhere a call's storage briefly unavailable (the error handler).
 */
const GUARDS = [
  // Every change answered 2xx is in the audit trail before its answer leaves (src/audit/trail.ts).
  { path: "/admin/*", middleware: [limitBody, requireJsonBody, requireAdmin, auditTrail], statuses: [401, 413, 503], bodyStatuses: [415] },
  // The key's scope is checked right after the key itself, before anything else about the request (only the
  // body's size and media type come first, whoever sends it); its 403 is documented per operation by scope.
  {
    path: "/v1/*",
    middleware: [limitBody, requireJsonBody, requireTenant, scopeGuard(app.openAPIRegistry), limitTenantRate, auditTrail],
    statuses: [401, 413, 429, 503],
    bodyStatuses: [415],
  },
  // Provider callbacks: no bearer key (the provider's signature authenticates them), form or JSON bodies.
  { path: "/callbacks/*", middleware: [limitCallbackBody], statuses: [413, 503] },
] satisfies (GuardProblems & { middleware: MiddlewareHandler<AppEnv>[] })[];
for (const guard of GUARDS) app.use(guard.path, ...guard.middleware);
export const GUARD_PROBLEMS: GuardProblems[] = GUARDS;

app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" });
app.openAPIRegistry.registerComponent("securitySchemes", "tenantKey", { type: "http", scheme: "bearer", description: "A tenant API key (hgw_…)" });

const routes = app
  .route("/", serviceRoutes)
  .route("/", tenantRoutes)
  .route("/", keyRoutes)
  .route("/", connectionRoutes)
  .route("/", adminPolicyRoutes)
  .route("/", callRoutes)
  .route("/", registrationRoutes)
  .route("/", callbackRoutes)
  .route("/", tenantPolicyRoutes)
  .route("/", callIndexRoutes)
  .route("/", bulkRoutes)
  .route("/", auditRoutes)
  .route("/", keyInfoRoutes);

documentScopeRefusals(app.openAPIRegistry);

// Not in the OpenAPI document: pages, not API operations.
app.route("/", pageRoutes);

app.notFound((c) => problemResponse(problem(404, "not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`)));
app.onError(handleError);

/** The route types, for the typed client (`hc<AppType>`). */
export type AppType = typeof routes;
