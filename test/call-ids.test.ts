/**
 * Call ids (contract): 1–256 printable ASCII characters without `/`, `\`, `?`, `#`, `%` or whitespace,
 * and not `.` or `..`. Every route and body that takes one answers 422 for anything else, before
 * anything is stored or any provider is asked; every id the contract allows is accepted.
 */
import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { CALL_ID_PATTERN } from "../src/http/schemas";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { allProviderRequests, asTenant, createConnection, createTenant, expectProblem, fakeProviderUrl, send } from "./helpers";

const TENANT = "ids";
/** This file's provider accounts, as the fake provider sees them: other files run beside it against the same fake. */
const ACCOUNT_PREFIX = `/${TENANT}-account/`;
let key = "";

beforeAll(async () => {
  ({ key } = await createTenant(TENANT));
  await createConnection(TENANT, "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: `${fakeProviderUrl()}/${TENANT}-account` });
  await createConnection(TENANT, "tryvox", "tryvox", { auth_id: "acct", api_key: "k" }, { base_url: `${fakeProviderUrl()}/${TENANT}-account`, callbacks: "unsigned-ok" });
});

/** Each character the contract forbids, in an otherwise good id; and the ids that are wrong as a whole. */
const FORBIDDEN_CHARACTERS = ["/", "\\", "?", "#", "%", " ", "\t", "\n", "\u007f", "\u0000", "é", "😀"];
const BAD_IDS = [...FORBIDDEN_CHARACTERS.map((c) => `call${c}1`), "", ".", "..", "x".repeat(257), "x%2F..%2F"];

async function kvKeys(): Promise<string[]> {
  return (await env.GATEWAY_KV.list()).keys.map((k) => k.name).sort();
}

/** What a rejected request must not change: KV, the call objects, the fake provider's log. */
async function snapshot() {
  return { kv: await kvKeys(), calls: (await listDurableObjectIds(env.CALLS)).length, provider: (await allProviderRequests()).filter((r) => r.path.startsWith(ACCOUNT_PREFIX)).length };
}

/** Every way a call id reaches the gateway: path parameter (encoded), or a field of a JSON body. */
const ROUTES: { name: string; send: (id: string) => Promise<Response>; inPath: boolean }[] = [
  { name: "POST /v1/calls/{id}/hangup", inPath: true, send: (id) => asTenant(key, "POST", `/v1/calls/${encodeURIComponent(id)}/hangup`, { connection: "plivo" }) },
  { name: "GET /v1/calls/{id}", inPath: true, send: (id) => asTenant(key, "GET", `/v1/calls/${encodeURIComponent(id)}?connection=plivo`) },
  { name: "POST /v1/calls/{id}/signals", inPath: true, send: (id) => asTenant(key, "POST", `/v1/calls/${encodeURIComponent(id)}/signals`, { connection: "plivo", flags: ["irsf"] }) },
  { name: "POST /v1/calls", inPath: false, send: (id) => asTenant(key, "POST", "/v1/calls", { call_id: id, connection: "plivo" }) },
  { name: "POST /v1/policies/evaluate", inPath: false, send: (id) => asTenant(key, "POST", "/v1/policies/evaluate", { kind: "call", connection: "plivo", call: { call_id: id } }) },
];

describe.each(ROUTES)("$name", ({ send: request, inPath }) => {
  it.each(BAD_IDS.map((id) => [JSON.stringify(id).slice(0, 40), id]))("refuses %s with 422, storing and sending nothing", async (_label, id) => {
    const before = await snapshot();
    const res = await request(id);
    // In a path, "" and the dot segments are resolved away by URL parsing before routing: no route.
    const unroutable = inPath && (id === "" || id === "." || id === "..");
    await expectProblem(res, unroutable ? 404 : 422);
    expect(await snapshot()).toEqual(before);
  });
});

describe("what the snapshot sees", () => {
  it("a good id's hangup reaches this file's provider account, so a request sent by mistake would show", async () => {
    const before = await snapshot();
    expect((await asTenant(key, "POST", "/v1/calls/good-id-1/hangup", { connection: "plivo" })).status).toBe(200);
    expect((await snapshot()).provider).toBeGreaterThan(before.provider);
  });
});

describe("an id that smuggles separators", () => {
  it("x%2F..%2F sent as is (decoded: x/../) is 422 on every path route, and reaches no provider", async () => {
    for (const [method, path, body] of [
      ["POST", "/v1/calls/x%2F..%2F/hangup", { connection: "plivo" }],
      ["GET", "/v1/calls/x%2F..%2F?connection=plivo", undefined],
      ["POST", "/v1/calls/x%2F..%2F/signals", { connection: "plivo", ended: true }],
      ["POST", "/v1/calls/%2E%2E%5C/hangup", { connection: "plivo" }],
    ] as const) {
      const before = await snapshot();
      await expectProblem(await asTenant(key, method, path, body), 422, "invalid_request");
      expect(await snapshot()).toEqual(before);
    }
  });
});

describe("provider callbacks", () => {
  it("a callback naming a call id the contract forbids is 422 and reaches no call", async () => {
    for (const id of BAD_IDS) {
      const before = await snapshot();
      const res = await send("/callbacks/ids/tryvox", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ call_uuid: id, status: "completed" }) });
      expect(res.status, JSON.stringify(id)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(await snapshot()).toEqual(before);
    }
  });
});

describe("the pattern", () => {
  const printable = fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 20 });

  it("accepts exactly the ids the contract describes", () => {
    fc.assert(
      fc.property(printable, (id) => {
        const contract = /^[\x21-\x7e]+$/.test(id) && !/[/\\?#%]/.test(id) && id !== "." && id !== "..";
        expect(CALL_ID_PATTERN.test(id)).toBe(contract);
      }),
      { numRuns: 2_000 },
    );
  });

  it("a registration is accepted for every id the contract allows, including ones providers send (v3:…, CA…)", async () => {
    const allowed = ["v3:Zq8oQ5b3-AbCdEf", "CA1234567890abcdef1234567890abcdef", "a", "x".repeat(256), "!\"$&'()*+,-.:;<=>@[]^_`{|}~", "...", ".a"];
    for (const id of allowed) {
      const res = await asTenant(key, "POST", "/v1/calls", { call_id: id, connection: "plivo" });
      expect(res.status, `${id}: ${await res.clone().text()}`).toBe(201);
      const read = await asTenant(key, "GET", `/v1/calls/${encodeURIComponent(id)}?connection=plivo`);
      expect(read.status).toBe(200);
      expect((await read.json<{ call_id: string }>()).call_id).toBe(id);
    }
  });
});
