/**
 * Key scopes: a key does only what its scopes allow. Each /v1 route declares its scope (and the OpenAPI
 * document shows it); a key without it is refused 403 `insufficient_scope` naming the scope, before
 * anything else about the request is looked at, and nothing changes. Keys issued without a list hold
 * every scope.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { SCOPES, type Scope } from "../src/auth/scopes";
import { admin, asTenant, createConnection, createTenant, expectProblem, getCall, servedOpenApiDocument, uniqueCallId } from "./helpers";

const TENANT = "scoped";

/** The contract's table: every tenant route and the scope it needs (none: any key). */
const ROUTE_SCOPES: Record<string, Scope | null> = {
  "GET /v1/calls": "calls:read",
  "GET /v1/calls/{call_id}": "calls:read",
  "GET /v1/bulk-hangups/{id}": "calls:read",
  "GET /v1/audit": "calls:read",
  "POST /v1/calls/{call_id}/hangup": "calls:hangup",
  "POST /v1/calls": "calls:register",
  "POST /v1/calls/{call_id}/signals": "calls:register",
  "POST /v1/bulk-hangups": "bulk",
  "POST /v1/bulk-hangups/{id}/cancel": "bulk",
  "POST /v1/policies/evaluate": "policies:evaluate",
  "GET /v1/key": null,
};

/** A request to each scoped route, with ids that exist nowhere and bodies that are not even valid. */
const PROBES: Record<Scope, { method: string; path: string; body?: unknown }[]> = {
  "calls:read": [
    { method: "GET", path: "/v1/calls?limit=9999" },
    { method: "GET", path: "/v1/calls/no-such-call?connection=nowhere" },
    { method: "GET", path: "/v1/bulk-hangups/bh_00000000000000000000000000000000" },
    { method: "GET", path: "/v1/audit?action=nonsense" },
  ],
  "calls:hangup": [{ method: "POST", path: "/v1/calls/no-such-call/hangup", body: { connection: "nowhere" } }],
  "calls:register": [
    { method: "POST", path: "/v1/calls", body: { nonsense: true } },
    { method: "POST", path: "/v1/calls/no-such-call/signals", body: {} },
  ],
  bulk: [
    { method: "POST", path: "/v1/bulk-hangups", body: {} },
    { method: "POST", path: "/v1/bulk-hangups/bh_00000000000000000000000000000000/cancel" },
  ],
  "policies:evaluate": [{ method: "POST", path: "/v1/policies/evaluate", body: { kind: "nope" } }],
};

async function issueKey(scopes?: unknown): Promise<Response> {
  return admin("POST", `/admin/tenants/${TENANT}/keys`, scopes === undefined ? { name: "all" } : { name: "limited", scopes });
}

async function keyWith(scopes: Scope[]): Promise<string> {
  const res = await issueKey(scopes);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json<{ key: string }>()).key;
}

let fullKey: string;

beforeAll(async () => {
  ({ key: fullKey } = await createTenant(TENANT));
  await createConnection(TENANT, "sandbox", "sandbox");
});

describe("issuing a key with scopes", () => {
  it("answers and lists the key's scopes; GET /v1/key shows them to the key itself", async () => {
    const res = await issueKey(["calls:hangup", "calls:read", "calls:read"]);
    expect(res.status).toBe(201);
    const issued = await res.json<{ id: string; key: string; scopes: string[] }>();
    expect(issued.scopes).toEqual(["calls:read", "calls:hangup"]);

    const { keys } = await (await admin("GET", `/admin/tenants/${TENANT}/keys`)).json<{ keys: { id: string; scopes: string[] }[] }>();
    expect(keys.find((k) => k.id === issued.id)?.scopes).toEqual(["calls:read", "calls:hangup"]);

    const self = await asTenant(issued.key, "GET", "/v1/key");
    expect(self.status).toBe(200);
    expect(await self.json()).toEqual({ id: issued.id, tenant: TENANT, name: "limited", scopes: ["calls:read", "calls:hangup"] });
  });

  it("gives a key issued without scopes every scope", async () => {
    const res = await issueKey();
    expect((await res.json<{ scopes: string[] }>()).scopes).toEqual([...SCOPES]);
    expect((await (await asTenant(fullKey, "GET", "/v1/key")).json<{ scopes: string[] }>()).scopes).toEqual([...SCOPES]);
  });

  it("keeps every scope for a key issued before scopes existed (a record without a list)", async () => {
    const { id, key } = await (await issueKey(["calls:read"])).json<{ id: string; key: string }>();
    // Authentication reads the hash record: strip its scopes as an old record never had them.
    for (const { name } of (await env.GATEWAY_KV.list({ prefix: "apikey:" })).keys) {
      const record = await env.GATEWAY_KV.get<{ id: string; scopes?: string[] }>(name, "json");
      if (record?.id !== id) continue;
      const { scopes: _dropped, ...legacy } = record;
      await env.GATEWAY_KV.put(name, JSON.stringify(legacy));
    }
    expect((await (await asTenant(key, "GET", "/v1/key")).json<{ scopes: string[] }>()).scopes).toEqual([...SCOPES]);
  });

  it("refuses an unknown scope and an empty list (422), and issues nothing", async () => {
    const before = (await (await admin("GET", `/admin/tenants/${TENANT}/keys`)).json<{ keys: unknown[] }>()).keys.length;
    const unknown = await expectProblem(await issueKey(["calls:read", "calls:delete"]), 422, "invalid_request");
    expect(JSON.stringify(unknown.errors)).toContain("scopes.1");
    const empty = await expectProblem(await issueKey([]), 422, "invalid_request");
    expect(JSON.stringify(empty.errors)).toContain("scopes");
    await expectProblem(await issueKey("bulk"), 422, "invalid_request");
    const after = (await (await admin("GET", `/admin/tenants/${TENANT}/keys`)).json<{ keys: unknown[] }>()).keys.length;
    expect(after).toBe(before);
  });
});

describe("enforcement", () => {
  for (const scope of SCOPES) {
    it(`refuses every ${scope} route to a key without it: 403 insufficient_scope naming it, before ids or bodies are looked at`, async () => {
      const key = await keyWith(SCOPES.filter((s) => s !== scope));
      for (const probe of PROBES[scope]) {
        const problem = await expectProblem(await asTenant(key, probe.method, probe.path, probe.body), 403, "insufficient_scope");
        expect(problem.required_scope, `${probe.method} ${probe.path}`).toBe(scope);
        expect(problem.detail).toContain(scope);
      }
    });
  }

  it("lets a key with the scope through to the route's own checks", async () => {
    const key = await keyWith(["calls:read"]);
    expect((await asTenant(key, "GET", "/v1/calls")).status).toBe(200);
    await expectProblem(await asTenant(key, "GET", "/v1/calls?limit=9999"), 422, "invalid_request");
    await expectProblem(await asTenant(key, "GET", "/v1/calls/no-such-call?connection=nowhere"), 404, "not_found");
    expect((await asTenant(key, "GET", "/v1/key")).status).toBe(200);
  });

  it("changes nothing when it refuses: no hangup, no registration, no bulk job", async () => {
    const reader = await keyWith(["calls:read"]);
    const callId = uniqueCallId("live-scoped");
    await expectProblem(await asTenant(reader, "POST", `/v1/calls/${callId}/hangup`, { connection: "sandbox", reason: "not allowed" }), 403, "insufficient_scope");
    await expectProblem(await asTenant(reader, "POST", "/v1/calls", { call_id: callId, connection: "sandbox" }), 403, "insufficient_scope");
    await expectProblem(await getCall(reader, callId, "sandbox"), 404, "not_found");

    const registered = await asTenant(fullKey, "POST", "/v1/calls", { call_id: callId, connection: "sandbox", flags: ["scoped"] });
    expect(registered.status).toBe(201);
    await expectProblem(await asTenant(reader, "POST", "/v1/bulk-hangups", { connection: "sandbox", reason: "not allowed" }), 403, "insufficient_scope");
    await expectProblem(await asTenant(reader, "POST", `/v1/calls/${callId}/signals`, { connection: "sandbox", flags: ["irsf"] }), 403, "insufficient_scope");
    const record = await (await getCall(reader, callId, "sandbox")).json<{ state: string; flags: string[]; hangup: unknown }>();
    expect(record).toMatchObject({ state: "live", flags: ["scoped"], hangup: null });
  });

  it("is still 401 for a key that is not valid, whatever the route", async () => {
    await expectProblem(await asTenant("hgw_nope", "POST", "/v1/bulk-hangups", {}), 401, "unauthorized");
  });
});

describe("the OpenAPI document", () => {
  it("declares each tenant route's scope as its security, and documents the 403", async () => {
    type Operation = { security?: Record<string, string[]>[]; responses: Record<string, unknown> };
    const doc = await servedOpenApiDocument<{ paths: Record<string, Record<string, Operation>> }>();
    const declared: Record<string, Scope | null> = {};
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith("/v1/")) continue;
      for (const [method, op] of Object.entries(item)) {
        const route = `${method.toUpperCase()} ${path}`;
        const scopes = op.security?.find((s) => "tenantKey" in s)?.tenantKey;
        expect(scopes, `${route} declares tenantKey security`).toBeDefined();
        declared[route] = (scopes![0] as Scope | undefined) ?? null;
        if (scopes!.length) expect(op.responses["403"], `${route} documents 403`).toBeDefined();
      }
    }
    // Every tenant route is in the contract's table, with the scope the table gives it: a new route must be
    // added there, and so decide its scope (a route of another branch not merged yet is simply not in the document).
    for (const [route, scope] of Object.entries(declared)) expect(ROUTE_SCOPES[route], `${route} is in the table`).toBe(scope);
    for (const route of Object.keys(ROUTE_SCOPES)) expect(declared[route], route).toBeDefined();
  });
});
