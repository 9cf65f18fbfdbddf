/**
 * The frame of the OpenAPI document around the generated paths: what the API is, where it runs, and what
 * each tag means. Kept apart from src/app.ts so that the document's frame reads on its own.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { VERSION } from "../version";

export const OPENAPI_PATH = "/openapi.json";

/** Where `npm start` and `wrangler dev` listen. */
export const LOCAL_SERVER_URL = "http://127.0.0.1:8787";

type OpenAPIConfig = Parameters<OpenAPIHono["getOpenAPI31Document"]>[0];

export const OPENAPI_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "hangup-gateway",
    version: VERSION,
    description:
      "Terminate phone calls on any telephony provider through one API, under declarative policies, exactly once. " +
      "Every error is `application/problem+json` (RFC 9457) with a stable `code`.",
  },
  servers: [
    // A relative URL is the origin that served the document: right for every deployment without configuration.
    { url: "/", description: "This gateway" },
    { url: LOCAL_SERVER_URL, description: "Local: npm start or wrangler dev" },
  ],
  tags: [
    { name: "Service", description: "Unauthenticated endpoints for load balancers and deploy checks." },
    {
      name: "Admin",
      description: "The operator's API, behind `Authorization: Bearer $ADMIN_TOKEN`: tenants, their API keys and provider connections, and the active policy.",
    },
    {
      name: "Calls",
      description:
        "A tenant's calls, behind `Authorization: Bearer <tenant key>`. A tenant sees only its own calls: another tenant's call is answered as one that does not exist.",
    },
    {
      name: "Bulk hangups",
      description: "Stop many of a tenant's live calls at once, selected from the call index: a dry run counts them, a job hangs each up through its own exactly-once hangup.",
    },
    {
      name: "Audit trail",
      description:
        "Who changed what: every change made through the admin or tenant API (tenants, keys, connections, policies, bulk hangups), newest first. The operator reads all of it; a tenant key with `calls:read` reads its own tenant's entries.",
    },
    { name: "Policies", description: "Ask what a policy would decide, against the active document or a draft, without changing anything." },
    {
      name: "Provider callbacks",
      description:
        "The URL an operator gives a provider for call status events. No bearer key: the provider's own signature, checked with the connection's credentials, authenticates each request; unsigned callbacks are accepted only where the connection allows them.",
    },
  ],
} satisfies OpenAPIConfig;
