/**
 * The policy engine over HTTP: operators publish and read the active document (admin API); tenants ask
 * what a policy would decide for an event of theirs, against the active document or a draft, without
 * changing anything or contacting a provider. Authentication is applied where these are mounted.
 *
 * Policy documents are validated by the schema in ./schema.ts, whose problems are reported in the
 * operator's terms (an unknown field at its own path, every problem at once), hence the route hook.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { noteChange } from "../audit/trail";
import { requires } from "../auth/scopes";
import type { ZodError } from "zod";
import { ProblemError } from "../http/problem";
import { createRouter } from "../http/router";
import { DecisionSchema } from "../vocabulary";
import { CallId, E164, Id, IsoDateTime, problemResponses } from "../http/schemas";
import { readCounts } from "../counters/client";
import { getConnection } from "../tenants/store";
import { getActivePolicy, getPolicyVersion, loadActivePolicy, publishPolicy } from "./active";
import { compilePolicy } from "./compile";
import { countersFor } from "./counters";
import { evaluate } from "./evaluate";
import { PolicyDocumentSchema, policyProblems, type PolicyProblem } from "./schema";
import type { PolicyEvent } from "./types";
import { policyVersion } from "./version";

const ADMIN_TAG = "Admin";
const TENANT_TAG = "Policies";

function invalid(what: string, errors: PolicyProblem[]): ProblemError {
  const summary = errors.map((e) => `${e.path}: ${e.message}`).join("; ");
  return new ProblemError(422, "invalid_request", `${what} is not valid: ${summary}`, { errors });
}

/** Replaces the shared 422 hook for bodies holding a policy document: same answer, operator's paths. */
function policyBodyHook(what: string) {
  return (result: { success: true } | { success: false; error: ZodError }): undefined => {
    if (!result.success) throw invalid(what, policyProblems(result.error));
    return undefined; // valid: on to the handler
  };
}

/** The contract's example policy: the example of every body that carries a document. */
const EXAMPLE_POLICY = {
  rules: [
    { id: "only-known-tenants", kind: "allowed_tenants" as const, tenants: ["acme", "globex"] },
    { id: "one-hour-max", kind: "max_duration" as const, max_seconds: 3600 },
    { id: "fraud", kind: "fraud_flags" as const, flags: ["irsf", "wangiri"] },
    { id: "emergency", kind: "protect" as const, to_prefixes: ["+1911", "+44999", "+91112"] },
    { id: "premium-ranges", kind: "destinations" as const, deny: ["+882", "+883", "country:CU"] },
    { id: "trunk-cap", kind: "concurrency" as const, max_live: 100, per: "connection" as const },
    { id: "tcpa-hours", kind: "calling_hours" as const, time_zone: "destination", from: "08:00", until: "21:00", days: ["mon" as const, "tue" as const, "wed" as const, "thu" as const, "fri" as const, "sat" as const] },
    { id: "pumping", kind: "velocity" as const, max_calls: 3, window_seconds: 3600, per: "to" as const },
  ],
};

const VersionSchema = z.string().openapi({ example: "sha256:3f2a9c0b1d4e5f67", description: "Content hash of the document" });

const PublishedPolicySchema = z
  .object({ version: VersionSchema, document: PolicyDocumentSchema, published_at: IsoDateTime })
  .openapi("PublishedPolicy", { example: { version: "sha256:3f2a9c0b1d4e5f67", document: EXAMPLE_POLICY, published_at: "2026-05-01T09:00:00.000Z" } });

const putPolicyRoute = createRoute({
  method: "put",
  path: "/admin/policies",
  tags: [ADMIN_TAG],
  summary: "Publish the active policy",
  description:
    "Validates the document and makes it the active policy. It applies at once on the Worker instance that took it, " +
    "within 5 s on the others of that location, and within KV's propagation time (up to about 60 s) everywhere. " +
    "An invalid document is answered 422 with every problem in `errors`, and the active policy is unchanged. " +
    "The version is a content hash: publishing the active document again changes nothing.",
  security: [{ adminToken: [] }],
  request: { body: { required: true, content: { "application/json": { schema: PolicyDocumentSchema, example: EXAMPLE_POLICY } } } },
  responses: {
    200: {
      description: "Published",
      content: { "application/json": { schema: z.object({ version: VersionSchema, published_at: IsoDateTime }).openapi("PolicyPublished", { example: { version: "sha256:3f2a9c0b1d4e5f67", published_at: "2026-05-01T09:00:00.000Z" } }) } },
    },
    ...problemResponses(400, 401, 413, 415, 422, 503),
  },
});

const getPolicyRoute = createRoute({
  method: "get",
  path: "/admin/policies",
  tags: [ADMIN_TAG],
  summary: "Read the active policy",
  security: [{ adminToken: [] }],
  responses: {
    200: { description: "The active document and its version", content: { "application/json": { schema: PublishedPolicySchema } } },
    ...problemResponses(401, 404, 503),
  },
});

const getPolicyVersionRoute = createRoute({
  method: "get",
  path: "/admin/policies/{version}",
  tags: [ADMIN_TAG],
  summary: "Read a published version",
  description: "Every version ever published is kept; publishing an old version's document again rolls back to it.",
  security: [{ adminToken: [] }],
  request: {
    params: z.object({
      version: z
        .string()
        .regex(/^sha256:[0-9a-f]{16}$/, "must be a policy version such as sha256:3f2a9c0b1d4e5f67")
        .openapi({ param: { name: "version", in: "path" }, example: "sha256:3f2a9c0b1d4e5f67" }),
    }),
  },
  responses: {
    200: { description: "That version's document, and when it was last published", content: { "application/json": { schema: PublishedPolicySchema } } },
    ...problemResponses(401, 404, 422, 503),
  },
});

export const adminPolicyRoutes = createRouter()
  .openapi(
    putPolicyRoute,
    async (c) => {
      const result = await publishPolicy(c.env, c.req.valid("json"));
      if (result.kind === "invalid") throw invalid("The policy", result.errors);
      noteChange(c, { action: "policy.published", target: `policies/${result.version}` });
      return c.json({ version: result.version, published_at: result.published_at }, 200);
    },
    policyBodyHook("The policy"),
  )
  .openapi(getPolicyRoute, async (c) => {
    const active = await getActivePolicy(c.env);
    if (!active) throw new ProblemError(404, "not_found", "No policy is published, so every request is allowed.");
    return c.json(active, 200);
  })
  .openapi(getPolicyVersionRoute, async (c) => {
    const { version } = c.req.valid("param");
    const published = await getPolicyVersion(c.env, version);
    if (!published) throw new ProblemError(404, "not_found", `No policy version ${version} was ever published.`);
    return c.json(published, 200);
  });

const EvaluateCallSchema = z
  .object({
    call_id: CallId.optional(),
    started_at: IsoDateTime.optional().openapi({ description: 'Default for kind "call": now, as when a call is registered' }),
    answered_at: IsoDateTime.optional().openapi({ description: "When the call was answered, if known: max_duration counts from it" }),
    from: E164.optional(),
    to: E164.optional(),
    flags: z.array(z.string().min(1).max(64)).max(100).optional().openapi({ example: ["irsf"] }),
  })
  .strict();

const EvaluateRequestSchema = z
  .object({
    kind: z.enum(["hangup", "call"]).openapi({ description: '"hangup": an explicit hangup request. "call": a registered call being watched.' }),
    connection: Id.openapi({ example: "main" }),
    call: EvaluateCallSchema.optional(),
    policy: PolicyDocumentSchema.optional().openapi({ description: "A draft document to evaluate instead of the active one" }),
  })
  .strict()
  .openapi("PolicyEvaluationRequest", {
    example: { kind: "call", connection: "plivo-main", call: { call_id: "2f1c9a52-9a0d-4e4e-9f5b-6f1f4c1f0b11", to: "+14155550100", flags: ["irsf"] } },
  });

const EvaluateResponseSchema = z
  .object({
    draft: z.boolean().openapi({ description: "True when the draft in the request decided, false for the active policy" }),
    policy_version: VersionSchema.nullable().openapi({ description: "The deciding document's version; null when none is published" }),
    evaluated_at: IsoDateTime,
    event: z
      .object({
        kind: z.enum(["hangup", "call"]),
        tenant: z.string(),
        connection: z.string(),
        provider: z.string(),
        call: EvaluateCallSchema.optional(),
      })
      .openapi({ description: "The event as evaluated, with the connection's provider and any default filled in" }),
    decision: DecisionSchema,
  })
  .openapi("PolicyEvaluation", {
    example: {
      draft: false,
      policy_version: "sha256:3f2a9c0b1d4e5f67",
      evaluated_at: "2026-05-01T10:00:00.000Z",
      event: {
        kind: "call",
        tenant: "acme",
        connection: "plivo-main",
        provider: "plivo",
        call: { call_id: "2f1c9a52-9a0d-4e4e-9f5b-6f1f4c1f0b11", to: "+14155550100", flags: ["irsf"], started_at: "2026-05-01T10:00:00.000Z" },
      },
      decision: {
        kind: "call",
        allowed: true,
        policy_version: "sha256:3f2a9c0b1d4e5f67",
        matched: [{ id: "fraud", kind: "fraud_flags", effect: "terminate", shadow: false, detail: "The call carries the fraud flag irsf." }],
        terminate: { rule: "fraud", reason: "policy:fraud" },
        deadline: null,
        protected: false,
      },
    },
  });

const evaluateRoute = createRoute({
  method: "post",
  path: "/v1/policies/evaluate",
  tags: [TENANT_TAG],
  summary: "What would a policy decide?",
  description:
    "Evaluates an event of the calling tenant on one of its connections against the draft in `policy`, or the active " +
    "policy without one, and answers the decision with every matched rule. `concurrency` and `velocity` rules read the " +
    "current counts: those of the call when `call_id` names one holding a place, else those a new call would get. " +
    "Changes nothing (no count included) and contacts no provider.",
  security: requires("policies:evaluate"),
  request: { body: { required: true, content: { "application/json": { schema: EvaluateRequestSchema } } } },
  responses: {
    200: { description: "The decision", content: { "application/json": { schema: EvaluateResponseSchema } } },
    ...problemResponses(400, 401, 404, 413, 415, 422),
  },
});

export const tenantPolicyRoutes = createRouter().openapi(
  evaluateRoute,
  async (c) => {
    const { kind, connection: connectionId, call, policy: draft } = c.req.valid("json");
    const tenant = c.get("tenant");
    const connection = await getConnection(c.env, tenant, connectionId);
    if (!connection) throw new ProblemError(404, "not_found", `No connection named "${connectionId}".`);

    const now = Date.now();
    const policy = draft ? compilePolicy(draft, await policyVersion(draft)) : await loadActivePolicy(c.env);
    const evaluatedCall = kind === "call" ? { ...call, started_at: call?.started_at ?? new Date(now).toISOString() } : call;
    const event = { kind, tenant, connection: connection.id, provider: connection.provider, ...(evaluatedCall ? { call: evaluatedCall } : {}) };
    const policyEvent = { ...event, now } satisfies PolicyEvent;
    const holder = call?.call_id ? { tenant, connection: connection.id, call_id: call.call_id } : null;
    const counts = await readCounts(c.env, countersFor(policy, policyEvent), holder);
    const decision = evaluate(policy, policyEvent, counts);
    return c.json(
      { draft: draft !== undefined, policy_version: decision.policy_version, evaluated_at: new Date(now).toISOString(), event, decision },
      200,
    );
  },
  policyBodyHook("The request body"),
);
