/**
 * Key scopes (README, "Key scopes"): what a tenant key may do. Each /v1 route declares the scope it needs
 * in its own `createRoute` (`security: requires("calls:hangup")`), which is also what the OpenAPI
 * document shows; ./scope-guard.ts enforces the declaration for every route in one place.
 *
 * A key without `scopes` in its record (issued without a list, or before scopes existed) holds every
 * scope, those added later included: it is a full key, as Stripe's standard keys are.
 */
import { z } from "@hono/zod-openapi";

export const SCOPES = ["calls:read", "calls:hangup", "calls:register", "bulk", "policies:evaluate"] as const;

export type Scope = (typeof SCOPES)[number];

export const ScopeSchema = z.enum(SCOPES).openapi({ description: "A key scope (README, \"Key scopes\")", example: "calls:read" });

/** The OpenAPI security requirement of a tenant route that needs `scope`: `security: requires("bulk")`. */
export function requires(scope: Scope) {
  return [{ tenantKey: [scope] }];
}

/** The security requirement of a tenant route any valid key may call (e.g. GET /v1/key). */
export const ANY_TENANT_KEY = [{ tenantKey: [] }];

/** The scopes a key holds: its own list, or every scope when it has none. */
export function keyScopes(scopes: readonly Scope[] | undefined): Scope[] {
  return scopes ? SCOPES.filter((scope) => scopes.includes(scope)) : [...SCOPES];
}
