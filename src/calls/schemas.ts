/**
 * Request and response schemas of the tenant call routes (also their OpenAPI document). A registered
 * schema that may be null is `X.or(z.null())`, never `X.nullable()`: zod-to-openapi 9.1 writes the latter
 * as a bare `$ref` or an `allOf` that no null satisfies (test/openapi-responses.ts checks every answer).
 */
import { z } from "@hono/zod-openapi";
import { BoundedJsonObject } from "../http/json-bounds";
import { CallId, E164, Id, IsoDateTime } from "../http/schemas";
import type { CallEvent } from "./events";
import type { JsonObject } from "./stored-call";
import { WEBHOOK_EVENT_TYPES } from "../webhooks/event-types";
import { CALL_CAUSES, ENDED_BY, LIFECYCLE_STATES } from "../providers/lifecycle/vocabulary";
import { AttemptSchema, DecisionSchema, HANGUP_OUTCOME_EXAMPLE, HangupSource, OutcomeSchema } from "../vocabulary";

export { OutcomeSchema };

/** Fraud flags one call may carry, all signals together: enough for any real use, bounded for storage. */
export const MAX_FLAGS_PER_CALL = 100;

const EXAMPLE_OUTCOME = HANGUP_OUTCOME_EXAMPLE;

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
    answered_at: IsoDateTime.optional().openapi({ description: "When the call was answered, if it was: max_duration counts from it. Not more than 5 minutes ahead.", example: "2026-05-01T09:30:12Z" }),
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

const LifecycleSchema = z
  .object({
    state: z.enum(LIFECYCLE_STATES).openapi({ description: "initiated → ringing → answered → ended, never backwards" }),
    started_at: z.string().nullable(),
    answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    duration_seconds: z.number().nullable().openapi({ description: "From answer to end; null if never answered" }),
    cause: z.enum(CALL_CAUSES).nullable().openapi({ description: "Why it ended, in one vocabulary whatever the provider" }),
    ended_by: z.enum(ENDED_BY).nullable(),
    provider_cause: z.string().nullable().openapi({ description: "The provider's own words for the end" }),
    source: z.enum(["callback", "signal", "reconcile", "hangup"]).nullable().openapi({ description: "What ended it" }),
    timeline: z.array(z.object({ state: z.enum(LIFECYCLE_STATES), at: z.string() })).openapi({ description: "Each state the call reached, in order, with when" }),
  })
  .openapi("CallLifecycle");

const RoundSchema = z
  .object({
    n: z.number().int().openapi({ description: "1 for the call's first round" }),
    operation_id: z.string(),
    status: z.enum(["pending", "completed"]),
    source: HangupSource,
    reason: z.string().nullable(),
    requested_at: z.string(),
    completed_at: z.string().nullable(),
    outcome: OutcomeSchema.or(z.null()),
  })
  .openapi("HangupRound");

const WebhookSchema = z
  .object({
    id: z.string().openapi({ description: "The webhook-id header, the same on every attempt" }),
    type: z.enum(WEBHOOK_EVENT_TYPES),
    status: z.enum(["pending", "delivered", "failed", "not_configured", "superseded"]),
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
  .openapi("OutcomeWebhook");

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
        source: z.enum(["api", "provider_event"]).openapi({ description: "POST /v1/calls, or a provider's event on a connection that watches every call" }),
        registered_at: z.string(),
        decision: DecisionSchema.openapi({ description: "The latest automatic-termination decision (kind \"call\")" }),
        evaluated_at: z.string(),
        watch_ends_at: z.string().nullable().openapi({ description: "When the call stops being watched if its end is never reported; null once it is no longer watched" }),
      })
      .nullable()
      .openapi({ description: "Present for a registered call" }),
    lifecycle: LifecycleSchema,
    reconciliations: z
      .array(z.object({ at: z.string(), http_status: z.number().int().nullable(), said: z.enum(["live", "ended", "unknown", "error"]) }))
      .openapi({ description: "The latest status reads at the provider (reconciliation), oldest first" }),
    hangup: RoundSchema.or(z.null()).openapi({ description: "The latest round (the one whose outcome a new request would replay)" }),
    rounds: z.array(RoundSchema).openapi({ description: "Every round, oldest first (the latest 20; `rounds_omitted` counts older ones)" }),
    rounds_omitted: z.number().int(),
    retry: z
      .object({ failures: z.number().int(), next_at: z.string() })
      .nullable()
      .openapi({ description: "A watched call whose automatic hangup failed: when the gateway tries again" }),
    attempts: z.array(AttemptSchema).openapi({ description: "Every provider attempt of the rounds shown" }),
    webhook: WebhookSchema.or(z.null()).openapi({ description: "The latest outcome webhook to the tenant" }),
    webhooks: z.array(WebhookSchema).openapi({ description: "The latest outcome webhooks, oldest first" }),
    events: z.array(z.object({ at: z.string(), type: z.string(), data: z.record(z.string(), z.unknown()) })),
    events_omitted: z.record(z.string(), z.number().int()).openapi({ description: "Older events dropped to keep the record small, counted by type" }),
    created_at: z.string(),
    updated_at: z.string(),
    retained_until: z.string().nullable().openapi({ description: "A settled call's record is deleted then (CALL_RETENTION_DAYS after its last change)" }),
  })
  .openapi("CallRecord", { example: exampleRecord() });

/** The record of a call hung up through the API on the second attempt, its webhook delivered. */
function exampleRecord() {
  const round = {
    n: 1,
    operation_id: "b974b05f-9485-4eea-bfdd-1044973847c4",
    status: "completed" as const,
    source: "api" as const,
    reason: EXAMPLE_OUTCOME.reason,
    requested_at: EXAMPLE_OUTCOME.requested_at,
    completed_at: EXAMPLE_OUTCOME.completed_at,
    outcome: EXAMPLE_OUTCOME,
  };
  const webhook = {
    id: `msg_${round.operation_id}`,
    type: "call.hangup.completed" as const,
    status: "delivered" as const,
    next_attempt_at: null,
    deliveries: [{ n: 1, attempted_at: "2026-05-01T10:00:00.430Z", duration_ms: 87, http_status: 204, error: null, next_attempt_at: null }],
  };
  return {
    call_id: EXAMPLE_OUTCOME.call_id,
    tenant: "acme",
    connection: "plivo-main",
    provider: "plivo",
    state: "ended" as const,
    registered: false,
    started_at: null,
    from: null,
    to: null,
    flags: [],
    metadata: null,
    registration: null,
    lifecycle: {
      state: "ended" as const,
      started_at: null,
      answered_at: null,
      ended_at: EXAMPLE_OUTCOME.completed_at,
      duration_seconds: null,
      cause: "completed" as const,
      ended_by: "gateway" as const,
      provider_cause: null,
      source: "hangup" as const,
      timeline: [
        { state: "initiated" as const, at: EXAMPLE_OUTCOME.requested_at },
        { state: "ended" as const, at: EXAMPLE_OUTCOME.completed_at },
      ],
    },
    reconciliations: [],
    hangup: round,
    rounds: [round],
    rounds_omitted: 0,
    retry: null,
    attempts: [
      { round: 1, n: 1, started_at: "2026-05-01T10:00:00.003Z", duration_ms: 180, http_status: 503, code: "unavailable", outcome: "failed" as const, detail: "the provider failed (HTTP 503)", retryable: true },
      { round: 1, n: 2, started_at: "2026-05-01T10:00:00.391Z", duration_ms: 21, http_status: 204, outcome: "terminated" as const, detail: "Plivo hung up the call", retryable: false },
    ],
    webhook,
    webhooks: [webhook],
    events: [
      { at: EXAMPLE_OUTCOME.requested_at, type: "hangup.requested", data: { round: 1, source: "api", reason: EXAMPLE_OUTCOME.reason } },
      { at: EXAMPLE_OUTCOME.completed_at, type: "hangup.completed", data: { round: 1, status: "terminated" } },
    ],
    events_omitted: {},
    created_at: EXAMPLE_OUTCOME.requested_at,
    updated_at: EXAMPLE_OUTCOME.completed_at,
    retained_until: "2026-05-31T10:00:00.412Z",
  };
}

/**
 * The record as the object answers it over RPC. Free-form JSON is typed `{} | null` rather than
 * `unknown` there, which RPC types cannot carry (it would erase the record from them); a recursive JSON
 * type is too deep for Hono's response types.
 */
export type CallRecord = Omit<z.infer<typeof CallRecordSchema>, "metadata" | "events"> & {
  metadata: JsonObject | null;
  events: CallEvent[];
};
export type HangupRequest = z.infer<typeof HangupBody>;
