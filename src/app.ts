/**
 * The gateway's HTTP face: every route group mounted behind the guard it needs, and one error format for
 * everything. The same schemas that validate requests make the OpenAPI document, written at build time
 * (scripts/build-assets.ts) and served as a static asset.
 */
import { requestId } from "hono/request-id";
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
import { accessLog } from "./http/access-log";
import { limitBody, requireJsonBody } from "./http/guards";
import { handleError, problem, problemResponse } from "./http/problem";
import { createRouter } from "./http/router";
import { serviceRoutes } from "./http/service-routes";
import { adminPolicyRoutes, tenantPolicyRoutes } from "./policy/routes";

export const app = createRouter();

app.use("*", requestId({ headerName: "X-Request-Id" }));
app.use("*", accessLog);
app.use("*", secureHeaders());
// Every change answered 2xx is in the audit trail before its answer leaves (src/audit/trail.ts).
app.use("/admin/*", limitBody, requireJsonBody, requireAdmin, auditTrail);
// The key's scope is checked right after the key itself, before anything else about the request (only the
// body's size and media type come first, whoever sends it).
app.use("/v1/*", limitBody, requireJsonBody, requireTenant, scopeGuard(app.openAPIRegistry), limitTenantRate, auditTrail);
// Provider callbacks: no bearer key (the provider's signature authenticates them), form or JSON bodies.
app.use("/callbacks/*", limitCallbackBody);

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

app.notFound((c) => problemResponse(problem(404, "not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`)));
app.onError(handleError);

/** The route types, for the typed client (`hc<AppType>`). */
export type AppType = typeof routes;
