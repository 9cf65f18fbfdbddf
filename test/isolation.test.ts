/**
 * Tenants are isolated: no sequence of requests by tenant A reads, hangs up, registers or signals a
 * call of tenant B, or uses B's connections, and the admin API refuses every tenant key. A's requests
 * about B's things are answered exactly as requests about things that do not exist; B's records and
 * B's provider account (a path prefix at the fake provider) are untouched, whatever A sends.
 *
 * Both tenants have a connection named "shared": the same name must still mean two different accounts.
 */
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { BASE, allProviderRequests, servedOpenApiDocument, asTenant, createConnection, createTenant, expectProblem, fakeProviderUrl, getCall, hangup, uniqueCallId } from "./helpers";

const A = "iso-a";
const B = "iso-b";
/** B's provider account, as the fake provider sees it: every request to it carries this path prefix. */
const B_ACCOUNT_PREFIX = `/${B}-account/`;

let keyA = "";
let keyB = "";
let revokedKeyA = "";
/** B's calls: one hung up through the API, one registered for automatic termination. */
const bCalls = { hungUp: uniqueCallId("b-hung-up"), registered: uniqueCallId("b-registered") };

async function recordOfB(callId: string, connection: string): Promise<unknown> {
  return (await getCall(keyB, callId, connection)).json();
}

async function requestsToB(): Promise<number> {
  return (await allProviderRequests()).filter((r) => r.path.startsWith(B_ACCOUNT_PREFIX)).length;
}

beforeAll(async () => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  ({ key: keyA } = await createTenant(A));
  ({ key: keyB } = await createTenant(B));
  const revoked = await createTenant(A);
  revokedKeyA = revoked.key;
  const del = await exports.default.fetch(new Request(`${BASE}/admin/tenants/${A}/keys/${revoked.keyId}`, { method: "DELETE", headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }));
  expect(del.status).toBe(204);

  await createConnection(A, "shared", "plivo", PLIVO_FAKE_AUTH, { base_url: `${fakeProviderUrl()}/${A}-account` });
  await createConnection(B, "shared", "plivo", PLIVO_FAKE_AUTH, { base_url: `${fakeProviderUrl()}/${B}-account` });
  await createConnection(B, "b-only", "plivo", PLIVO_FAKE_AUTH, { base_url: `${fakeProviderUrl()}/${B}-account` });

  expect((await hangup(keyB, bCalls.hungUp, { connection: "shared" })).status).toBe(200);
  const registered = await asTenant(keyB, "POST", "/v1/calls", { call_id: bCalls.registered, connection: "b-only", to: "+14155550100" });
  expect(registered.status).toBe(201);
});

type Action =
  | { kind: "read"; call: keyof typeof bCalls; connection: string }
  | { kind: "hangup"; call: keyof typeof bCalls; connection: string; reason?: string }
  | { kind: "register"; call: keyof typeof bCalls; connection: string }
  | { kind: "signal"; call: keyof typeof bCalls; connection: string; ended: boolean }
  | { kind: "evaluate"; connection: string }
  | { kind: "callback"; call: keyof typeof bCalls; connection: string; signature: string };

/** Connection names A may try: B's own (one of them also A's), and one nobody has. */
const connectionName = fc.constantFrom("shared", "b-only", "nobody-has-this");
const callName = fc.constantFrom<keyof typeof bCalls>("hungUp", "registered");

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("read" as const), call: callName, connection: connectionName }),
  fc.record({ kind: fc.constant("hangup" as const), call: callName, connection: connectionName, reason: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }) }),
  fc.record({ kind: fc.constant("register" as const), call: callName, connection: connectionName }),
  fc.record({ kind: fc.constant("signal" as const), call: callName, connection: connectionName, ended: fc.boolean() }),
  fc.record({ kind: fc.constant("evaluate" as const), connection: connectionName }),
  fc.record({ kind: fc.constant("callback" as const), call: callName, connection: connectionName, signature: fc.string({ maxLength: 44 }) }),
);

function perform(key: string, a: Action): Promise<Response> {
  switch (a.kind) {
    case "read":
      return getCall(key, bCalls[a.call], a.connection);
    case "hangup":
      return hangup(key, bCalls[a.call], { connection: a.connection, ...(a.reason ? { reason: a.reason } : {}) });
    case "register":
      return asTenant(key, "POST", "/v1/calls", { call_id: bCalls[a.call], connection: a.connection });
    case "signal":
      return asTenant(key, "POST", `/v1/calls/${encodeURIComponent(bCalls[a.call])}/signals`, { connection: a.connection, flags: ["irsf"], ended: a.ended });
    case "evaluate":
      return asTenant(key, "POST", "/v1/policies/evaluate", { kind: "hangup", connection: a.connection });
    case "callback":
      // B's callback URL is no secret; a forged "call ended" from A must not be believed.
      return exports.default.fetch(
        new Request(`${BASE}/callbacks/${B}/${a.connection}`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "x-plivo-signature-v3": a.signature, "x-plivo-signature-v3-nonce": "1" },
          body: new URLSearchParams({ CallUUID: bCalls[a.call], CallStatus: "completed", Event: "Hangup" }).toString(),
        }),
      );
  }
}

/** A's answer must say nothing about B: a 404 reads like one for a name nobody has, a 2xx is about A's own things. */
async function expectNothingOfB(res: Response, a: Action): Promise<void> {
  const text = await res.text();
  if (a.kind === "callback") {
    expect([401, 404]).toContain(res.status);
    return;
  }
  expect(text).not.toContain(B);
  if (a.connection === "b-only") {
    // B's connection is, to A, a connection that does not exist.
    expect(res.status).toBe(404);
    expect(JSON.parse(text)).toMatchObject({ code: "not_found" });
  }
  if (res.status < 300 && res.headers.get("content-type")?.startsWith("application/json")) {
    const body = JSON.parse(text) as { tenant?: string; event?: { tenant?: string } };
    expect(body.tenant ?? body.event?.tenant).toBe(A);
  }
}

describe("tenant A against tenant B", () => {
  it("no sequence of A's requests reads or changes B's calls, or reaches B's provider account", async () => {
    const before = { hungUp: await recordOfB(bCalls.hungUp, "shared"), registered: await recordOfB(bCalls.registered, "b-only"), sent: await requestsToB() };
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 6 }), async (actions) => {
        for (const a of actions) await expectNothingOfB(await perform(keyA, a), a);
      }),
      { numRuns: 20 },
    );
    expect(await recordOfB(bCalls.hungUp, "shared")).toEqual(before.hungUp);
    expect(await recordOfB(bCalls.registered, "b-only")).toEqual(before.registered);
    expect(await requestsToB()).toBe(before.sent);
  });

  it("A's answer about B's call is the answer about a call that never existed", async () => {
    const neverExisted = uniqueCallId("never");
    // A call A has never touched (the property above may have made A calls of its own under B's ids).
    const callOfB = uniqueCallId("b-only-hers");
    expect((await hangup(keyB, callOfB, { connection: "shared" })).status).toBe(200);
    for (const connection of ["shared", "b-only"]) {
      const aboutB = await expectProblem(await getCall(keyA, callOfB, connection), 404, "not_found");
      const aboutNothing = await expectProblem(await getCall(keyA, neverExisted, connection), 404, "not_found");
      expect(aboutB).toEqual(aboutNothing);
    }
  });

  it("a revoked key of A can do nothing at all", async () => {
    await fc.assert(
      // Callbacks take no key: the provider's signature is their credential (covered above).
      fc.asyncProperty(action.filter((a) => a.kind !== "callback"), async (a) => {
        await expectProblem(await perform(revokedKeyA, a), 401, "unauthorized");
      }),
      { numRuns: 15 },
    );
  });
});

describe("the admin API", () => {
  it("refuses every tenant key on every admin route", async () => {
    const document = await servedOpenApiDocument();
    const adminRoutes = Object.entries(document.paths)
      .filter(([path]) => path.startsWith("/admin/"))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, B) })));
    expect(adminRoutes.length).toBeGreaterThanOrEqual(6);
    for (const { method, path } of adminRoutes) {
      for (const key of [keyA, keyB]) {
        const body = method === "GET" || method === "DELETE" ? undefined : { name: "x", provider: "sandbox", credentials: {}, rules: [] };
        await expectProblem(await asTenant(key, method, path, body), 401, "unauthorized");
      }
    }
    // And nothing changed: B's connection is still the one B made.
    expect((await hangup(keyB, uniqueCallId("after-admin"), { connection: "b-only" })).status).toBe(200);
  });
});

describe("the sandbox", () => {
  it("remembers ended calls per tenant and connection: another tenant's, or connection's, call with the same id is its own", async () => {
    await createConnection(A, "sandbox", "sandbox");
    await createConnection(B, "sandbox", "sandbox");
    await createConnection(B, "sandbox-2", "sandbox");
    const callId = uniqueCallId("sandbox-shared");
    const outcome = async (key: string, connection: string) => (await (await hangup(key, callId, { connection })).json<{ status: string }>()).status;
    expect(await outcome(keyA, "sandbox")).toBe("terminated");
    expect(await outcome(keyB, "sandbox")).toBe("terminated");
    expect(await outcome(keyB, "sandbox-2")).toBe("terminated");
  });
});
