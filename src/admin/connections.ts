/**
 * PUT /admin/tenants/{tenant}/connections/{connection}: a tenant's account at one provider. The
 * credentials are checked against the provider's own schema, sealed with AES-256-GCM before they touch
 * KV, and never sent back: the answer lists only which fields were stored.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ProblemError } from "../http/problem";
import { createRouter, zodProblems } from "../http/router";
import { Id, problemResponses } from "../http/schemas";
import { PROVIDER_NAMES, getProvider } from "../providers/registry";
import { getConnection, getTenant, putConnection, sealCredentials } from "../tenants/store";
import { TenantParam } from "./tenants";

const TAG = "Admin";

const BaseUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .max(2048)
  .refine((value) => {
    // Refinements run even when the URL check failed, so parse defensively.
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return !url.username && !url.password && !url.search && !url.hash;
  }, "must be scheme, host and an optional path prefix, without credentials, query or fragment")
  .openapi({ example: "http://127.0.0.1:9000/eu" });

const ConnectionBody = z
  .object({
    provider: z.enum(PROVIDER_NAMES),
    credentials: z.record(z.string(), z.unknown()).openapi({ description: "Provider-specific; see the provider table" }),
    base_url: BaseUrl.optional(),
    callbacks: z
      .enum(["signed", "unsigned-ok"])
      .optional()
      .openapi({ description: "`unsigned-ok` accepts status callbacks from providers that do not sign them" }),
  })
  .strict()
  .openapi("ConnectionRequest", {
    example: { provider: "plivo", credentials: { auth_id: "MAXXXXXXXXXXXXXXXXXX", auth_token: "<plivo auth token>" } },
  });

const ConnectionSchema = z
  .object({
    id: z.string(),
    tenant: z.string(),
    provider: z.string(),
    base_url: z.string().optional(),
    callbacks: z.enum(["signed", "unsigned-ok"]),
    credential_fields: z.array(z.string()).openapi({ description: "Names of the stored credential fields; never their values" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Connection", {
    example: {
      id: "plivo-main",
      tenant: "acme",
      provider: "plivo",
      callbacks: "signed",
      credential_fields: ["auth_id", "auth_token"],
      created_at: "2026-05-01T09:32:00.000Z",
      updated_at: "2026-05-01T09:32:00.000Z",
    },
  });

const putConnectionRoute = createRoute({
  method: "put",
  path: "/admin/tenants/{tenant}/connections/{connection}",
  tags: [TAG],
  summary: "Create or replace a connection",
  security: [{ adminToken: [] }],
  request: {
    params: TenantParam.extend({ connection: Id.openapi({ param: { name: "connection", in: "path" }, example: "plivo-main" }) }),
    body: { required: true, content: { "application/json": { schema: ConnectionBody } } },
  },
  responses: {
    200: { description: "Replaced", content: { "application/json": { schema: ConnectionSchema } } },
    201: { description: "Created", content: { "application/json": { schema: ConnectionSchema } } },
    ...problemResponses(400, 401, 404, 413, 415, 422, 503),
  },
});

export const connectionRoutes = createRouter().openapi(putConnectionRoute, async (c) => {
  const { tenant, connection } = c.req.valid("param");
  const body = c.req.valid("json");
  const adapter = getProvider(body.provider)!;
  const credentials = adapter.credentials.safeParse(body.credentials);
  if (!credentials.success) {
    const errors = zodProblems(credentials.error).map((e) => ({ ...e, path: `credentials.${e.path}`.replace(/\.\(root\)$/, "") }));
    throw new ProblemError(422, "invalid_request", `The credentials are not valid for ${body.provider}: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`, { errors });
  }
  if (!(await getTenant(c.env, tenant))) throw new ProblemError(404, "not_found", `No tenant named "${tenant}".`);

  const existing = await getConnection(c.env, tenant, connection);
  const now = new Date().toISOString();
  const record = {
    id: connection,
    tenant,
    provider: body.provider,
    ...(body.base_url ? { base_url: body.base_url } : {}),
    callbacks: body.callbacks ?? "signed",
    credentials: await sealCredentials(c.env, tenant, connection, credentials.data),
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
  await putConnection(c.env, record);
  const { credentials: _sealed, ...visible } = record;
  return c.json({ ...visible, credential_fields: Object.keys(credentials.data as object) }, existing ? 200 : 201);
});
