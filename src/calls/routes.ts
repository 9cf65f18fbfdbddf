/**
 * Tenant routes for one call: hang it up, read its record. The route authenticates, validates, finds
 * the connection and asks the policy; the call's Durable Object does the rest.
 */
import { createRoute } from "@hono/zod-openapi";
import { requires } from "../auth/scopes";
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { addLogFields } from "../http/access-log";
import { sha256Hex } from "../bytes";
import { Invariant } from "../errors";
import { ProblemError } from "../http/problem";
import { createRouter } from "../http/router";
import { problemResponses } from "../http/schemas";
import { loadActivePolicy } from "../policy/active";
import { evaluate } from "../policy/evaluate";
import { getConnection, type ConnectionRecord } from "../tenants/store";
import { callObject } from "../objects";
import { CallIdParam, CallRecordSchema, ConnectionQuery, HangupBody, IdempotencyHeaders, OutcomeSchema } from "./schemas";

const TAG = "Calls";

const hangupRoute = createRoute({
  method: "post",
  path: "/v1/calls/{call_id}/hangup",
  tags: [TAG],
  summary: "Hang up a call: terminated at most once, tried until it is",
  description:
    "Concurrent requests share one round at the provider. `terminated`, `already_ended` and `not_found` are final: every later " +
    "request replays them. `failed` ends only its round: a later request starts a new round, unless it carries an " +
    "`Idempotency-Key` this call already answered, which replays that answer. Every answer but the one whose request " +
    "performed the round carries `Idempotent-Replayed: true`.",
  security: requires("calls:hangup"),
  request: {
    params: CallIdParam,
    headers: IdempotencyHeaders,
    body: { required: true, content: { "application/json": { schema: HangupBody } } },
  },
  responses: {
    200: {
      description: "The outcome (also when the provider failed: `status: failed`)",
      headers: { "Idempotent-Replayed": { schema: { type: "string", enum: ["true"] }, description: "Present on answers served from the stored outcome" } },
      content: { "application/json": { schema: OutcomeSchema } },
    },
    ...problemResponses(400, 401, 403, 404, 413, 415, 422, 429),
  },
});

const getCallRoute = createRoute({
  method: "get",
  path: "/v1/calls/{call_id}",
  tags: [TAG],
  summary: "The stored record of a call",
  security: requires("calls:read"),
  request: { params: CallIdParam, query: ConnectionQuery },
  responses: {
    200: { description: "State, hangup, every attempt and event", content: { "application/json": { schema: CallRecordSchema } } },
    ...problemResponses(401, 404, 422, 429),
  },
});

/** The tenant's own connection, or 404: another tenant's connection is answered as one that does not exist. */
export async function requireConnection(c: Context<AppEnv>, connection: string): Promise<ConnectionRecord> {
  const record = await getConnection(c.env, c.get("tenant"), connection);
  if (!record) throw new ProblemError(404, "not_found", `No connection named "${connection}".`);
  return record;
}

export const callRoutes = createRouter()
  .openapi(hangupRoute, async (c) => {
    const { call_id } = c.req.valid("param");
    const body = c.req.valid("json");
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const tenant = c.get("tenant");
    const connection = await requireConnection(c, body.connection);

    const decision = evaluate(await loadActivePolicy(c.env), {
      kind: "hangup",
      tenant,
      connection: connection.id,
      provider: connection.provider,
      call: { call_id },
      now: Date.now(),
    });
    addLogFields(c, { connection: connection.id, policy_version: decision.policy_version });
    if (!decision.allowed) {
      throw new ProblemError(403, "policy_denied", "A policy forbids this hangup; nothing was sent to the provider.", { decision });
    }

    const result = await callObject(c.env, tenant, connection.id, call_id).hangup({
      tenant,
      connection: connection.id,
      call_id,
      provider: connection.provider,
      connection_record: connection,
      reason: body.reason ?? null,
      decision,
      source: "api",
      ...(idempotencyKey
        ? { idempotency: { key: idempotencyKey, fingerprint: await sha256Hex(JSON.stringify([call_id, body.connection, body.reason ?? null])) } }
        : {}),
    });
    if (result.kind === "idempotency_mismatch") {
      throw new ProblemError(422, "idempotency_key_reused", "This Idempotency-Key was already used with a different request body.");
    }
    // Only a bulk job's hangups are spared for protection or an end reported meanwhile; an API hangup is sent.
    if (result.kind !== "outcome") throw new Invariant(`an API hangup was answered ${result.kind}`);
    addLogFields(c, { outcome: result.outcome.status, replayed: result.replayed });
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(result.outcome, 200);
  })
  .openapi(getCallRoute, async (c) => {
    const { call_id } = c.req.valid("param");
    const { connection } = c.req.valid("query");
    addLogFields(c, { connection });
    const record = await callObject(c.env, c.get("tenant"), connection, call_id).record();
    if (!record) throw new ProblemError(404, "not_found", "No record of this call on this connection.");
    return c.json(record, 200);
  });
