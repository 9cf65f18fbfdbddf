/**
 * The gateway's HTTP face: every route group mounted behind the guard it needs, and one error format for
 * everything. The same schemas that validate requests make the OpenAPI document, written at build time
 * (scripts/build-assets.ts) and served as a static asset.
 */
import { secureHeaders } from "hono/secure-headers";
import { connectionRoutes } from "./admin/connections";
import { keyRoutes } from "./admin/keys";
import { tenantRoutes } from "./admin/tenants";
import { requireAdmin, requireTenant } from "./auth/bearer";
import { limitTenantRate } from "./auth/rate-limit";
import { bulkRoutes } from "./bulk/routes";
import { callIndexRoutes } from "./call-index/routes";
import { callbackRoutes, limitCallbackBody } from "./callbacks/routes";
import { registrationRoutes } from "./calls/register-routes";
import { callRoutes } from "./calls/routes";
import { accessLog } from "./http/access-log";
import { limitBody, requireJsonBody } from "./http/guards";
import { handleError, problem, problemResponse } from "./http/problem";
import { requestId } from "./http/request-id";
import { createRouter } from "./http/router";
import { serviceRoutes } from "./http/service-routes";
import { adminPolicyRoutes, tenantPolicyRoutes } from "./policy/routes";

export const app = createRouter();

app.use("*", requestId);
app.use("*", accessLog);
app.use("*", secureHeaders());
app.use("/admin/*", limitBody, requireJsonBody, requireAdmin);
app.use("/v1/*", limitBody, requireJsonBody, requireTenant, limitTenantRate);
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
  .route("/", bulkRoutes);

app.notFound((c) => problemResponse(problem(404, "not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`)));
app.onError(handleError);

/** The route types, for the typed client (`hc<AppType>`). */
export type AppType = typeof routes;
