/**
 * What most tests need: requests to the real Worker (in workerd, with real KV and Durable Objects),
 * tenants with keys and connections made through the admin API, and the fake provider's request log.
 */
import { env, exports } from "cloudflare:workers";
import { checkAnswer } from "./openapi-responses";

export const BASE = "http://gateway.test";

/** A request to the Worker; its answer is checked against /openapi.json (./openapi-responses.ts) before the test sees it. */
export async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(BASE + path, init);
  const response = await exports.default.fetch(request);
  await checkAnswer(request.method, request.url, response.clone());
  return response;
}

/** A file of public/ as Workers Static Assets serve it, in front of the Worker. */
export function asset(path: string, init: RequestInit = {}): Promise<Response> {
  return env.ASSETS.fetch(new Request(BASE + path, { redirect: "manual", ...init }));
}

/** GET /openapi.json: a static asset, written from the app's routes at build time (scripts/build-assets.ts). */
export async function servedOpenApiDocument<T = { paths: Record<string, Record<string, unknown>> }>(): Promise<T> {
  const res = await asset("/openapi.json");
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}: run scripts/build-assets.ts`);
  return res.json<T>();
}

function jsonInit(method: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  };
}

export function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return send(path, jsonInit(method, env.ADMIN_TOKEN, body));
}

export function asTenant(key: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response> {
  return send(path, jsonInit(method, key, body, headers));
}

export function hangup(key: string, callId: string, body: unknown, headers?: Record<string, string>): Promise<Response> {
  return asTenant(key, "POST", `/v1/calls/${encodeURIComponent(callId)}/hangup`, body, headers);
}

export function getCall(key: string, callId: string, connection: string): Promise<Response> {
  return asTenant(key, "GET", `/v1/calls/${encodeURIComponent(callId)}?connection=${connection}`);
}

/** A tenant with a fresh API key. */
export async function createTenant(tenant: string): Promise<{ tenant: string; key: string; keyId: string }> {
  const put = await admin("PUT", `/admin/tenants/${tenant}`, { name: tenant });
  if (put.status >= 300) throw new Error(`tenant ${tenant}: ${put.status} ${await put.text()}`);
  const res = await admin("POST", `/admin/tenants/${tenant}/keys`, { name: "test" });
  if (res.status !== 201) throw new Error(`key for ${tenant}: ${res.status} ${await res.text()}`);
  const { id, key } = await res.json<{ id: string; key: string }>();
  return { tenant, key, keyId: id };
}

export async function createConnection(
  tenant: string,
  connection: string,
  provider: string,
  credentials: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Promise<void> {
  const res = await admin("PUT", `/admin/tenants/${tenant}/connections/${connection}`, { provider, credentials, ...extra });
  if (res.status >= 300) throw new Error(`connection ${connection}: ${res.status} ${await res.text()}`);
}

export function fakeProviderUrl(): string {
  if (!env.FAKE_PROVIDER_URL) throw new Error("FAKE_PROVIDER_URL is not bound (see test/global-setup.ts)");
  return env.FAKE_PROVIDER_URL;
}

export interface FakeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Every request the fake provider received for this call id. */
export async function providerRequests(callId: string): Promise<FakeRequest[]> {
  const res = await fetch(`${fakeProviderUrl()}/__requests?call=${encodeURIComponent(callId)}`);
  return res.json<FakeRequest[]>();
}

export async function allProviderRequests(): Promise<FakeRequest[]> {
  return (await fetch(`${fakeProviderUrl()}/__requests`)).json<FakeRequest[]>();
}

/** Makes the fake provider answer this call id with these responses, in order. */
export async function scriptProvider(
  callId: string,
  responses: { status: number; body?: string; headers?: Record<string, string>; delay_ms?: number; reset?: boolean }[],
): Promise<void> {
  await fetch(`${fakeProviderUrl()}/__script`, { method: "POST", body: JSON.stringify({ call_id: callId, responses }) });
}

export function uniqueCallId(prefix = "call"): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

export async function expectProblem(res: Response, status: number, code?: string): Promise<Record<string, unknown>> {
  const body = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${body}`);
  if (!res.headers.get("content-type")?.startsWith("application/problem+json")) {
    throw new Error(`expected problem+json, got ${res.headers.get("content-type")}: ${body}`);
  }
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if (parsed.status !== status || typeof parsed.title !== "string" || typeof parsed.type !== "string" || typeof parsed.detail !== "string") {
    throw new Error(`not a problem document: ${body}`);
  }
  if (code && parsed.code !== code) throw new Error(`expected code ${code}, got ${String(parsed.code)}: ${body}`);
  return parsed;
}
