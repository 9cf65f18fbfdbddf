/**
 * `GET /admin/audit` (the operator: every entry) and `GET /v1/audit` (a tenant key with `calls:read`: the
 * entries of its own tenant only, never another's and never the policy's). Newest first, keyset pages.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requires } from "../auth/scopes";
import type { AppEnv } from "../http/app-env";
import { answeringCursorProblem } from "../http/keyset-cursor";
import { ProblemError } from "../http/problem";
import { createRouter } from "../http/router";
import { DEFAULT_LIST_LIMIT, Id, IsoDateTime, ListLimit, problemResponses } from "../http/schemas";
import { AUDIT_EXAMPLE, AuditActionSchema, AuditEntrySchema } from "./entry";
import { listAudit, type AuditFilter } from "./list";

const TAG = "Audit trail";

const queryFields = {
  action: AuditActionSchema.optional().openapi({ description: "Only entries of this action" }),
  since: IsoDateTime.optional().openapi({ description: "Made at or after (inclusive)", example: "2026-05-01T00:00:00Z" }),
  until: IsoDateTime.optional().openapi({ description: "Made before (exclusive)", example: "2026-05-02T00:00:00Z" }),
  limit: ListLimit,
  cursor: z.string().min(1).max(2048).optional().openapi({ description: "`next_cursor` of the previous page, with the same filters" }),
};

const sinceNotAfterUntil: [(q: { since?: string; until?: string }) => boolean, { message: string; path: string[] }] = [
  (q) => q.since === undefined || q.until === undefined || Date.parse(q.since) <= Date.parse(q.until),
  { message: "since must not be after until", path: ["since"] },
];

const TenantAuditQuery = z.object(queryFields).refine(...sinceNotAfterUntil);

const AdminAuditQuery = z
  .object({ tenant: Id.optional().openapi({ description: "Only this tenant's entries", example: "acme" }), ...queryFields })
  .refine(...sinceNotAfterUntil);

const AuditListSchema = z
  .object({
    entries: z.array(AuditEntrySchema),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last page" }),
  })
  .openapi("AuditList", { example: { entries: [AUDIT_EXAMPLE], next_cursor: null } });

const DESCRIPTION =
  "Every change made through the admin or tenant API and answered 2xx: tenants, keys, connections, policy publishes, " +
  "bulk hangups started or cancelled. Newest first; following `next_cursor` until it is null lists each entry once. " +
  "Entries are listed as soon as the change is answered (within 10 s where the write had to be queued) and kept 400 days.";

const adminAuditRoute = createRoute({
  method: "get",
  path: "/admin/audit",
  tags: [TAG],
  summary: "The audit trail: who changed what",
  description: DESCRIPTION,
  security: [{ adminToken: [] }],
  request: { query: AdminAuditQuery },
  responses: {
    200: { description: "One page of entries", content: { "application/json": { schema: AuditListSchema } } },
    ...problemResponses(401, 422, 503),
  },
});

const tenantAuditRoute = createRoute({
  method: "get",
  path: "/v1/audit",
  tags: [TAG],
  summary: "The tenant's audit trail",
  description: `${DESCRIPTION} Only the key's own tenant's entries; \`tenant\` is not accepted here (422).`,
  security: requires("calls:read"),
  request: { query: TenantAuditQuery },
  responses: {
    200: { description: "One page of the tenant's entries", content: { "application/json": { schema: AuditListSchema } } },
    ...problemResponses(401, 403, 422, 429),
  },
});

type Query = z.infer<typeof TenantAuditQuery>;

function auditFilter(query: Query, tenant: string | undefined): AuditFilter {
  return {
    tenant,
    action: query.action,
    since: query.since === undefined ? undefined : new Date(query.since).toISOString(),
    until: query.until === undefined ? undefined : new Date(query.until).toISOString(),
  };
}

function page(c: Context<AppEnv>, list: string, filter: AuditFilter, query: Query) {
  return answeringCursorProblem(() => listAudit(c.env, list, filter, query.limit ?? DEFAULT_LIST_LIMIT, query.cursor));
}

export const auditRoutes = createRouter()
  .openapi(adminAuditRoute, async (c) => {
    const query = c.req.valid("query");
    return c.json(await page(c, "audit:*", auditFilter(query, query.tenant), query), 200);
  })
  .openapi(tenantAuditRoute, async (c) => {
    if (c.req.query("tenant") !== undefined) {
      const message = "not accepted here: a key reads only its own tenant's entries";
      throw new ProblemError(422, "invalid_request", `The request query is not valid: tenant: ${message}`, { errors: [{ path: "tenant", message }] });
    }
    const query = c.req.valid("query");
    const tenant = c.get("tenant");
    return c.json(await page(c, `audit:${tenant}`, auditFilter(query, tenant), query), 200);
  });
