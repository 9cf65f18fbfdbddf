/**
 * POST /callbacks/{tenant}/{connection}: the URL an operator gives a provider for call status events.
 * There is no bearer key: the provider's own signature, checked with the connection's credentials,
 * authenticates the request (a provider that cannot be checked is accepted only from connections set
 * to `callbacks: "unsigned-ok"`). The signature is checked against the URL this request was made to, or,
 * when `PUBLIC_URL` is set (a proxy in front of the gateway), against `PUBLIC_URL` + its path and query;
 * `X-Forwarded-*` headers are never trusted. Every refusal of an unauthenticated request (no such tenant
 * or connection, a provider without callbacks, a missing or bad signature) is the same 401, so the URL
 * space reveals nothing.
 *
 * A callback saying the call ended ends it in its Durable Object (and so its watch and alarm); any
 * other only adds an event to the record. Nothing here calls a provider, so the answer is quick, and
 * it comes only once the call's object has stored the event: a provider that gets no 2xx retries.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { readConfig } from "../config";
import { addLogFields } from "../http/access-log";
import { limitBodyTo } from "../http/guards";
import { ProblemError } from "../http/problem";
import { createRouter } from "../http/router";
import { CallId, Id, problemResponses } from "../http/schemas";
import { callObject } from "../objects";
import type { LifecycleEvent } from "../providers/lifecycle/event";
import { loadActivePolicy } from "../policy/active";
import { evaluate } from "../policy/evaluate";
import type { Decision } from "../policy/types";
import { getConnection, openCredentials, type ConnectionRecord } from "../tenants/store";
import { getCallbackDialect } from "../providers/registry";
import type { CallbackRequest } from "../providers/callbacks/types";
import { signedUrl } from "./public-url";

/** Status callbacks are a few kilobytes of form fields; anything far larger is not one. */
export const MAX_CALLBACK_BODY_BYTES = 32 * 1024;

export const limitCallbackBody = limitBodyTo(MAX_CALLBACK_BODY_BYTES);

const callbackRoute = createRoute({
  method: "post",
  path: "/callbacks/{tenant}/{connection}",
  tags: ["Provider callbacks"],
  summary: "A provider's call status callback",
  description:
    "Give this URL to the provider as its status callback (Twilio `statusCallback`, Plivo `hangup_url`, TryVox " +
    "`hangup_url`/`status_callback_url`, Telnyx and Vonage event URLs). The body is the provider's own (form or JSON). " +
    "Twilio and Plivo requests must carry a valid signature made with the connection's auth token; Telnyx requests " +
    "one by the connection's `public_key` (Ed25519) and Vonage requests a JWT by its `signature_secret`, when the " +
    "connection holds them. Callbacks that cannot be checked are accepted only when the connection has " +
    "`callbacks: \"unsigned-ok\"`. Any refusal (unknown tenant or connection, no callbacks for the provider, a " +
    "missing or bad signature) is the same 401. A callback saying the call ended ends the call's watch; any other " +
    "is recorded as an event.",
  request: {
    params: z.object({
      tenant: Id.openapi({ param: { name: "tenant", in: "path" }, example: "acme" }),
      connection: Id.openapi({ param: { name: "connection", in: "path" }, example: "twilio-main" }),
    }),
    // Plain OpenAPI schemas, not zod: documented, never validated before the signature is checked, so
    // that a body the gateway cannot read is refused like any unauthenticated request.
    body: {
      required: true,
      description: "The provider's own body, byte for byte as it sent it (signatures cover it).",
      content: {
        "application/x-www-form-urlencoded": {
          schema: { type: "object", additionalProperties: { type: "string" }, description: "Twilio and Plivo: form fields" },
          example: { CallSid: "CA0123456789abcdef0123456789abcdef", CallStatus: "completed", AccountSid: "AC0123456789abcdef0123456789abcdef" },
        },
        "application/json": {
          schema: { type: "object", additionalProperties: true, description: "TryVox, Telnyx (`data.payload.call_control_id`) and Vonage (`uuid`, `status`)" },
          example: { data: { event_type: "call.hangup", payload: { call_control_id: "v3:abc123" } } },
        },
      },
    },
  },
  responses: {
    204: { description: "Authenticated and recorded (or about a call the gateway does not know: nothing to record)" },
    ...problemResponses(401, 413, 422, 503),
  },
});

/** One refusal for every unauthenticated request, whatever the reason: nothing tells them apart. */
function refusal(): ProblemError {
  return new ProblemError(401, "unauthorized", "The callback could not be authenticated for this URL.");
}

export const callbackRoutes = createRouter().openapi(callbackRoute, async (c) => {
  const { tenant, connection: connectionId } = c.req.valid("param");
  // Read first: the body limit and the decoding apply alike to every request, known URL or not.
  const body = new TextDecoder().decode(await c.req.arrayBuffer());
  const url = signedUrl(readConfig(c.env).publicUrl, c.req.url);
  const connection = await getConnection(c.env, tenant, connectionId);
  const dialect = connection && getCallbackDialect(connection.provider);
  if (!connection || !dialect) throw refusal();
  addLogFields(c, { connection: connection.id });

  const request: CallbackRequest = {
    url,
    headers: c.req.raw.headers,
    mediaType: (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase(),
    // Decoded as UTF-8 (above): the runtime warns on .text() for form bodies, which are what most providers send.
    body,
  };
  const verdict = await dialect.verify(request, await openCredentials(c.env, connection));
  if (verdict === "forged" || (verdict === "uncheckable" && connection.callbacks !== "unsigned-ok")) throw refusal();

  const event = dialect.parse(request);
  if (!event || !CallId.safeParse(event.callId).success) {
    throw new ProblemError(422, "invalid_request", `The callback does not name a call in ${connection.provider}'s format.`);
  }
  const now = Date.now();
  await callObject(c.env, tenant, connection.id, event.callId).providerEvent({
    tenant,
    connection: connection.id,
    call_id: event.callId,
    provider: connection.provider,
    event,
    register: connection.watch === "all" ? await registration(c.env, connection, event, now) : null,
  });
  return c.body(null, 204);
});

/**
 * On a connection that watches every call, what registering the event's call would be: the policy decides
 * at once, exactly as for POST /v1/calls; a tenant the policy denies gets nothing registered (null).
 */
async function registration(env: Env, connection: ConnectionRecord, event: LifecycleEvent, now: number): Promise<{ decision: Decision; reconcile: boolean } | null> {
  const startedAt = event.startedAt ?? event.answeredAt ?? event.occurredAt ?? new Date(now).toISOString();
  const decision = evaluate(await loadActivePolicy(env), {
    kind: "call",
    tenant: connection.tenant,
    connection: connection.id,
    provider: connection.provider,
    call: {
      call_id: event.callId,
      started_at: startedAt,
      ...(event.answeredAt ? { answered_at: event.answeredAt } : {}),
      flags: [],
      ...(event.from ? { from: event.from } : {}),
      ...(event.to ? { to: event.to } : {}),
    },
    now,
  });
  return decision.allowed ? { decision, reconcile: connection.reconcile } : null;
}
