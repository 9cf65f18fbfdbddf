/**
 * Bad input on every route: a clear problem+json 4xx, never a 500 or an HTML page, and nothing
 * changed by the rejected request.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, MAX_POLICY_BODY_BYTES } from "../src/http/guards";
import { kvKey } from "../src/storage-keys";
import { createConnection, createTenant, expectProblem, getCall, send } from "./helpers";

let key: string;
const adminAuth = () => `Bearer ${env.ADMIN_TOKEN}`;
const tenantAuth = () => `Bearer ${key}`;

beforeAll(async () => {
  ({ key } = await createTenant("bad-input"));
  await createConnection("bad-input", "sandbox", "sandbox");
});

const BODY_ROUTES: { method: string; path: string; auth: () => string; limit: number }[] = [
  { method: "PUT", path: "/admin/tenants/t1", auth: adminAuth, limit: MAX_BODY_BYTES },
  { method: "POST", path: "/admin/tenants/bad-input/keys", auth: adminAuth, limit: MAX_BODY_BYTES },
  { method: "PUT", path: "/admin/tenants/bad-input/connections/c1", auth: adminAuth, limit: MAX_BODY_BYTES },
  { method: "PUT", path: "/admin/policies", auth: adminAuth, limit: MAX_POLICY_BODY_BYTES },
  { method: "POST", path: "/v1/calls/call-1/hangup", auth: tenantAuth, limit: MAX_BODY_BYTES },
  { method: "POST", path: "/v1/policies/evaluate", auth: tenantAuth, limit: MAX_POLICY_BODY_BYTES },
];

describe.each(BODY_ROUTES)("$method $path", ({ method, path, auth, limit }) => {
  const call = (body: BodyInit, contentType = "application/json") =>
    send(path, { method, body, headers: { authorization: auth(), "content-type": contentType } });

  it("malformed JSON is 400", async () => {
    await expectProblem(await call("{not json"), 400, "invalid_request");
  });

  it("a body that is not JSON is 415", async () => {
    await expectProblem(await call("connection=sandbox", "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
  });

  it(`a body over ${limit} bytes is 413`, async () => {
    await expectProblem(await call(JSON.stringify({ name: "x".repeat(limit) })), 413, "payload_too_large");
  });

  it("a JSON value of the wrong shape is 422 listing the problems", async () => {
    for (const body of ["[]", "42", '"text"', '{"unexpected": true, "connection": 7}']) {
      const problem = await expectProblem(await call(body), 422, "invalid_request");
      expect(Array.isArray(problem.errors)).toBe(true);
    }
  });
});

describe("nothing is changed by a rejected request", () => {
  it("a rejected tenant is not created", async () => {
    await send("/admin/tenants/never", { method: "PUT", body: '{"name": 5}', headers: { authorization: adminAuth(), "content-type": "application/json" } });
    expect(await env.GATEWAY_KV.get(kvKey.tenant("never"))).toBeNull();
  });

  it("a rejected hangup leaves no call record", async () => {
    await send("/v1/calls/untouched/hangup", { method: "POST", body: '{"connection": "sandbox", "reason": ""}', headers: { authorization: tenantAuth(), "content-type": "application/json" } });
    await expectProblem(await getCall(key, "untouched", "sandbox"), 404);
  });
});

describe("routes and queries", () => {
  it("an unknown route is a problem+json 404, not an HTML page", async () => {
    await expectProblem(await send("/nope"), 404, "not_found");
    await expectProblem(await send("/v1/calls"), 401);
  });

  it("a status lookup without a connection is 422", async () => {
    await expectProblem(await send("/v1/calls/c1", { headers: { authorization: tenantAuth() } }), 422, "invalid_request");
  });

  it("a call id that is too long or has spaces is 422", async () => {
    await expectProblem(await getCall(key, "x".repeat(300), "sandbox"), 422);
    await expectProblem(await getCall(key, "has space", "sandbox"), 422);
  });

  it("an Idempotency-Key that is too long is 422", async () => {
    const res = await send("/v1/calls/c2/hangup", {
      method: "POST",
      body: '{"connection":"sandbox"}',
      headers: { authorization: tenantAuth(), "content-type": "application/json", "idempotency-key": "k".repeat(300) },
    });
    await expectProblem(res, 422);
  });
});

describe("transient storage errors", () => {
  it("a Durable Object error marked retryable is a 503 with Retry-After, not a 500", async () => {
    const { handleError } = await import("../src/http/problem");
    const { Hono } = await import("hono");
    const app = new Hono();
    app.get("/", () => {
      throw Object.assign(new Error("Durable Object reset because its code was updated."), { retryable: true });
    });
    app.onError(handleError);
    const res = await app.request("/");
    await expectProblem(res, 503, "temporarily_unavailable");
    expect(res.headers.get("retry-after")).toBe("1");
  });
});
