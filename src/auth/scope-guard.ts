/**
 * The one place key scopes are enforced. Every /v1 route declares the scope it needs in its `createRoute`
 * (`security: requires(…)`, ./scopes.ts); this middleware, right after authentication, finds the route the
 * request matched, reads that declaration from the app's OpenAPI registry and refuses a key without the
 * scope: 403 `insufficient_scope` naming it in `required_scope`, before anything else about the request
 * is looked at (body, ids, connection), so nothing changes and nothing is revealed.
 *
 * A matched route that declares no tenant-key security is a bug, and fails closed (500) rather than open.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { METHOD_NAME_ALL } from "hono/router";
import type { AppEnv } from "../http/app-env";
import { ProblemError } from "../http/problem";
import { problemResponses } from "../http/schemas";
import type { Scope } from "./scopes";

type Registry = OpenAPIHono["openAPIRegistry"];
type RouteDefinition = Extract<Registry["definitions"][number], { type: "route" }>["route"];

/** OpenAPI's `/v1/calls/{call_id}` in Hono's spelling, `/v1/calls/:call_id` (as @hono/zod-openapi registers it). */
function honoPath(openApiPath: string): string {
  return openApiPath.replaceAll(/\/{(.+?)}/g, "/:$1");
}

function tenantKeyScopes(route: RouteDefinition): Scope[] | undefined {
  const requirement = route.security?.find((entry) => "tenantKey" in entry);
  return requirement?.tenantKey as Scope[] | undefined;
}

function tenantRoutes(registry: Registry): RouteDefinition[] {
  return registry.definitions.flatMap((definition) => (definition.type === "route" ? [definition.route] : []));
}

/** `GET /v1/calls/:call_id` → the scopes its route declares, for every route with tenant-key security. */
function declaredScopes(registry: Registry): Map<string, Scope[]> {
  const declared = new Map<string, Scope[]>();
  for (const route of tenantRoutes(registry)) {
    const scopes = tenantKeyScopes(route);
    if (scopes) declared.set(`${route.method.toUpperCase()} ${honoPath(route.path)}`, scopes);
  }
  return declared;
}

export function scopeGuard(registry: Registry): MiddlewareHandler<AppEnv> {
  // Read on the first request, when every route group has been mounted.
  let declared: Map<string, Scope[]> | undefined;
  return async (c, next) => {
    // Middleware is registered for every method, so the route is the last match with a method of its own.
    const route = matchedRoutes(c).findLast((match) => match.method !== METHOD_NAME_ALL);
    if (route) {
      declared ??= declaredScopes(registry);
      const needed = declared.get(`${route.method} ${route.path}`);
      if (!needed) throw new Error(`${route.method} ${route.path} declares no tenantKey security`);
      const held = c.get("apiKey").scopes;
      const missing = needed.find((scope) => !held.includes(scope));
      if (missing) {
        throw new ProblemError(403, "insufficient_scope", `This API key does not have the scope "${missing}", which this request needs; nothing was done.`, {
          required_scope: missing,
        });
      }
    }
    await next();
  };
}

/**
 * Documents the guard's refusal on every operation that needs a scope: a 403 problem, added to the
 * operation's responses unless it lists a 403 already (a policy denial). Called once, after every route
 * group is mounted, so the OpenAPI document shows what the guard does without each route repeating it.
 */
export function documentScopeRefusals(registry: Registry): void {
  for (const route of tenantRoutes(registry)) {
    if (tenantKeyScopes(route)?.length && !route.responses[403]) route.responses = { ...route.responses, ...problemResponses(403) };
  }
}
