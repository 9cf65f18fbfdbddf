/** Request and response schemas of the tenant call routes (also their OpenAPI document). */
import { z } from "@hono/zod-openapi";
import { BoundedJsonObject } from "../http/json-bounds";
import { CallId, E164, Id, IsoDateTime, OutcomeStatus } from "../http/schemas";
import { MAX_FLAGS_PER_CALL } from "./model";

/** One outcome, the example of both the hangup answer and the call record that holds it. */
const EXAMPLE_OUTCOME = {
  call_id: "2f1c9a52-9a0d-4e4e-9f5b-6f1f4c1f0b11",
  tenant: "acme",
  connection: "plivo-main",
  provider: "plivo",
  status: "terminated" as const,
  reason: "customer asked to end the call",
  decision: {
    kind: "hangup" as const,
    allowed: true,
    policy_version: "sha256:3f2a9c0b1d4e5f67",
    matched: [],
    terminate: null,
    deadline: null,
    protected: false,
  },
  provider_response: { http_status: 204, detail: "Plivo hung up the call" },
  attempts: 2,
  requested_at: "2026-05-01T10:00:00.000Z",
  completed_at: "2026-05-01T10:00:00.412Z",
};

export const CallIdParam = z.object({
  call_id: CallId.openapi({ param: { name: "call_id", in: "path" } }),
});

export const HangupBody = z
  .object({
    connection: Id.openapi({ example: "sandbox" }),
    reason: z.string().min(1).max(500).optional().openapi({ example: "customer asked to end the call" }),
  })
  .strict()
  .openapi("HangupRequest", { example: { connection: "plivo-main", reason: "customer asked to end the call" } });

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

const Flags = z
  .array(z.string().min(1).max(64))
  .max(MAX_FLAGS_PER_CALL)
  .openapi({ description: "Fraud flags, compared case-insensitively (stored lower-case, once each)", example: ["irsf"] });

export const RegisterBody = z
  .object({
    call_id: CallId,
    connection: Id.openapi({ example: "sandbox" }),
    started_at: IsoDateTime.optional().openapi({ description: "When the call started; default now. Not more than 5 minutes ahead.", example: "2026-05-01T09:30:00Z" }),
    from: E164.optional().openapi({ example: "+14155550100" }),
    to: E164.optional().openapi({ example: "+442071838750" }),
    flags: Flags.optional(),
    metadata: BoundedJsonObject.optional().openapi({ description: "Kept with the call and shown in its record; not evaluated. At most 8 levels deep and 8 KiB as JSON" }),
  })
  .strict()
  .openapi("CallRegistrationRequest", {
    example: {
      call_id: "2f1c9a52-9a0d-4e4e-9f5b-6f1f4c1f0b11",
      connection: "plivo-main",
      started_at: "2026-05-01T09:30:00Z",
      from: "+14155550100",
      to: "+442071838750",
      flags: [],
      metadata: { campaign: "spring-renewals" },
    },
  });

export const SignalBody = z
  .object({
    connection: Id.openapi({ example: "sandbox" }),
    flags: Flags.optional(),
    ended: z.boolean().optional().openapi({ description: "true: the call is over; it is no longer watched, and not hung up" }),
  })
  .strict()
  .refine((body) => (body.flags?.length ?? 0) > 0 || body.ended === true, { message: "give flags, ended: true, or both" })
  .openapi("CallSignal", { example: { connection: "plivo-main", flags: ["irsf"] } });

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
  .openapi("HangupOutcome", { example: EXAMPLE_OUTCOME });

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
    registration: z
      .object({
        registered_at: z.string(),
        decision: DecisionSchema.openapi({ description: "The latest automatic-termination decision (kind \"call\")" }),
        evaluated_at: z.string(),
      })
      .nullable()
      .openapi({ description: "Present for a call registered with POST /v1/calls" }),
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
    webhook: z
      .object({
        id: z.string().openapi({ description: "The webhook-id header, the same on every attempt" }),
        status: z.enum(["pending", "delivered", "failed", "not_configured"]),
        next_attempt_at: z.string().nullable(),
        deliveries: z.array(
          z.object({
            n: z.number().int(),
            attempted_at: z.string(),
            duration_ms: z.number(),
            http_status: z.number().int().nullable(),
            error: z.string().nullable(),
            next_attempt_at: z.string().nullable(),
          }),
        ),
      })
      .nullable()
      .openapi({ description: "The outcome webhook to the tenant, once the hangup has an outcome" }),
    events: z.array(z.object({ at: z.string(), type: z.string(), data: z.record(z.string(), z.unknown()) })),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("CallRecord", {
    example: {
      call_id: EXAMPLE_OUTCOME.call_id,
      tenant: "acme",
      connection: "plivo-main",
      provider: "plivo",
      state: "ended",
      registered: false,
      started_at: null,
      from: null,
      to: null,
      flags: [],
      metadata: null,
      registration: null,
      hangup: {
        operation_id: "b974b05f-9485-4eea-bfdd-1044973847c4",
        status: "completed",
        source: "api",
        reason: EXAMPLE_OUTCOME.reason,
        requested_at: EXAMPLE_OUTCOME.requested_at,
        completed_at: EXAMPLE_OUTCOME.completed_at,
        outcome: EXAMPLE_OUTCOME,
      },
      attempts: [
        { n: 1, started_at: "2026-05-01T10:00:00.003Z", duration_ms: 180, http_status: 503, code: "unavailable", outcome: "failed", detail: "the provider failed (HTTP 503)", retryable: true },
        { n: 2, started_at: "2026-05-01T10:00:00.391Z", duration_ms: 21, http_status: 204, outcome: "terminated", detail: "Plivo hung up the call", retryable: false },
      ],
      webhook: {
        id: "msg_b974b05f-9485-4eea-bfdd-1044973847c4",
        status: "delivered",
        next_attempt_at: null,
        deliveries: [{ n: 1, attempted_at: "2026-05-01T10:00:00.430Z", duration_ms: 87, http_status: 204, error: null, next_attempt_at: null }],
      },
      events: [
        { at: EXAMPLE_OUTCOME.requested_at, type: "hangup.requested", data: { source: "api", reason: EXAMPLE_OUTCOME.reason } },
        { at: EXAMPLE_OUTCOME.completed_at, type: "hangup.completed", data: { status: "terminated" } },
      ],
      created_at: EXAMPLE_OUTCOME.requested_at,
      updated_at: EXAMPLE_OUTCOME.completed_at,
    },
  });
