/**
 * Requests straight into the gateway's app with the test's bindings, for tests that send thousands of
 * them. The Worker's fetch handler is this same `app.fetch`, so nothing is bypassed; but
 * `exports.default.fetch` of @cloudflare/vitest-pool-workers 0.15.1 slows down with every call (600 calls:
 * about 20 s) and hands each request a fresh rate-limiter binding, so no limit is ever reached through it.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { app } from "../src/app";
import { BASE } from "./helpers";
import { checkAnswer } from "./openapi-responses";

/** Like `send` (./helpers.ts), its answer checked against /openapi.json. */
export async function fetchGateway(path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(BASE + path, init);
  const response = await app.fetch(request, env, createExecutionContext());
  await checkAnswer(request.method, request.url, response.clone());
  return response;
}

export function asTenantDirect(key: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetchGateway(path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
