/**
 * What a call's Durable Object tells the tenant's call index after each change of the call: the
 * call's whole list entry, never a delta, with a version that grows with every change. Reports are
 * sent at least once and may arrive twice or out of order; the index keeps, per call, the entry with
 * the highest version, so a replayed or late report never takes an entry back. The schema is what the
 * consumer checks each queue message against (./ingest.ts); the type is what the call object sends.
 */
import { z } from "zod";
import { CALL_CAUSES, LIFECYCLE_STATES } from "../providers/lifecycle/vocabulary";
import { HangupSource, OutcomeStatus } from "../vocabulary";

export const CallIndexReportSchema = z.object({
  tenant: z.string().min(1),
  connection: z.string().min(1),
  call_id: z.string().min(1),
  provider: z.string(),
  /** `ended` once the call is reported ended or its hangup has a final outcome; `live` otherwise. */
  state: z.enum(["live", "ended"]),
  registered: z.boolean(),
  started_at: z.string().nullable(),
  to: z.string().nullable(),
  flags: z.array(z.string()),
  /** The latest round's outcome; null while no round has finished. */
  hangup_status: OutcomeStatus.nullable(),
  /** Who asked for the latest hangup round, and why (a policy hangup's reason is `policy:<rule id>`). */
  hangup_source: HangupSource.nullable(),
  hangup_reason: z.string().nullable(),
  /**
   * The call's lifecycle (src/calls/lifecycle.ts): where it is, and why it ended (null until it has). Absent
   * from a report sent before the index carried them (one still queued across a deploy): indexed as null.
   */
  lifecycle_state: z.enum(LIFECYCLE_STATES).nullable().optional(),
  cause: z.enum(CALL_CAUSES).nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  version: z.number().int().nonnegative(),
  /** The call's storage was deleted (retention): its entry goes too. */
  deleted: z.literal(true).optional(),
});

export type CallIndexReport = z.infer<typeof CallIndexReportSchema>;
