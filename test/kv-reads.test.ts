/**
 * The hot path's KV reads: in a warm isolate a hangup reads KV once (the API key's record, which also
 * carries the tenant's disabled flag); tenant and connection records come from a per-isolate cache at
 * most RECORD_CACHE_MS old. Changes made through the admin API apply at once where they were made:
 * revoking and disabling keys, replacing or removing a connection, setting a webhook.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { RECORD_CACHE_MS, cachedRead, forgetCached } from "../src/tenants/record-cache";
import { admin, createConnection, createTenant, expectProblem, getCall, hangup, uniqueCallId } from "./helpers";

let key = "";

beforeAll(async () => {
  ({ key } = await createTenant("reads"));
  await createConnection("reads", "sandbox", "sandbox");
  // A published policy, so that its (cached) read is on the path too.
  expect((await admin("PUT", "/admin/policies", { rules: [{ id: "fraud", kind: "fraud_flags", flags: ["irsf"] }] })).status).toBe(200);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Counts every KV read made in this isolate (the Worker's and the call objects' alike) while `run` runs. */
async function countKvReads(run: () => Promise<void>): Promise<{ reads: number; keys: string[] }> {
  const prototype = Object.getPrototypeOf(env.GATEWAY_KV) as KVNamespace;
  const keys: string[] = [];
  const original = prototype.get;
  const spy = vi.spyOn(prototype, "get").mockImplementation(function (this: KVNamespace, ...args: unknown[]) {
    keys.push(String(args[0]));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof prototype.get);
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return { reads: keys.length, keys };
}

describe("a hangup in a warm isolate", () => {
  it("reads KV once: the API key", async () => {
    expect((await hangup(key, uniqueCallId("warm-up"), { connection: "sandbox" })).status).toBe(200);
    const HANGUPS = 5;
    const counted = await countKvReads(async () => {
      for (let i = 0; i < HANGUPS; i++) {
        const res = await hangup(key, uniqueCallId("warm"), { connection: "sandbox", reason: "counted" });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    });
    // Exactly: fewer would mean the spy saw nothing (and proved nothing).
    expect(counted.keys).toEqual(Array(HANGUPS).fill(expect.stringMatching(/^apikey:/)));
  });
});

describe("changes apply at once in the isolate that made them, cache or not", () => {
  it("a revoked key is refused on the next request", async () => {
    const extra = await (await admin("POST", "/admin/tenants/reads/keys", { name: "short-lived" })).json<{ id: string; key: string }>();
    expect((await hangup(extra.key, uniqueCallId(), { connection: "sandbox" })).status).toBe(200);
    expect((await admin("DELETE", `/admin/tenants/reads/keys/${extra.id}`)).status).toBe(204);
    await expectProblem(await hangup(extra.key, uniqueCallId(), { connection: "sandbox" }), 401, "unauthorized");
  });

  it("disabling the tenant refuses its keys on the next request, enabling restores them", async () => {
    const { key: own } = await createTenant("reads-switch");
    await createConnection("reads-switch", "sandbox", "sandbox");
    expect((await hangup(own, uniqueCallId(), { connection: "sandbox" })).status).toBe(200);
    await admin("PUT", "/admin/tenants/reads-switch", { disabled: true });
    await expectProblem(await hangup(own, uniqueCallId(), { connection: "sandbox" }), 401, "unauthorized");
    await admin("PUT", "/admin/tenants/reads-switch", { disabled: false });
    expect((await hangup(own, uniqueCallId(), { connection: "sandbox" })).status).toBe(200);
  });

  it("a removed connection is 404 on the next hangup, a re-created one works at once", async () => {
    await createConnection("reads", "short", "sandbox");
    expect((await hangup(key, uniqueCallId(), { connection: "short" })).status).toBe(200);
    expect((await admin("DELETE", "/admin/tenants/reads/connections/short")).status).toBe(204);
    await expectProblem(await hangup(key, uniqueCallId(), { connection: "short" }), 404, "not_found");
    await createConnection("reads", "short", "sandbox");
    expect((await hangup(key, uniqueCallId(), { connection: "short" })).status).toBe(200);
  });

  it("a webhook set on the tenant is used by the next hangup's call object", async () => {
    const before = uniqueCallId("no-hook");
    expect((await hangup(key, before, { connection: "sandbox" })).status).toBe(200);
    expect((await (await getCall(key, before, "sandbox")).json<{ webhook: { status: string } | null }>()).webhook?.status).toBe("not_configured");
    await admin("PUT", "/admin/tenants/reads", { webhook: { url: "http://127.0.0.1:9/hook" } });
    const after = uniqueCallId("hook");
    expect((await hangup(key, after, { connection: "sandbox" })).status).toBe(200);
    expect((await (await getCall(key, after, "sandbox")).json<{ webhook: { status: string } | null }>()).webhook?.status).not.toBe("not_configured");
  });
});

describe("the record cache", () => {
  const namespace = {} as KVNamespace;

  it(`serves a read for ${RECORD_CACHE_MS} ms, then reads again; a write forgets it at once`, async () => {
    let reads = 0;
    const read = async () => ({ n: ++reads });
    const t0 = 1_000_000;
    expect(await cachedRead(namespace, "k", read, t0)).toEqual({ n: 1 });
    expect(await cachedRead(namespace, "k", read, t0 + RECORD_CACHE_MS - 1)).toEqual({ n: 1 });
    expect(await cachedRead(namespace, "k", read, t0 + RECORD_CACHE_MS)).toEqual({ n: 2 });
    forgetCached(namespace, "k");
    expect(await cachedRead(namespace, "k", read, t0 + RECORD_CACHE_MS + 1)).toEqual({ n: 3 });
  });

  it("never caches a miss, and a caller cannot change what the next one reads", async () => {
    let stored: { n: number } | null = null;
    const read = async () => stored;
    expect(await cachedRead(namespace, "miss", read, 0)).toBeNull();
    stored = { n: 1 };
    const first = await cachedRead(namespace, "miss", read, 1);
    expect(first).toEqual({ n: 1 });
    first!.n = 99;
    expect(await cachedRead(namespace, "miss", read, 2)).toEqual({ n: 1 });
  });

  it("a read that raced a write does not cache the value it read before the write", async () => {
    let release!: () => void;
    const slow = () => new Promise<{ v: string }>((resolve) => (release = () => resolve({ v: "old" })));
    const pending = cachedRead(namespace, "race", slow, 0);
    forgetCached(namespace, "race"); // a write landed while the read was in flight
    release();
    expect(await pending).toEqual({ v: "old" });
    expect(await cachedRead(namespace, "race", async () => ({ v: "new" }), 1)).toEqual({ v: "new" });
  });
});
