/**
 * Tenant API keys: issued once (the answer is the only place the key ever appears), stored as a hash,
 * listed (never the key or its hash), revoked by id. A revoked key stays in the list with `revoked_at`.
 * A key may be limited to some scopes (src/auth/scopes.ts); one issued without a list holds them all.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { noteChange } from "../audit/trail";
import { hashApiKey, newApiKey, newKeyId } from "../auth/api-keys";
import { keyScopes, ScopeSchema, SCOPES } from "../auth/scopes";
import { ProblemError } from "../http/problem";
import { createRouter } from "../http/router";
import { Id, problemResponses } from "../http/schemas";
import { listApiKeys, putApiKey, readTenant, revokeApiKey, setKeysDisabled } from "../tenants/store";
import { TenantParam } from "./tenants";

const TAG = "Admin";

const KeyBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    scopes: z
      .array(ScopeSchema)
      .min(1, "must name at least one scope (leave scopes out for a key with every scope)")
      .max(SCOPES.length * 2)
      .optional()
      .openapi({ description: `What the key may do; default: every scope (${SCOPES.join(", ")})` }),
  })
  .strict()
  .openapi("KeyRequest", { example: { name: "fraud-desk", scopes: ["calls:read", "calls:hangup"] } });

const Scopes = z.array(ScopeSchema).openapi({ description: "What the key may do (README, \"Key scopes\")" });

const IssuedKey = z
  .object({
    id: z.string(),
    key: z.string().openapi({ description: "Shown once; only its SHA-256 is stored", example: "hgw_k3j9x0a1b2c3_…" }),
    name: z.string().optional(),
    scopes: Scopes,
    created_at: z.string(),
  })
  .openapi("IssuedKey", {
    example: {
      id: "k3j9x0a1b2c3",
      key: "hgw_k3j9x0a1b2c3_Q2hhbmdlIG1lOiB0aGlzIGlzIGFuIGV4YW1wbGUga2V5IQ",
      name: "fraud-desk",
      scopes: ["calls:read", "calls:hangup"],
      created_at: "2026-05-01T09:31:00.000Z",
    },
  });

const KeySummary = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    scopes: Scopes,
    created_at: z.string(),
    revoked_at: z.string().optional().openapi({ description: "Present once the key is revoked" }),
  })
  .openapi("KeySummary");

const KeyList = z
  .object({ keys: z.array(KeySummary) })
  .openapi("KeyList", {
    example: {
      keys: [
        { id: "k3j9x0a1b2c3", name: "fraud-desk", scopes: ["calls:read", "calls:hangup"], created_at: "2026-05-01T09:31:00.000Z" },
        { id: "p0q9r8s7t6u5", name: "old-ci", scopes: [...SCOPES], created_at: "2026-04-01T08:00:00.000Z", revoked_at: "2026-04-20T12:00:00.000Z" },
      ],
    },
  });

const listKeysRoute = createRoute({
  method: "get",
  path: "/admin/tenants/{tenant}/keys",
  tags: [TAG],
  summary: "List a tenant's API keys (never a key or its hash)",
  security: [{ adminToken: [] }],
  request: { params: TenantParam },
  responses: {
    200: { description: "Every key issued to the tenant, oldest first, revoked ones with revoked_at", content: { "application/json": { schema: KeyList } } },
    ...problemResponses(401, 404, 422, 503),
  },
});

const issueKeyRoute = createRoute({
  method: "post",
  path: "/admin/tenants/{tenant}/keys",
  tags: [TAG],
  summary: "Issue an API key to a tenant",
  security: [{ adminToken: [] }],
  request: { params: TenantParam, body: { required: false, content: { "application/json": { schema: KeyBody } } } },
  responses: {
    201: { description: "The key, shown this once", content: { "application/json": { schema: IssuedKey } } },
    ...problemResponses(400, 401, 404, 413, 415, 422, 503),
  },
});

const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/admin/tenants/{tenant}/keys/{id}",
  tags: [TAG],
  summary: "Revoke an API key",
  security: [{ adminToken: [] }],
  request: { params: TenantParam.extend({ id: Id.openapi({ param: { name: "id", in: "path" } }) }) },
  responses: {
    204: { description: "Revoked; the key stops working" },
    ...problemResponses(401, 404, 422, 503),
  },
});

export const keyRoutes = createRouter()
  .openapi(issueKeyRoute, async (c) => {
    const { tenant } = c.req.valid("param");
    const { name, scopes: asked } = c.req.valid("json") ?? {};
    const record = await readTenant(c.env, tenant);
    if (!record) throw new ProblemError(404, "not_found", `No tenant named "${tenant}".`);
    const id = newKeyId();
    const key = newApiKey(id);
    const created_at = new Date().toISOString();
    // Without a list the record holds none: the key keeps every scope, those added later included.
    const scopes = asked ? { scopes: keyScopes(asked) } : {};
    await putApiKey(c.env, { id, tenant, hash: await hashApiKey(key), ...scopes, created_at, ...(name ? { name } : {}), ...(record.disabled ? { disabled: true } : {}) });
    // The tenant may have been disabled while the key was written: its disabling must reach this key too.
    if (!record.disabled && (await readTenant(c.env, tenant))?.disabled) await setKeysDisabled(c.env, tenant, true);
    noteChange(c, { action: "key.created", tenant, target: `tenants/${tenant}/keys/${id}`, detail: { ...(name ? { name } : {}), scopes: keyScopes(asked) } });
    return c.json({ id, key, ...(name ? { name } : {}), scopes: keyScopes(asked), created_at }, 201);
  })
  .openapi(listKeysRoute, async (c) => {
    const { tenant } = c.req.valid("param");
    if (!(await readTenant(c.env, tenant))) throw new ProblemError(404, "not_found", `No tenant named "${tenant}".`);
    const keys = (await listApiKeys(c.env, tenant)).map(({ id, name, scopes, created_at, revoked_at }) => ({
      id,
      ...(name ? { name } : {}),
      scopes: keyScopes(scopes),
      created_at,
      ...(revoked_at ? { revoked_at } : {}),
    }));
    return c.json({ keys }, 200);
  })
  .openapi(revokeKeyRoute, async (c) => {
    const { tenant, id } = c.req.valid("param");
    if (!(await revokeApiKey(c.env, tenant, id))) throw new ProblemError(404, "not_found", `Tenant "${tenant}" has no live key "${id}".`);
    noteChange(c, { action: "key.revoked", tenant, target: `tenants/${tenant}/keys/${id}` });
    return c.body(null, 204);
  });
