/**
 * What a call's object keeps, and for how long: one row per call, a record that stays small after any
 * number of callbacks, signals and rounds, the index told of every change, and retention that deletes a
 * call nothing can change any more.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { callObject } from "../src/objects";
import { countStorage, editStoredCall } from "./call-object-kit";
import { lifecycleEvent } from "../src/providers/lifecycle/event";
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
    const counts = await countStorage(stub(callId));
    expect((await hangup(key, callId, { connection: "sandbox" })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // past the pending report's time: no alarm may run
    const stats = await counts();
    const tables = await runInDurableObject(stub(callId), (_, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'").toArray().map((t) => t.name),
    );
    expect(tables).toEqual(["call_record"]);
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
    const identity = { tenant: "acme", connection: "sandbox", call_id: callId, provider: "sandbox" };
    for (let i = 0; i < 1000; i++) {
      const event = lifecycleEvent({ callId, providerStatus: `ringing-${i}-${"x".repeat(8 * 1024)}`, state: "ringing" });
      await object.providerEvent({ ...identity, event, register: null });
    }
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

  it("a call never registered whose rounds all failed is kept no longer than a settled one", async () => {
    await createConnection("acme", "sandbox-outage", "sandbox");
    const callId = uniqueCallId("fail");
    await hangup(key, callId, { connection: "sandbox-outage" });
    const record = await (await getCall(key, callId, "sandbox-outage")).json<{ state: string; retained_until: string | null; updated_at: string }>();
    expect(record.state).toBe("live");
    expect(record.retained_until).not.toBeNull();
    expect((Date.parse(record.retained_until!) - Date.parse(record.updated_at)) / 86_400_000).toBe(30);

    await editStoredCall(stub(callId, "sandbox-outage"), "$.updated_at", new Date(Date.now() - 31 * 86_400_000).toISOString());
    expect(await runDurableObjectAlarm(stub(callId, "sandbox-outage"))).toBe(true);
    expect((await getCall(key, callId, "sandbox-outage")).status).toBe(404);
  });

  it("a registered call whose watch ran out without news of its end is deleted on the same clock", async () => {
    const callId = uniqueCallId();
    await asTenant(key, "POST", "/v1/calls", { call_id: callId, connection: "sandbox" });
    // Watched for 48 hours, and then some: the watch's last look ends it.
    const longAgo = new Date(Date.now() - 49 * 3_600_000).toISOString();
    await editStoredCall(stub(callId), "$.registration.registered_at", longAgo);
    await editStoredCall(stub(callId), "$.registration.evaluated_at", longAgo);
    expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    const record = await (await getCall(key, callId, "sandbox")).json<{ retained_until: string | null; updated_at: string; events: { type: string }[] }>();
    expect(record.events.map((e) => e.type)).toContain("watch.expired");
    expect(record.retained_until).not.toBeNull();

    await editStoredCall(stub(callId), "$.updated_at", new Date(Date.now() - 31 * 86_400_000).toISOString());
    expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    expect((await getCall(key, callId, "sandbox")).status).toBe(404);
  });

  it("a live call is not deleted, however old", async () => {
    const callId = uniqueCallId();
    await asTenant(key, "POST", "/v1/calls", { call_id: callId, connection: "sandbox" });
    await editStoredCall(stub(callId), "$.updated_at", new Date(Date.now() - 31 * 86_400_000).toISOString());
    await runDurableObjectAlarm(stub(callId));
    expect((await getCall(key, callId, "sandbox")).status).toBe(200);
  });
});
