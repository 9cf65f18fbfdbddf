/** Request and response schemas of the bulk hangup routes (also their OpenAPI document). */
import { z } from "@hono/zod-openapi";
import { Id, IsoDateTime, OUTCOME_STATUSES } from "../http/schemas";

export const MAX_MATCH_VALUES = 100;
export const DRY_RUN_SAMPLE = 100;
export const JOB_ID_PATTERN = /^bh_[0-9a-f]{32}$/;

export const BulkHangupBody = z
  .object({
    connection: Id.optional().openapi({ example: "plivo-main" }),
    match: z
      .object({
        flags: z.array(z.string().min(1).max(64)).min(1).max(MAX_MATCH_VALUES).optional().openapi({ description: "Carries any of them (case-insensitive)", example: ["irsf"] }),
        to_prefixes: z
          .array(z.string().regex(/^\+?[0-9]{1,15}$/, "must be digits, optionally after a leading +"))
          .min(1)
          .max(MAX_MATCH_VALUES)
          .optional()
          .openapi({ description: "`to` starts with any of them", example: ["+44"] }),
        started_before: IsoDateTime.optional().openapi({ example: "2026-05-01T09:00:00Z" }),
      })
      .strict()
      .optional(),
    reason: z.string().min(1).max(500).openapi({ example: "fraud sweep" }),
    dry_run: z.boolean().optional(),
    all: z.literal(true).optional().openapi({ description: "Required when neither connection nor a match criterion narrows the selection" }),
  })
  .strict()
  .openapi("BulkHangupRequest", { example: { connection: "plivo-main", match: { flags: ["irsf"] }, reason: "fraud sweep", dry_run: true } });

export const DryRunSchema = z
  .object({
    dry_run: z.literal(true),
    matched: z.number().int(),
    protected: z.number().int(),
    call_ids: z.array(z.string()).openapi({ description: `Up to ${DRY_RUN_SAMPLE} of the matched calls` }),
  })
  .openapi("BulkHangupDryRun", { example: { dry_run: true, matched: 2, protected: 1, call_ids: ["2f1c9a52-9a0d-4e4e-9f5b-6f1f4c1f0b11", "CA8e03978e40d543e8bc936894a57f9324"] } });

export const AcceptedSchema = z
  .object({ id: z.string(), matched: z.number().int(), protected: z.number().int(), status: z.literal("running") })
  .openapi("BulkHangupAccepted", { example: { id: "bh_8e03978e40d543e8bc936894a57f9324", matched: 240, protected: 3, status: "running" } });

const Outcomes = z.object(Object.fromEntries(OUTCOME_STATUSES.map((status) => [status, z.number().int()])) as Record<(typeof OUTCOME_STATUSES)[number], z.ZodNumber>);

export const JobStatusSchema = z
  .object({
    id: z.string(),
    matched: z.number().int(),
    protected: z.number().int(),
    done: z.number().int().openapi({ description: "Calls with a stored outcome, or skipped; never goes back" }),
    skipped: z
      .number()
      .int()
      .openapi({ description: "Calls not sent because, when their turn came, they had ended or had a final outcome from another hangup (a failed one skipped on its retry moves here from outcomes.failed)" }),
    outcomes: Outcomes,
    denied: z.number().int().openapi({ description: "Calls left alone because a policy published meanwhile denies the hangup" }),
    status: z.enum(["running", "completed", "cancelled"]).openapi({ description: "cancelled: no call of the job is sent any more (POST /v1/bulk-hangups/{id}/cancel, or the tenant was disabled)" }),
    accepted_at: z.string(),
    retry_at: z
      .string()
      .nullable()
      .openapi({ description: "When the calls whose hangup failed are asked again (the job runs until each has a final outcome, for an hour at most); null when no retry is waiting" }),
  })
  .openapi("BulkHangupJob", {
    example: {
      id: "bh_8e03978e40d543e8bc936894a57f9324",
      matched: 240,
      protected: 3,
      done: 120,
      skipped: 4,
      outcomes: { terminated: 113, already_ended: 2, not_found: 0, failed: 1 },
      denied: 0,
      status: "running",
      accepted_at: "2026-05-01T10:00:00.000Z",
      retry_at: "2026-05-01T10:02:30.000Z",
    },
  });

export const CancelBody = z.object({}).strict().openapi("BulkHangupCancelRequest", { description: "Nothing to send; a body, if any, is {}", example: {} });

export const JobIdParam = z.object({
  id: z.string().max(64).openapi({ param: { name: "id", in: "path" }, example: "bh_8e03978e40d543e8bc936894a57f9324" }),
});
