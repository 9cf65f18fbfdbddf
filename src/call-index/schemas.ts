/** Request and response schemas of `GET /v1/calls` (also its OpenAPI document). */
import { z } from "@hono/zod-openapi";
import { Id, IsoDateTime, ListLimit } from "../http/schemas";
import { CALL_CAUSES, LIFECYCLE_STATES } from "../providers/lifecycle/vocabulary";
import { OutcomeStatus } from "../vocabulary";
import { CallIndexReportSchema } from "./report";

export { DEFAULT_LIST_LIMIT } from "../http/schemas";

const BooleanText = z.enum(["true", "false"]).transform((text) => text === "true");

export const ListCallsQuery = z
  .object({
    connection: Id.optional().openapi({ example: "plivo-main" }),
    state: z.enum(["live", "ended"]).optional().openapi({ description: "`ended` once reported ended or its hangup has a final outcome" }),
    status: OutcomeStatus.optional().openapi({ description: "The latest hangup round's outcome" }),
    registered: BooleanText.optional().openapi({ type: "string", enum: ["true", "false"] }),
    lifecycle_state: z.enum(LIFECYCLE_STATES).optional().openapi({ description: "Where the call is in its life (beyond the contract: a filter of this gateway's own)" }),
    cause: z.enum(CALL_CAUSES).optional().openapi({ description: "Why the call ended (only ended calls have one)" }),
    flag: z.string().min(1).max(64).optional().openapi({ description: "Carries this flag (case-insensitive)", example: "irsf" }),
    since: IsoDateTime.optional().openapi({ description: "created_at at or after (inclusive)", example: "2026-05-01T00:00:00Z" }),
    until: IsoDateTime.optional().openapi({ description: "created_at before (exclusive)", example: "2026-05-02T00:00:00Z" }),
    limit: ListLimit,
    cursor: z.string().min(1).max(2048).optional().openapi({ description: "`next_cursor` of the previous page, with the same filters" }),
  })
  .refine((q) => q.since === undefined || q.until === undefined || Date.parse(q.since) <= Date.parse(q.until), {
    message: "since must not be after until",
    path: ["since"],
  });

/** A call as the list shows it: its index entry without what only the index needs (tenant, version). */
export const ListedCallSchema = CallIndexReportSchema.omit({ tenant: true, version: true, deleted: true })
  .extend({
    hangup_source: CallIndexReportSchema.shape.hangup_source.openapi({ description: "Who asked for the latest hangup round: api, policy or bulk" }),
    hangup_reason: CallIndexReportSchema.shape.hangup_reason.openapi({ description: "Its reason; a policy hangup's is policy:<rule id>" }),
    lifecycle_state: z
      .enum(LIFECYCLE_STATES)
      .nullable()
      .openapi({ description: "initiated → ringing → answered → ended, as the call's record's `lifecycle.state`; null for an entry indexed before the index carried it" }),
    cause: z.enum(CALL_CAUSES).nullable().openapi({ description: "Why the call ended, as its record's `lifecycle.cause`; null until it has" }),
  })
  .openapi("ListedCall");

export const CallListSchema = z
  .object({
    calls: z.array(ListedCallSchema),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last page" }),
  })
  .openapi("CallList", {
    example: {
      calls: [
        {
          call_id: "2f1c9a52-9a0d-4e4e-9f5b-6f1f4c1f0b11",
          connection: "plivo-main",
          provider: "plivo",
          state: "live",
          registered: true,
          started_at: "2026-05-01T09:30:00.000Z",
          to: "+442071838750",
          flags: ["irsf"],
          hangup_status: null,
          hangup_source: null,
          hangup_reason: null,
          lifecycle_state: "answered",
          cause: null,
          created_at: "2026-05-01T09:30:00.120Z",
          updated_at: "2026-05-01T09:31:02.004Z",
        },
      ],
      next_cursor: null,
    },
  });
