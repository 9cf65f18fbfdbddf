/**
 * /admin/tenants/{tenant}/connections/{connection}: a tenant's account at one provider. The
 * credentials are checked against the provider's own schema, sealed with AES-256-GCM before they touch
 * KV, and never sent back: answers list only which fields are stored.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { noteChange } from "../audit/trail";
import { BoundedJsonObject } from "../http/json-bounds";
import { ProblemError } from "../http/problem";
import { createRouter, zodProblems } from "../http/router";
import { Id, problemResponses } from "../http/schemas";
import { PROVIDER_NAMES, getProvider } from "../providers/registry";
import {
  WATCH_MODES,
  deleteConnection,
  openCredentials,
  providerReconciles,
  publicConnection,
  putConnection,
  readConnection,
  readTenant,
  sealCredentials,
  type ConnectionRecord,
} from "../tenants/store";
import { TenantParam } from "./tenants";

const TAG = "Admin";

/** What the URL parser would drop or reinterpret without a trace: `?`, `#`, `\`, whitespace and control characters, userinfo's `@`. */
const AMBIGUOUS_IN_BASE_URL = /[?#\\\s\u0000-\u001f\u007f]|^[^:]*:\/*[^/]*@/;

export const BaseUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .max(2048)
  .refine((value) => {
    // Refinements run even when the URL check failed, so parse defensively. The text is checked as well as
    // the parsed URL: `new URL("http://h/x?").search` is empty, yet the call's path would become a query.
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return !url.username && !url.password && !url.search && !url.hash && !AMBIGUOUS_IN_BASE_URL.test(value);
  }, "must be scheme, host and an optional path prefix, without credentials, query or fragment (no `?`, `#`, `@`, backslash or whitespace)")
  .openapi({ example: "http://127.0.0.1:9000/eu" });

const ConnectionBody = z
  .object({
    provider: z.enum(PROVIDER_NAMES),
    credentials: BoundedJsonObject.openapi({ description: "Provider-specific; see the provider table. At most 8 levels deep and 8 KiB as JSON" }),
    base_url: BaseUrl.optional(),
    callbacks: z
      .enum(["signed", "unsigned-ok"])
      .optional()
      .openapi({ description: "`unsigned-ok` accepts status callbacks from providers that do not sign them" }),
    watch: z
      .enum(WATCH_MODES)
      .optional()
      .openapi({
        description:
          "`registered` (default): only calls registered with `POST /v1/calls` are watched. `all`: a valid provider callback about a call the gateway has not seen registers it",
      }),
    reconcile: z
      .boolean()
      .optional()
      .openapi({
        description:
          "Read a watched call's status at the provider when its events go missing. Default true where the provider documents a call-status read (Twilio, Plivo, Telnyx, Vonage, Callab), false elsewhere; true elsewhere is 422",
      }),
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
    watch: z.enum(WATCH_MODES),
    reconcile: z.boolean(),
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
      watch: "registered",
      reconcile: true,
      credential_fields: ["auth_id", "auth_token"],
      created_at: "2026-05-01T09:32:00.000Z",
      updated_at: "2026-05-01T09:32:00.000Z",
    },
  });

const ConnectionParams = TenantParam.extend({ connection: Id.openapi({ param: { name: "connection", in: "path" }, example: "plivo-main" }) });

const putConnectionRoute = createRoute({
  method: "put",
  path: "/admin/tenants/{tenant}/connections/{connection}",
  tags: [TAG],
  summary: "Create or replace a connection",
  security: [{ adminToken: [] }],
  request: {
    params: ConnectionParams,
    body: { required: true, content: { "application/json": { schema: ConnectionBody } } },
  },
  responses: {
    200: { description: "Replaced", content: { "application/json": { schema: ConnectionSchema } } },
    201: { description: "Created", content: { "application/json": { schema: ConnectionSchema } } },
    ...problemResponses(400, 401, 404, 413, 415, 422, 503),
  },
});

const getConnectionRoute = createRoute({
  method: "get",
  path: "/admin/tenants/{tenant}/connections/{connection}",
  tags: [TAG],
  summary: "Read a connection (which credential fields it holds, never their values)",
  security: [{ adminToken: [] }],
  request: { params: ConnectionParams },
  responses: {
    200: { description: "The connection", content: { "application/json": { schema: ConnectionSchema } } },
    ...problemResponses(401, 404, 422, 503),
  },
});

const deleteConnectionRoute = createRoute({
  method: "delete",
  path: "/admin/tenants/{tenant}/connections/{connection}",
  tags: [TAG],
  summary: "Remove a connection",
  description:
    "Its credentials are deleted with it. Hangups on it are then 404; a registered call whose watch later decides to hang it up stores `failed` (the connection no longer exists).",
  security: [{ adminToken: [] }],
  request: { params: ConnectionParams },
  responses: {
    204: { description: "Removed" },
    ...problemResponses(401, 404, 422, 503),
  },
});

/** A connection as the admin API shows it: everything but the credentials, and their field names. */
function connectionView(record: ConnectionRecord, credentialFields: string[]) {
  return { ...publicConnection(record), credential_fields: credentialFields };
}

export const connectionRoutes = createRouter().openapi(putConnectionRoute, async (c) => {
  const { tenant, connection } = c.req.valid("param");
  const body = c.req.valid("json");
  const adapter = getProvider(body.provider)!;
  const credentials = adapter.credentials.safeParse(body.credentials);
  if (!credentials.success) {
    const errors = zodProblems(credentials.error).map((e) => ({ ...e, path: `credentials.${e.path}`.replace(/\.\(root\)$/, "") }));
    throw new ProblemError(422, "invalid_request", `The credentials are not valid for ${body.provider}: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`, { errors });
  }
  const reconcilable = providerReconciles(body.provider);
  if (body.reconcile === true && !reconcilable) {
    const message = `${body.provider} documents no call-status read, so its calls cannot be reconciled`;
    throw new ProblemError(422, "invalid_request", `The connection is not valid: reconcile: ${message}.`, { errors: [{ path: "reconcile", message }] });
  }
  if (!(await readTenant(c.env, tenant))) throw new ProblemError(404, "not_found", `No tenant named "${tenant}".`);

  const existing = await readConnection(c.env, tenant, connection);
  const now = new Date().toISOString();
  const record = {
    id: connection,
    tenant,
    provider: body.provider,
    ...(body.base_url ? { base_url: body.base_url } : {}),
    callbacks: body.callbacks ?? "signed",
    watch: body.watch ?? "registered",
    reconcile: body.reconcile ?? reconcilable,
    credentials: await sealCredentials(c.env, tenant, connection, credentials.data),
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
  await putConnection(c.env, record);
  noteChange(c, {
    action: "connection.put",
    tenant,
    target: `tenants/${tenant}/connections/${connection}`,
    detail: { provider: record.provider, callbacks: record.callbacks, credential_fields: Object.keys(credentials.data as object), ...(record.base_url ? { base_url: record.base_url } : {}) },
  });
  return c.json(connectionView(record, Object.keys(credentials.data as object)), existing ? 200 : 201);
})
  .openapi(getConnectionRoute, async (c) => {
    const { tenant, connection } = c.req.valid("param");
    const record = await readConnection(c.env, tenant, connection);
    if (!record) throw new ProblemError(404, "not_found", `Tenant "${tenant}" has no connection "${connection}".`);
    // The field names are inside the sealed credentials: opening them also proves CREDENTIALS_KEY still fits.
    const credentials = await openCredentials<Record<string, unknown>>(c.env, record);
    return c.json(connectionView(record, Object.keys(credentials)), 200);
  })
  .openapi(deleteConnectionRoute, async (c) => {
    const { tenant, connection } = c.req.valid("param");
    if (!(await deleteConnection(c.env, tenant, connection))) {
      throw new ProblemError(404, "not_found", `Tenant "${tenant}" has no connection "${connection}".`);
    }
    noteChange(c, { action: "connection.deleted", tenant, target: `tenants/${tenant}/connections/${connection}` });
    return c.body(null, 204);
  });
