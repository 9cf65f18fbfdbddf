/**
 * PUT /admin/tenants/{tenant}: create or update a tenant. A webhook without a secret gets a generated
 * `whsec_…` secret, shown in this answer only; afterwards it is stored sealed and never shown again.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { randomBytes, toBase64 } from "../http/encoding";
import { ProblemError } from "../http/problem";
import { createRouter } from "../http/router";
import { Id, problemResponses } from "../http/schemas";
import { getTenant, putTenant, sealWebhookSecret, type TenantRecord } from "../tenants/store";

const TAG = "Admin";
const WEBHOOK_SECRET_PREFIX = "whsec_";

export const TenantParam = z.object({ tenant: Id.openapi({ param: { name: "tenant", in: "path" }, example: "acme" }) });

const WebhookUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .max(2048)
  // Refinements run even when the URL check failed, so parse defensively.
  .refine((value) => {
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return !url.username && !url.password;
  }, "must not carry credentials");

const TenantBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    webhook: z
      .object({
        url: WebhookUrl.openapi({ example: "https://example.com/hooks/hangup" }),
        secret: z
          .string()
          .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, "must be whsec_ followed by base64 of at least 24 bytes")
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .openapi("TenantRequest", { example: { name: "Acme Telecom", webhook: { url: "https://example.com/hooks/hangup" } } });

const TenantSchema = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    webhook: z.object({ url: z.string(), secret: z.string().optional().openapi({ description: "Only in the answer that generated it" }) }).optional(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Tenant", {
    example: {
      id: "acme",
      name: "Acme Telecom",
      webhook: { url: "https://example.com/hooks/hangup", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
      created_at: "2026-05-01T09:30:00.000Z",
      updated_at: "2026-05-01T09:30:00.000Z",
    },
  });

const putTenantRoute = createRoute({
  method: "put",
  path: "/admin/tenants/{tenant}",
  tags: [TAG],
  summary: "Create or update a tenant",
  security: [{ adminToken: [] }],
  request: { params: TenantParam, body: { required: true, content: { "application/json": { schema: TenantBody } } } },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: TenantSchema } } },
    201: { description: "Created", content: { "application/json": { schema: TenantSchema } } },
    ...problemResponses(400, 401, 413, 415, 422, 503),
  },
});

const getTenantRoute = createRoute({
  method: "get",
  path: "/admin/tenants/{tenant}",
  tags: [TAG],
  summary: "Read a tenant (its webhook URL, never its secret)",
  security: [{ adminToken: [] }],
  request: { params: TenantParam },
  responses: {
    200: { description: "The tenant", content: { "application/json": { schema: TenantSchema } } },
    ...problemResponses(401, 404, 422, 503),
  },
});

/** A tenant as the admin API shows it; the webhook secret only when it was just generated. */
function tenantView(record: TenantRecord, generatedSecret?: string) {
  return {
    id: record.id,
    ...(record.name ? { name: record.name } : {}),
    ...(record.webhook ? { webhook: { url: record.webhook.url, ...(generatedSecret ? { secret: generatedSecret } : {}) } } : {}),
    created_at: record.created_at,
    updated_at: record.updated_at,
  };
}

export const tenantRoutes = createRouter().openapi(putTenantRoute, async (c) => {
  const { tenant } = c.req.valid("param");
  const body = c.req.valid("json");
  const existing = await getTenant(c.env, tenant);
  const now = new Date().toISOString();

  let generatedSecret: string | undefined;
  let webhook = existing?.webhook;
  if (body.webhook) {
    const secret = body.webhook.secret ?? (generatedSecret = WEBHOOK_SECRET_PREFIX + toBase64(randomBytes(24)));
    webhook = { url: body.webhook.url, secret: await sealWebhookSecret(c.env, tenant, secret) };
  }
  const record: TenantRecord = {
    id: tenant,
    ...(body.name ?? existing?.name ? { name: body.name ?? existing?.name } : {}),
    ...(webhook ? { webhook } : {}),
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
  await putTenant(c.env, record);
  return c.json(tenantView(record, generatedSecret), existing ? 200 : 201);
}).openapi(getTenantRoute, async (c) => {
  const { tenant } = c.req.valid("param");
  const record = await getTenant(c.env, tenant);
  if (!record) throw new ProblemError(404, "not_found", `No tenant named "${tenant}".`);
  return c.json(tenantView(record), 200);
});
