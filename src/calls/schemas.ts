/** Request and response schemas of the tenant call routes (also their OpenAPI document). */
import { z } from "@hono/zod-openapi";
import { CallId, Id, OutcomeStatus } from "../http/schemas";

export const CallIdParam = z.object({
  call_id: CallId.openapi({ param: { name: "call_id", in: "path" } }),
});

export const HangupBody = z
  .object({
    connection: Id.openapi({ example: "sandbox" }),
    reason: z.string().min(1).max(500).optional().openapi({ example: "customer asked to end the call" }),
  })
  .strict()
  .openapi("HangupRequest");

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x20-\x7e]+$/, "must be printable ASCII")
    .optional()
    .openapi({
      // The name must equal the key (Hono lowercases header names); header names are case-insensitive anyway.
      param: { name: "idempotency-key", in: "header", description: "Idempotency-Key (IETF draft): the same key with the same body replays the stored outcome" },
      example: "8e03978e-40d5-43e8-bc93-6894a57f9324",
    }),
});

export const ConnectionQuery = z.object({
  connection: Id.openapi({ param: { name: "connection", in: "query" }, example: "sandbox" }),
});

export const DecisionSchema = z
  .object({
    kind: z.enum(["hangup", "call"]),
    allowed: z.boolean(),
    policy_version: z.string().nullable(),
    matched: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        effect: z.enum(["deny", "terminate", "schedule", "protect"]),
        shadow: z.boolean(),
        detail: z.string(),
        deadline: z.string().optional(),
      }),
    ),
    terminate: z.object({ rule: z.string(), reason: z.string() }).nullable(),
    deadline: z.string().nullable(),
    protected: z.boolean(),
  })
  .openapi("Decision");

export const OutcomeSchema = z
  .object({
    call_id: z.string(),
    tenant: z.string(),
    connection: z.string(),
    provider: z.string(),
    status: OutcomeStatus,
    reason: z.string().nullable(),
    decision: DecisionSchema.nullable(),
    provider_response: z.object({ http_status: z.number().int().nullable(), code: z.string().optional(), detail: z.string() }),
    attempts: z.number().int(),
    requested_at: z.string(),
    completed_at: z.string(),
  })
  .openapi("HangupOutcome");

export const AttemptSchema = z.object({
  n: z.number().int(),
  started_at: z.string(),
  duration_ms: z.number(),
  http_status: z.number().int().nullable(),
  code: z.string().optional(),
  outcome: OutcomeStatus,
  detail: z.string(),
  retryable: z.boolean(),
});

export const CallRecordSchema = z
  .object({
    call_id: z.string(),
    tenant: z.string(),
    connection: z.string(),
    provider: z.string(),
    state: z.enum(["live", "hanging_up", "ended"]),
    registered: z.boolean(),
    started_at: z.string().nullable(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    flags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    hangup: z
      .object({
        operation_id: z.string(),
        status: z.enum(["pending", "completed"]),
        source: z.enum(["api", "policy"]),
        reason: z.string().nullable(),
        requested_at: z.string(),
        completed_at: z.string().nullable(),
        outcome: OutcomeSchema.nullable(),
      })
      .nullable(),
    attempts: z.array(AttemptSchema),
    events: z.array(z.object({ at: z.string(), type: z.string(), data: z.record(z.string(), z.unknown()) })),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("CallRecord");
