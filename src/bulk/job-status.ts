/**
 * A job's progress as `GET /v1/bulk-hangups/{id}` answers it, from its targets' counts (a plain function).
 * `done` counts calls with a stored outcome or skipped; a failed call being asked again (`retrying`) still
 * counts as failed, and one skipped on its retry moves from failed to skipped, so `done` never goes back.
 */
import type { z } from "@hono/zod-openapi";
import { OUTCOME_STATUSES, type OutcomeStatus } from "../vocabulary";
import type { JobRow } from "./job-store";
import type { RetryState } from "./retries";
import type { JobStatusSchema } from "./schemas";

export type JobStatus = z.infer<typeof JobStatusSchema>;

export function jobStatus(job: JobRow, counts: Map<string, number>, retry: RetryState | undefined): JobStatus {
  const count = (status: string) => counts.get(status) ?? 0;
  const outcomes = Object.fromEntries(OUTCOME_STATUSES.map((status) => [status, count(status)])) as Record<OutcomeStatus, number>;
  outcomes.failed += count("retrying");
  const skipped = count("skipped");
  const done = OUTCOME_STATUSES.reduce((sum, status) => sum + outcomes[status], skipped);
  const denied = count("denied");
  return {
    id: job.id,
    matched: done + denied + count("pending"),
    protected: count("protected"),
    done,
    skipped,
    outcomes,
    denied,
    status: job.status,
    accepted_at: job.accepted_at,
    retry_at: job.status === "running" && retry?.next_at ? new Date(retry.next_at).toISOString() : null,
  };
}
