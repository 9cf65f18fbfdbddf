/**
 * PUT /admin/tenants/{tenant}: create or update a tenant. A PUT changes only the fields it names: the
 * webhook secret is kept unless a new one is given, and generated (`whsec_…`, shown in this answer
 * only, stored sealed) only when a webhook is set without one and the tenant had none; `webhook: null`
 * removes the webhook and its secret (outcomes not yet delivered are then settled as not configured). `disabled`
 * stops or restores all of the tenant's keys (the flag is copied into each key's record); `true` also cancels
 * the tenant's running bulk jobs.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AuditChange } from "../audit/entry";
import { noteChange } from "../audit/trail";
import { cancelRunningJobs } from "../bulk/registry";
import { fromBase64, randomBytes, toBase64 } from "../bytes";
import { ProblemError } from "../http/problem";
import { createRouter } from "../http/router";
import { Id, problemResponses } from "../http/schemas";
import { putTenant, readTenant, sealWebhookSecret, setKeysDisabled, type TenantRecord } from "../tenants/store";
import { DEFAULT_WEBHOOK_EVENTS, WEBHOOK_EVENT_TYPES } from "../webhooks/event-types";

const TAG = "Admin";
const WEBHOOK_SECRET_PREFIX = "whsec_";
/** Standard Webhooks secrets: the HMAC key, 24 to 64 bytes, as base64 after the prefix. */
const WEBHOOK_SECRET_BYTES = { min: 24, max: 64 } as const;
const GENERATED_SECRET_BYTES = 32;

export function isWebhookSecret(value: string): boolean {
  if (!value.startsWith(WEBHOOK_SECRET_PREFIX)) return false;
  const bytes = fromBase64(value.slice(WEBHOOK_SECRET_PREFIX.length))?.length;
  return bytes !== undefined && bytes >= WEBHOOK_SECRET_BYTES.min && bytes <= WEBHOOK_SECRET_BYTES.max;
}

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
          .max(200)
          .refine(isWebhookSecret, `must be whsec_ followed by the base64 of ${WEBHOOK_SECRET_BYTES.min} to ${WEBHOOK_SECRET_BYTES.max} bytes`)
          .optional()
          .openapi({ description: "Kept by later PUTs that give none; generated when the tenant has none" }),
        events: z
          .array(z.enum(WEBHOOK_EVENT_TYPES))
          .max(WEBHOOK_EVENT_TYPES.length)
          .optional()
          .openapi({ description: `The message types the webhook receives; default ${DEFAULT_WEBHOOK_EVENTS.join(", ")}. Kept by later PUTs that give none` }),
      })
      .strict()
      .nullable()
      .optional()
      .openapi({ description: "null removes the tenant's webhook and its secret" }),
    disabled: z.boolean().optional().openapi({ description: "true: every key of the tenant answers 401 until set false again, and its running bulk hangups are cancelled; its watched calls stay enforced" }),
  })
  .strict()
  .openapi("TenantRequest", { example: { name: "Acme Telecom", webhook: { url: "https://example.com/hooks/hangup" } } });

const TenantSchema = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    webhook: z
      .object({
        url: z.string(),
        secret: z.string().optional().openapi({ description: "Only in the answer that generated it" }),
        events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
      })
      .optional(),
    disabled: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Tenant", {
    example: {
      id: "acme",
      name: "Acme Telecom",
      webhook: { url: "https://example.com/hooks/hangup", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", events: [...DEFAULT_WEBHOOK_EVENTS] },
      disabled: false,
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

/**
 * What a tenant PUT records: `tenant.disabled` or `tenant.enabled` when it changes `disabled`, and
 * `tenant.put` unless that was all it changed. The detail names the fields given, never a value that
 * could be a secret (a webhook URL may carry a token in its query).
 */
function tenantChanges(tenant: string, body: z.infer<typeof TenantBody>, existing: TenantRecord | null): AuditChange[] {
  const target = `tenants/${tenant}`;
  const changes: AuditChange[] = [];
  const disabledChanged = body.disabled !== undefined && body.disabled !== (existing?.disabled === true);
  if (disabledChanged) changes.push({ action: body.disabled ? "tenant.disabled" : "tenant.enabled", tenant, target });
  const fields = Object.keys(body).filter((field) => field !== "disabled");
  const othersChanged = !existing || (body.name !== undefined && body.name !== existing.name) || body.webhook !== undefined;
  if (!disabledChanged || othersChanged) {
    changes.push({ action: "tenant.put", tenant, target, detail: { created: !existing, fields, ...(body.name === undefined ? {} : { name: body.name }) } });
  }
  return changes;
}

/** A tenant as the admin API shows it; the webhook secret only when it was just generated. */
function tenantView(record: TenantRecord, generatedSecret?: string) {
  return {
    id: record.id,
    ...(record.name ? { name: record.name } : {}),
    ...(record.webhook
      ? { webhook: { url: record.webhook.url, ...(generatedSecret ? { secret: generatedSecret } : {}), events: record.webhook.events ?? [...DEFAULT_WEBHOOK_EVENTS] } }
      : {}),
    disabled: record.disabled === true,
    created_at: record.created_at,
    updated_at: record.updated_at,
  };
}

export const tenantRoutes = createRouter().openapi(putTenantRoute, async (c) => {
  const { tenant } = c.req.valid("param");
  const body = c.req.valid("json");
  const existing = await readTenant(c.env, tenant);
  const now = new Date().toISOString();

  let generatedSecret: string | undefined;
  let webhook = existing?.webhook;
  if (body.webhook === null) {
    webhook = undefined;
  } else if (body.webhook) {
    // The secret is replaced only when one is given, and generated only when there is none to keep.
    const secret = body.webhook.secret
      ? await sealWebhookSecret(c.env, tenant, body.webhook.secret)
      : (existing?.webhook?.secret ??
        (await sealWebhookSecret(c.env, tenant, (generatedSecret = WEBHOOK_SECRET_PREFIX + toBase64(randomBytes(GENERATED_SECRET_BYTES))))));
    const events = body.webhook.events ? [...new Set(body.webhook.events)] : existing?.webhook?.events;
    webhook = { url: body.webhook.url, secret, ...(events ? { events } : {}) };
  }
  const disabled = body.disabled ?? existing?.disabled === true;
  const record: TenantRecord = {
    id: tenant,
    ...(body.name ?? existing?.name ? { name: body.name ?? existing?.name } : {}),
    ...(webhook ? { webhook } : {}),
    ...(disabled ? { disabled: true } : {}),
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
  await putTenant(c.env, record);
  // Always (not only on a change), so that a PUT repairs keys a concurrent issue or an earlier failure missed.
  if (body.disabled !== undefined) await setKeysDisabled(c.env, tenant, disabled);
  // Disabling cancels the tenant's running bulk jobs before it answers; enabling does not bring them back.
  if (body.disabled === true) await cancelRunningJobs(c.env, tenant);
  for (const change of tenantChanges(tenant, body, existing)) noteChange(c, change);
  return c.json(tenantView(record, generatedSecret), existing ? 200 : 201);
}).openapi(getTenantRoute, async (c) => {
  const { tenant } = c.req.valid("param");
  const record = await readTenant(c.env, tenant);
  if (!record) throw new ProblemError(404, "not_found", `No tenant named "${tenant}".`);
  return c.json(tenantView(record), 200);
});
