/**
 * POST /callbacks/{tenant}/{connection}: the URL an operator gives a provider for call status events.
 * There is no bearer key: the provider's own signature, checked with the connection's credentials,
 * authenticates the request (a provider that cannot be checked is accepted only from connections set
 * to `callbacks: "unsigned-ok"`). The signature is checked against the URL this request was made to;
 * `X-Forwarded-*` headers are not trusted, so the URL given to the provider must be the gateway's own.
 *
 * A callback saying the call ended ends it in its Durable Object (and so its watch and alarm); any
 * other only adds an event to the record. Nothing here calls a provider, so the answer is quick, and
 * it comes only once the call's object has stored the event: a provider that gets no 2xx retries.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Env } from "../env";
import { addLogFields } from "../http/access-log";
import { limitBodyTo } from "../http/guards";
import { ProblemError } from "../http/problem";
import { createRouter } from "../http/router";
import { CallId, Id, problemResponses } from "../http/schemas";
import { callStub } from "../calls/call-stub";
import { getConnection, openCredentials, type ConnectionRecord } from "../tenants/store";
import { callbackDialect } from "./registry";
import type { CallbackDialect, CallbackRequest } from "./types";

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
    "Twilio and Plivo requests must carry a valid signature made with the connection's auth token; providers whose " +
    "callbacks cannot be checked are accepted only when the connection has `callbacks: \"unsigned-ok\"`. A callback " +
    "saying the call ended ends the call's watch; any other is recorded as an event.",
  request: {
    params: z.object({
      tenant: Id.openapi({ param: { name: "tenant", in: "path" }, example: "acme" }),
      connection: Id.openapi({ param: { name: "connection", in: "path" }, example: "twilio-main" }),
    }),
  },
  responses: {
    204: { description: "Authenticated and recorded (or about a call the gateway does not know: nothing to record)" },
    ...problemResponses(401, 404, 413, 422, 503),
  },
});

async function isAuthentic(env: Env, dialect: CallbackDialect, connection: ConnectionRecord, request: CallbackRequest): Promise<boolean> {
  if (!dialect.verify) return connection.callbacks === "unsigned-ok";
  return dialect.verify(request, await openCredentials(env, connection));
}

export const callbackRoutes = createRouter().openapi(callbackRoute, async (c) => {
  const { tenant, connection: connectionId } = c.req.valid("param");
  const connection = await getConnection(c.env, tenant, connectionId);
  if (!connection) throw new ProblemError(404, "not_found", "No such callback URL.");
  const dialect = callbackDialect(connection.provider);
  if (!dialect) throw new ProblemError(404, "not_found", `The gateway reads no callbacks from ${connection.provider}.`);
  addLogFields(c, { connection: connection.id });

  const request: CallbackRequest = {
    url: c.req.url,
    headers: c.req.raw.headers,
    mediaType: (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase(),
    // Decoded as UTF-8 here: the runtime warns on .text() for form bodies, which are what most providers send.
    body: new TextDecoder().decode(await c.req.arrayBuffer()),
  };
  if (!(await isAuthentic(c.env, dialect, connection, request))) {
    const detail = dialect.verify
      ? "The callback's signature is missing or does not match this connection's credentials."
      : `${connection.provider} does not sign its callbacks; this connection accepts them only with callbacks: "unsigned-ok".`;
    throw new ProblemError(401, "unauthorized", detail);
  }

  const event = dialect.parse(request);
  if (!event || !CallId.safeParse(event.callId).success) {
    throw new ProblemError(422, "invalid_request", `The callback does not name a call in ${connection.provider}'s format.`);
  }
  await callStub(c.env, tenant, connection.id, event.callId).providerStatus({ status: event.status, ended: event.ended });
  return c.body(null, 204);
});
