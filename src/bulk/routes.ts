/**
 * `POST /v1/bulk-hangups`, `GET /v1/bulk-hangups/{id}` and `POST /v1/bulk-hangups/{id}/cancel`: stop many
 * live calls. A dry run walks the selection and answers; a real run hands it to a BulkHangupJob object,
 * which takes the snapshot and works through it in the background until it completes or is cancelled.
 */
import { createRoute } from "@hono/zod-openapi";
import { noteChange } from "../audit/trail";
import { requires } from "../auth/scopes";
import type { Context } from "hono";
import { requireConnection } from "../calls/routes";
import type { AppEnv } from "../http/app-env";
import { addLogFields } from "../http/access-log";
import { bulkJobObject } from "../objects";
import { ProblemError } from "../http/problem";
import { createRouter } from "../http/router";
import { problemResponses } from "../http/schemas";
import { loadActivePolicy } from "../policy/active";
import type { Decision } from "../policy/types";
import { hangupDecision } from "./protection";
import { MAX_RUNNING_JOBS } from "./registry";
import { AcceptedSchema, BulkHangupBody, CancelBody, DRY_RUN_SAMPLE, DryRunSchema, JOB_ID_PATTERN, JobIdParam, JobStatusSchema } from "./schemas";
import { selectsEverything, type BulkCriteria } from "./selection";
import { walkSelection } from "./walk";

const TAG = "Bulk hangups";

const startRoute = createRoute({
  method: "post",
  path: "/v1/bulk-hangups",
  tags: [TAG],
  summary: "Stop many live calls (or count them: dry_run)",
  description:
    "Selects the tenant's live calls meeting every criterion, skips those an enforced `protect` rule covers, and hangs each up " +
    "through its own exactly-once hangup (source `bulk`), paced to its provider's rate limit. `dry_run: true` only counts. " +
    "With neither `connection` nor a `match` criterion, `all: true` is required. " +
    `A tenant runs at most ${MAX_RUNNING_JOBS} jobs at once (429 beyond).`,
  security: requires("bulk"),
  request: { body: { required: true, content: { "application/json": { schema: BulkHangupBody } } } },
  responses: {
    200: { description: "Dry run: what a real run would do; nothing changed", content: { "application/json": { schema: DryRunSchema } } },
    202: { description: "Accepted: the job runs; follow it at GET /v1/bulk-hangups/{id}", content: { "application/json": { schema: AcceptedSchema } } },
    ...problemResponses(400, 401, 403, 404, 413, 415, 422, 429),
  },
});

const statusRoute = createRoute({
  method: "get",
  path: "/v1/bulk-hangups/{id}",
  tags: [TAG],
  summary: "Progress of a bulk hangup",
  security: requires("calls:read"),
  request: { params: JobIdParam },
  responses: {
    200: { description: "The job's counts so far", content: { "application/json": { schema: JobStatusSchema } } },
    ...problemResponses(401, 404, 422, 429),
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/v1/bulk-hangups/{id}/cancel",
  tags: [TAG],
  summary: "Cancel a bulk hangup",
  description:
    "Answers at once, without waiting for calls in flight: no call of the job is sent after this answer (a round already at the provider " +
    "settles itself and is counted), and no failed call is retried. Cancelling a cancelled job answers the same; a completed job is 409.",
  security: requires("bulk"),
  // No body is needed; one that is sent must be JSON (`{}`), like every other body.
  request: { params: JobIdParam, body: { required: false, content: { "application/json": { schema: CancelBody } } } },
  responses: {
    200: { description: "The job, now cancelled", content: { "application/json": { schema: JobStatusSchema } } },
    ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429),
  },
});

function deniedProblem(decision: Decision): ProblemError {
  return new ProblemError(403, "policy_denied", "A policy forbids these hangups; nothing was sent to any provider.", { decision });
}

function jobStub(c: Context<AppEnv>, id: string) {
  return bulkJobObject(c.env, c.get("tenant"), id);
}

export const bulkRoutes = createRouter()
  .openapi(startRoute, async (c) => {
    const body = c.req.valid("json");
    const tenant = c.get("tenant");
    const criteria: BulkCriteria = {
      connection: body.connection,
      flags: body.match?.flags?.map((flag) => flag.toLowerCase()),
      to_prefixes: body.match?.to_prefixes,
      started_before: body.match?.started_before === undefined ? undefined : new Date(body.match.started_before).toISOString(),
    };
    if (selectsEverything(criteria) && body.all !== true) {
      throw new ProblemError(422, "invalid_request", "Neither a connection nor a match criterion narrows the selection: send \"all\": true to stop every live call.", {
        errors: [{ path: "all", message: "required when neither connection nor match narrows the selection" }],
      });
    }
    const now = Date.now();
    const policy = await loadActivePolicy(c.env);
    // Asked before any walk, so a denied tenant is 403 even when nothing is selected. Without a connection,
    // rules scoped to connections or providers are asked again for each connection the walk meets.
    const connection = body.connection === undefined ? null : await requireConnection(c, body.connection);
    addLogFields(c, { ...(connection ? { connection: connection.id } : {}), policy_version: policy?.version ?? null });
    const decision = hangupDecision(policy, tenant, connection?.id ?? "", connection?.provider ?? "", now);
    if (!decision.allowed) throw deniedProblem(decision);

    if (body.dry_run) {
      const walk = await walkSelection(c.env, tenant, criteria, policy, now);
      if (walk.denied) throw deniedProblem(walk.denied);
      return c.json(
        { dry_run: true as const, matched: walk.targets.length, protected: walk.protected.length, call_ids: walk.targets.slice(0, DRY_RUN_SAMPLE).map((t) => t.call_id) },
        200,
      );
    }

    const id = `bh_${crypto.randomUUID().replace(/-/g, "")}`;
    const result = await jobStub(c, id).start({ id, tenant, criteria, reason: body.reason });
    if (result.kind === "denied") throw deniedProblem(result.decision);
    if (result.kind === "too_many") {
      throw new ProblemError(429, "rate_limited", `This tenant already runs ${MAX_RUNNING_JOBS} bulk hangups: wait for one to complete, or cancel one.`);
    }
    noteChange(c, { action: "bulk.started", tenant, target: `bulk-hangups/${id}`, detail: { criteria, reason: body.reason, matched: result.status.matched, protected: result.status.protected } });
    return c.json({ id, matched: result.status.matched, protected: result.status.protected, status: "running" as const }, 202);
  })
  .openapi(statusRoute, async (c) => {
    const { id } = c.req.valid("param");
    // Named by tenant and id: another tenant's id names an empty object here, answered as no job at all.
    const status = JOB_ID_PATTERN.test(id) ? await jobStub(c, id).status() : null;
    if (!status) throw notFound();
    return c.json(status, 200);
  })
  .openapi(cancelRoute, async (c) => {
    const { id } = c.req.valid("param");
    const result = JOB_ID_PATTERN.test(id) ? await jobStub(c, id).cancel() : { kind: "not_found" as const };
    if (result.kind === "not_found") throw notFound();
    if (result.kind === "completed") throw new ProblemError(409, "conflict", "This bulk hangup has completed; there is nothing left to cancel.");
    // Recorded when this request cancelled the job; asking again changes nothing.
    if (result.kind === "cancelled") noteChange(c, { action: "bulk.cancelled", tenant: c.get("tenant"), target: `bulk-hangups/${id}` });
    return c.json(result.status, 200);
  });

function notFound(): ProblemError {
  return new ProblemError(404, "not_found", "No bulk hangup with this id.");
}
