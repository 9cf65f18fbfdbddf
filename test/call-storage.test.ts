/**
 * What a call's object keeps, and for how long: one row per call, a record that stays small after any
 * number of callbacks, signals and rounds, the index told of every change, retention that deletes a
 * settled call, and objects written in the first (eight-table) layout carried over when they wake.
 */
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { callObject } from "../src/objects";
import { editStoredCall } from "./call-object-kit";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { asTenant, createConnection, createTenant, fakeProviderUrl, getCall, hangup, uniqueCallId } from "./helpers";

let key: string;

beforeAll(async () => {
  ({ key } = await createTenant("acme"));
  await createConnection("acme", "sandbox", "sandbox");
  await createConnection("acme", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
});

const stub = (callId: string, connection = "sandbox") => callObject(env, "acme", connection, callId);

describe("a plain hangup", () => {
  it("costs one row and a few statements, and its object stays small once settled", async () => {
    const callId = uniqueCallId();
    expect((await hangup(key, callId, { connection: "sandbox" })).status).toBe(200);
    const stats = await runInDurableObject(stub(callId), async (object, state) => ({
      ...object.storageStats(),
      tables: state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'").toArray().map((t) => t.name),
    }));
    expect(stats.tables).toEqual(["call_record"]);
    expect(stats.statements).toBeLessThanOrEqual(6);
    expect(stats.rowsWritten).toBeLessThanOrEqual(4);
    expect(stats.alarmsRun).toBe(0);
    expect(stats.databaseSize).toBeLessThanOrEqual(24 * 1024);
  });

  it("reading a call never seen stores nothing", async () => {
    const callId = uniqueCallId();
    expect((await getCall(key, callId, "sandbox")).status).toBe(404);
    const tables = await runInDurableObject(stub(callId), (_, state) => state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'").toArray());
    expect(tables).toEqual([]);
  });
});

describe("the record stays bounded", () => {
  it("after a thousand callbacks with long status texts, and hundreds of signals", async () => {
    const callId = uniqueCallId();
    const res = await asTenant(key, "POST", "/v1/calls", { call_id: callId, connection: "sandbox" });
    expect(res.status).toBe(201);
    const object = stub(callId);
    for (let i = 0; i < 1000; i++) await object.providerStatus({ status: `ringing-${i}-${"x".repeat(8 * 1024)}`, ended: false });
    for (let i = 0; i < 100; i++) {
      const signal = await asTenant(key, "POST", `/v1/calls/${callId}/signals`, { connection: "sandbox", flags: [`flag-${i % 90}`] });
      expect(signal.status).toBe(200);
    }
    const got = await getCall(key, callId, "sandbox");
    expect(got.status).toBe(200);
    const text = await got.text();
    expect(text.length).toBeLessThan(32 * 1024);
    const record = JSON.parse(text) as { events: { type: string; data: { status?: string } }[]; events_omitted: Record<string, number> };
    expect(record.events_omitted["callback.received"]).toBe(990);
    expect(record.events.filter((e) => e.type === "callback.received").every((e) => (e.data.status ?? "").length <= 65)).toBe(true);
  });

  it("after many failed rounds: the latest twenty are kept and the rest counted", async () => {
    // A connection of its own: these failures open its circuit, which would fail other tests' hangups fast.
    await createConnection("acme", "sandbox-failing", "sandbox");
    const callId = uniqueCallId("fail");
    for (let i = 0; i < 25; i++) await hangup(key, callId, { connection: "sandbox-failing" });
    const record = await (await getCall(key, callId, "sandbox-failing")).json<{ rounds: { n: number }[]; rounds_omitted: number }>();
    expect(record.rounds.map((r) => r.n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 6));
    expect(record.rounds_omitted).toBe(5);
  });
});

describe("retention", () => {
  it("a settled call says until when it is kept, and its storage is deleted then", async () => {
    const callId = uniqueCallId();
    await hangup(key, callId, { connection: "sandbox" });
    const record = await (await getCall(key, callId, "sandbox")).json<{ retained_until: string; updated_at: string }>();
    const days = (Date.parse(record.retained_until) - Date.parse(record.updated_at)) / 86_400_000;
    expect(days).toBe(30);

    // Thirty days pass.
    await editStoredCall(stub(callId), "$.updated_at", new Date(Date.now() - 31 * 86_400_000).toISOString());
    expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    expect((await getCall(key, callId, "sandbox")).status).toBe(404);
    const left = await runInDurableObject(stub(callId), async (_, state) => ({
      tables: state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'").toArray(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(left).toEqual({ tables: [], alarm: null });
  });

  it("a live call is not deleted, however old", async () => {
    const callId = uniqueCallId();
    await asTenant(key, "POST", "/v1/calls", { call_id: callId, connection: "sandbox" });
    await editStoredCall(stub(callId), "$.updated_at", new Date(Date.now() - 31 * 86_400_000).toISOString());
    await runDurableObjectAlarm(stub(callId));
    expect((await getCall(key, callId, "sandbox")).status).toBe(200);
  });
});

describe("objects written by the first version", () => {
  it("are carried over into one row when they wake, hangup, attempts and events included", async () => {
    const callId = uniqueCallId();
    const object = stub(callId, "plivo");
    const at = new Date(Date.now() - 60_000).toISOString();
    const outcome = {
      call_id: callId, tenant: "acme", connection: "plivo", provider: "plivo", status: "terminated", reason: null, decision: null,
      provider_response: { http_status: 204, detail: "Plivo hung up the call" }, attempts: 1, requested_at: at, completed_at: at,
    };
    await runInDurableObject(object, (_, state) => {
      const sql = state.storage.sql;
      sql.exec(`CREATE TABLE call (singleton INTEGER PRIMARY KEY, tenant TEXT, connection TEXT, call_id TEXT, provider TEXT, state TEXT,
        registered INTEGER, started_at TEXT, from_number TEXT, to_number TEXT, flags TEXT, metadata TEXT, created_at TEXT, updated_at TEXT)`);
      sql.exec("INSERT INTO call VALUES (1, 'acme', 'plivo', ?, 'plivo', 'ended', 0, NULL, NULL, NULL, '[]', NULL, ?, ?)", callId, at, at);
      sql.exec("CREATE TABLE hangup (singleton INTEGER PRIMARY KEY, operation_id TEXT, status TEXT, source TEXT, reason TEXT, decision TEXT, requested_at TEXT, completed_at TEXT, outcome TEXT)");
      sql.exec("INSERT INTO hangup VALUES (1, 'op-1', 'completed', 'api', NULL, 'null', ?, ?, ?)", at, at, JSON.stringify(outcome));
      sql.exec("CREATE TABLE attempt (n INTEGER PRIMARY KEY, started_at TEXT, entry TEXT)");
      sql.exec("INSERT INTO attempt VALUES (1, ?, ?)", at, JSON.stringify({ n: 1, started_at: at, duration_ms: 20, http_status: 204, outcome: "terminated", detail: "Plivo hung up the call", retryable: false }));
      sql.exec("CREATE TABLE event (id INTEGER PRIMARY KEY, at TEXT, type TEXT, data TEXT)");
      sql.exec("INSERT INTO event (at, type, data) VALUES (?, 'hangup.completed', '{\"status\":\"terminated\"}')", at);
    });
    await abortAllDurableObjects();

    const again = await hangup(key, callId, { connection: "plivo" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toMatchObject({ status: "terminated", round: 1, requested_at: at });
    const record = await (await getCall(key, callId, "plivo")).json<{ state: string; attempts: unknown[]; events: { type: string }[] }>();
    expect(record).toMatchObject({ state: "ended", attempts: [{ round: 1, n: 1, http_status: 204 }], events: [{ type: "hangup.completed" }] });
    const tables = await runInDurableObject(callObject(env, "acme", "plivo", callId), (_, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'").toArray().map((t) => t.name),
    );
    expect(tables).toEqual(["call_record"]);
  });
});
