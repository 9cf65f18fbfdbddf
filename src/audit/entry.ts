/**
 * An audit entry: who changed what, when, through which request (README, "Audit trail"). What a change
 * records is chosen where it is made (the route's handler, `noteChange`); nothing here ever holds a
 * secret: a key, its hash, a credential, a token or a webhook secret. Details name fields and ids only.
 */
import { z } from "@hono/zod-openapi";

export const AUDIT_ACTIONS = [
  "tenant.put",
  "tenant.disabled",
  "tenant.enabled",
  "key.created",
  "key.revoked",
  "connection.put",
  "connection.deleted",
  "policy.published",
  "bulk.started",
  "bulk.cancelled",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AuditActionSchema = z.enum(AUDIT_ACTIONS);

/** What a handler says it changed; the trail adds who, when and through which request. */
export interface AuditChange {
  action: AuditAction;
  /** The changed resource's path below the API's prefix: `tenants/acme/keys/k3j9…`, `policies/sha256:…`. */
  target: string;
  /** The tenant the change belongs to; none for a policy publish. */
  tenant?: string;
  /** Ids, names and field names that say what changed; never a secret. */
  detail?: Record<string, unknown>;
}

export const AuditEntrySchema = z
  .object({
    id: z.string().openapi({ description: "The entry's own id" }),
    at: z.string().openapi({ description: "When the change was made (ISO-8601)" }),
    tenant: z.string().optional().openapi({ description: "The tenant the change belongs to; absent for a policy publish" }),
    actor: z.string().openapi({ description: "`admin`, or `key:<key id>` for a tenant key" }),
    action: AuditActionSchema,
    target: z.string().openapi({ description: "The changed resource's path below the API's prefix" }),
    request_id: z.string().openapi({ description: "The X-Request-Id of the change's answer" }),
    detail: z.record(z.string(), z.unknown()).optional().openapi({ description: "What changed (ids, names, fields); never a secret" }),
  })
  .openapi("AuditEntry");

export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AUDIT_EXAMPLE: AuditEntry = {
  id: "au_7c1e2f0a9b8d4c3e8f6a5b4c3d2e1f00",
  at: "2026-05-01T02:10:04.512Z",
  tenant: "acme",
  actor: "key:k3j9x0a1b2c3",
  action: "bulk.started",
  target: "bulk-hangups/bh_5f0c2d9e8a7b4c6d9e0f1a2b3c4d5e6f",
  request_id: "7ba02616-c05b-4262-9d0e-ced6ed6b893d",
  detail: { matched: 4012, protected: 3, reason: "fraud sweep", criteria: { connection: "plivo-main", flags: ["irsf"] } },
};
