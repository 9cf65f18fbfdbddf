/**
 * Tenant routes that put a call under policy-driven automatic termination: register it, then signal
 * fraud flags or its end. The route authenticates, validates, asks the policy whether the tenant may
 * register at all, and hands the rest to the call's Durable Object, which evaluates, hangs up through
 * the same exactly-once path as an API hangup, and sets its alarm for the deadline.
 */
import { createRoute } from "@hono/zod-openapi";
import { requires } from "../auth/scopes";
import { addLogFields } from "../http/access-log";
import { sha256Hex } from "../bytes";
import { canonicalJson } from "../canonical-json";
import { ProblemError } from "../http/problem";
import { createRouter } from "../http/router";
import { problemResponses } from "../http/schemas";
import { loadActivePolicy } from "../policy/active";
import { evaluate } from "../policy/evaluate";
import { callObject } from "../objects";
import { requireConnection } from "./routes";
import { CallIdParam, CallRecordSchema, MAX_FLAGS_PER_CALL, RegisterBody, SignalBody } from "./schemas";
import type { JsonObject } from "./stored-call";
import { normalizeFlags } from "./judge";

const TAG = "Calls";

/** How far ahead of the gateway's clock a started_at may be: clocks differ, calls do not start in the future. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const registerRoute = createRoute({
  method: "post",
  path: "/v1/calls",
  tags: [TAG],
  summary: "Register a live call for automatic termination",
  description:
    "Stores the call and evaluates the active policy at once: an enforced fraud_flags or exceeded max_duration rule hangs it up " +
    "before this answers (through the same exactly-once hangup as the API, reason `policy:<rule>`); otherwise it is hung up " +
    "at its deadline. Sending the same registration again answers 200 with the current record and `Idempotent-Replayed: true`; " +
    "different details for a registered call, or registering a call that was already hung up, is 409.",
  security: requires("calls:register"),
  request: { body: { required: true, content: { "application/json": { schema: RegisterBody } } } },
  responses: {
    201: { description: "Registered: the call's record, with the decision and any hangup it caused", content: { "application/json": { schema: CallRecordSchema } } },
    200: {
      description: "The same registration again: the current record",
      headers: { "Idempotent-Replayed": { schema: { type: "string", enum: ["true"] } } },
      content: { "application/json": { schema: CallRecordSchema } },
    },
    ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429),
  },
});

const signalRoute = createRoute({
  method: "post",
  path: "/v1/calls/{call_id}/signals",
  tags: [TAG],
  summary: "Add fraud flags to a call, or say it ended",
  description:
    "Flags are added (once each) and the policy is evaluated at once: a matching enforced fraud_flags rule hangs the call up " +
    "before this answers. `ended: true` marks the call over: it is no longer watched and not hung up. 404 for a call that " +
    "was never registered nor hung up.",
  security: requires("calls:register"),
  request: {
    params: CallIdParam,
    body: { required: true, content: { "application/json": { schema: SignalBody } } },
  },
  responses: {
    200: { description: "The call's record after the signal", content: { "application/json": { schema: CallRecordSchema } } },
    ...problemResponses(400, 401, 404, 413, 415, 422, 429),
  },
});

/** The registration's instants, compared as the instant they name however they are written (`…Z`, `….000Z`, an offset). */
const INSTANT_FIELDS = ["started_at", "answered_at"];

/**
 * Identifies a registration by its values, so that its retry is told apart from a different registration
 * however its JSON is written: every field of the body but the ids that address the call, as canonical JSON
 * (metadata keys in any order), instants as instants, flags as stored.
 */
function registrationFingerprint(body: Record<string, unknown>, flags: string[]): Promise<string> {
  const values: Record<string, unknown> = { ...body, call_id: undefined, connection: undefined, flags: [...flags].sort() };
  for (const field of INSTANT_FIELDS) {
    const text = values[field];
    if (typeof text === "string") values[field] = new Date(Date.parse(text)).toISOString();
  }
  return sha256Hex(canonicalJson(values));
}

export const registrationRoutes = createRouter()
  .openapi(registerRoute, async (c) => {
    const body = c.req.valid("json");
    const tenant = c.get("tenant");
    const connection = await requireConnection(c, body.connection);
    const now = Date.now();
    for (const field of ["started_at", "answered_at"] as const) {
      const value = body[field];
      if (value && Date.parse(value) > now + MAX_CLOCK_SKEW_MS) {
        const errors = [{ path: field, message: "must not be in the future" }];
        throw new ProblemError(422, "invalid_request", `The request body is not valid: ${field}: must not be in the future`, { errors });
      }
    }
    const startedAt = new Date(body.started_at ?? now).toISOString();
    const answeredAt = body.answered_at ? new Date(body.answered_at).toISOString() : null;
    const flags = normalizeFlags(body.flags ?? []);

    const decision = evaluate(await loadActivePolicy(c.env), {
      kind: "call",
      tenant,
      connection: connection.id,
      provider: connection.provider,
      call: {
        call_id: body.call_id,
        started_at: startedAt,
        ...(answeredAt ? { answered_at: answeredAt } : {}),
        flags,
        ...(body.from ? { from: body.from } : {}),
        ...(body.to ? { to: body.to } : {}),
      },
      now,
    });
    addLogFields(c, { connection: connection.id, policy_version: decision.policy_version });
    if (!decision.allowed) {
      throw new ProblemError(403, "policy_denied", "A policy forbids registering this call; nothing was stored.", { decision });
    }

    const result = await callObject(c.env, tenant, connection.id, body.call_id).register({
      tenant,
      connection: connection.id,
      call_id: body.call_id,
      provider: connection.provider,
      started_at: startedAt,
      answered_at: answeredAt,
      from: body.from ?? null,
      to: body.to ?? null,
      flags,
      // Parsed JSON holds no `undefined`, which is all that tells `unknown` from the record's JSON type.
      metadata: (body.metadata ?? null) as JsonObject | null,
      fingerprint: await registrationFingerprint(body, flags),
      decision,
      reconcile: connection.reconcile,
    });
    if (result.kind === "conflict") throw new ProblemError(409, "conflict", result.detail);
    if (result.record.hangup?.outcome) addLogFields(c, { outcome: result.record.hangup.outcome.status });
    if (result.kind === "replayed") {
      c.header("Idempotent-Replayed", "true");
      return c.json(result.record, 200);
    }
    return c.json(result.record, 201);
  })
  .openapi(signalRoute, async (c) => {
    const { call_id } = c.req.valid("param");
    const body = c.req.valid("json");
    const connection = await requireConnection(c, body.connection);
    addLogFields(c, { connection: connection.id });
    const result = await callObject(c.env, c.get("tenant"), connection.id, call_id).signal({
      flags: normalizeFlags(body.flags ?? []),
      ended: body.ended ?? false,
    });
    if (result.kind === "unknown") throw new ProblemError(404, "not_found", "No registered call with this id on this connection.");
    if (result.kind === "too_many_flags") {
      throw new ProblemError(422, "invalid_request", `A call carries at most ${MAX_FLAGS_PER_CALL} flags; nothing was added.`);
    }
    if (result.record.hangup?.outcome) addLogFields(c, { outcome: result.record.hangup.outcome.status });
    return c.json(result.record, 200);
  });
