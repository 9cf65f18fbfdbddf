/**
 * Free-form JSON fields (a call's `metadata`, a connection's `credentials`) are bounded in depth and in
 * size: beyond either, 422 naming the field, never a 500 or a stack overflow, and nothing stored.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_BYTES, MAX_JSON_DEPTH, jsonBoundsViolation } from "../src/http/json-bounds";
import { kvKey } from "../src/storage-keys";
import { admin, asTenant, createConnection, createTenant, expectProblem, getCall, send, uniqueCallId } from "./helpers";

let key = "";

beforeAll(async () => {
  ({ key } = await createTenant("bounded"));
  await createConnection("bounded", "sandbox", "sandbox");
});

/** `{"a":{"a":…1…}}` with `depth` objects: the field itself is the first. */
function nestedObject(depth: number): string {
  return '{"a":'.repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
}

describe("jsonBoundsViolation", () => {
  it("counts levels of containers, the field itself the first", () => {
    expect(jsonBoundsViolation({ a: 1 }, 1)).toBeNull();
    expect(jsonBoundsViolation({ a: {} }, 1)).toEqual({ kind: "depth", path: ["a"] });
    expect(jsonBoundsViolation({ a: [{ b: [] }] }, 3)).toEqual({ kind: "depth", path: ["a", 0, "b"] });
    expect(jsonBoundsViolation(JSON.parse(nestedObject(MAX_JSON_DEPTH)))).toBeNull();
    expect(jsonBoundsViolation(JSON.parse(nestedObject(MAX_JSON_DEPTH + 1)))?.kind).toBe("depth");
  });

  it("never recurses: a million levels are refused at once, the path cut at the bound", () => {
    const deep = JSON.parse("[".repeat(1_000_000) + "]".repeat(1_000_000)) as unknown;
    const violation = jsonBoundsViolation({ deep });
    expect(violation).toEqual({ kind: "depth", path: ["deep", ...Array(MAX_JSON_DEPTH - 1).fill(0)] });
  });

  it("measures size in UTF-8 bytes of the JSON text", () => {
    const ascii = { s: "x".repeat(MAX_JSON_BYTES - '{"s":""}'.length) };
    expect(jsonBoundsViolation(ascii)).toBeNull();
    expect(jsonBoundsViolation({ s: `${ascii.s}x` })).toEqual({ kind: "size", bytes: MAX_JSON_BYTES + 1 });
    expect(jsonBoundsViolation({ s: "é".repeat(MAX_JSON_BYTES / 2) })?.kind).toBe("size");
  });
});

describe("POST /v1/calls metadata", () => {
  const register = (callId: string, metadata: string) =>
    send("/v1/calls", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: `{"call_id":${JSON.stringify(callId)},"connection":"sandbox","metadata":${metadata}}`,
    });

  it("nested a few thousand levels in 8 KB of body (once a 500) is 422 naming the path, and no call exists", async () => {
    const callId = uniqueCallId("deep");
    const body = `{"a":${"[".repeat(4_000)}${"]".repeat(4_000)}}`;
    expect(body.length).toBeLessThanOrEqual(8 * 1024);
    const problem = await expectProblem(await register(callId, body), 422, "invalid_request");
    const errors = problem.errors as { path: string; message: string }[];
    expect(errors).toEqual([{ path: `metadata.a${".0".repeat(MAX_JSON_DEPTH - 1)}`, message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]);
    await expectProblem(await getCall(key, callId, "sandbox"), 404);
    // Objects nest the same way: the path names the keys down to the bound.
    const objects = await expectProblem(await register(callId, nestedObject(1_300)), 422, "invalid_request");
    expect(objects.errors).toEqual([{ path: `metadata${".a".repeat(MAX_JSON_DEPTH)}`, message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]);
    await expectProblem(await getCall(key, callId, "sandbox"), 404);
  });

  it("deep arrays too; and at the bound it is accepted and read back as sent", async () => {
    await expectProblem(await register(uniqueCallId("deep"), `{"list":${"[".repeat(5_000)}${"]".repeat(5_000)}}`), 422, "invalid_request");
    const callId = uniqueCallId("edge");
    const metadata = nestedObject(MAX_JSON_DEPTH);
    expect((await register(callId, metadata)).status).toBe(201);
    expect((await (await getCall(key, callId, "sandbox")).json<{ metadata: unknown }>()).metadata).toEqual(JSON.parse(metadata));
  });

  it(`over ${MAX_JSON_BYTES} bytes is 422 saying how large it was`, async () => {
    const callId = uniqueCallId("wide");
    const metadata = JSON.stringify(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, "v".repeat(30)])));
    const problem = await expectProblem(await register(callId, metadata), 422, "invalid_request");
    expect(problem.detail).toContain(`metadata: is ${new TextEncoder().encode(metadata).length} bytes as JSON; at most ${MAX_JSON_BYTES} are allowed`);
    await expectProblem(await getCall(key, callId, "sandbox"), 404);
  });

  it("a registration repeated with deep metadata is 422 too, and the stored one is unchanged", async () => {
    const callId = uniqueCallId("again");
    expect((await asTenant(key, "POST", "/v1/calls", { call_id: callId, connection: "sandbox", metadata: { a: 1 } })).status).toBe(201);
    await expectProblem(await register(callId, nestedObject(3_000)), 422);
    expect((await (await getCall(key, callId, "sandbox")).json<{ metadata: unknown }>()).metadata).toEqual({ a: 1 });
  });
});

describe("PUT /admin/tenants/{t}/connections/{c} credentials", () => {
  it("nested deep or oversized credentials are 422 and nothing is stored", async () => {
    const path = "/admin/tenants/bounded/connections/deep";
    const put = (credentials: string) =>
      send(path, { method: "PUT", headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "content-type": "application/json" }, body: `{"provider":"sandbox","credentials":${credentials}}` });
    await expectProblem(await put(nestedObject(4_000)), 422, "invalid_request");
    await expectProblem(await put(JSON.stringify({ private_key: "k".repeat(MAX_JSON_BYTES) })), 422, "invalid_request");
    expect(await env.GATEWAY_KV.get(kvKey.connection("bounded", "deep"))).toBeNull();
    await expectProblem(await admin("GET", path), 404);
  });
});
