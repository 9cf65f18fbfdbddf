/**
 * Tenant API keys: issued once (the answer is the only place the key ever appears), stored as a hash,
 * revoked by id.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { hashApiKey, newApiKey, newKeyId } from "../auth/api-keys";
import { ProblemError } from "../http/problem";
import { createRouter } from "../http/router";
import { Id, problemResponses } from "../http/schemas";
import { deleteApiKey, getTenant, putApiKey } from "../tenants/store";
import { TenantParam } from "./tenants";

const TAG = "Admin";

const KeyBody = z.object({ name: z.string().min(1).max(200).optional() }).strict().openapi("KeyRequest", { example: { name: "billing-service" } });

const IssuedKey = z
  .object({
    id: z.string(),
    key: z.string().openapi({ description: "Shown once; only its SHA-256 is stored", example: "hgw_k3j9x0a1b2c3_…" }),
    name: z.string().optional(),
    created_at: z.string(),
  })
  .openapi("IssuedKey", {
    example: {
      id: "k3j9x0a1b2c3",
      key: "hgw_k3j9x0a1b2c3_Q2hhbmdlIG1lOiB0aGlzIGlzIGFuIGV4YW1wbGUga2V5IQ",
      name: "billing-service",
      created_at: "2026-05-01T09:31:00.000Z",
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
    const { name } = c.req.valid("json") ?? {};
    if (!(await getTenant(c.env, tenant))) throw new ProblemError(404, "not_found", `No tenant named "${tenant}".`);
    const id = newKeyId();
    const key = newApiKey(id);
    const created_at = new Date().toISOString();
    await putApiKey(c.env, { id, tenant, hash: await hashApiKey(key), created_at, ...(name ? { name } : {}) });
    return c.json({ id, key, created_at, ...(name ? { name } : {}) }, 201);
  })
  .openapi(revokeKeyRoute, async (c) => {
    const { tenant, id } = c.req.valid("param");
    if (!(await deleteApiKey(c.env, tenant, id))) throw new ProblemError(404, "not_found", `Tenant "${tenant}" has no key "${id}".`);
    return c.body(null, 204);
  });
