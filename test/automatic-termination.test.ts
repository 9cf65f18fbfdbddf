/**
 * Automatic termination of registered calls: fraud flags end a call at once, a maximum duration ends
 * it from the object's alarm, protected calls are left alone, ended calls are no longer watched, and a
 * newly published policy reaches calls already registered. Alarms are run by the test (no sleeping);
 * time passing is simulated by moving a call's start back.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { CallObject } from "../src/calls/call-object";
import { callObject } from "../src/objects";
import { POLICY_RECHECK_MS } from "../src/calls/timings";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { ageCall as ageStoredCall, alarmInDays, countStorage } from "./call-object-kit";
import { admin, asTenant, createConnection, createTenant, fakeProviderUrl, hangup, providerRequests, uniqueCallId } from "./helpers";

const HOUR_S = 3600;
const POLICY = {
  rules: [
    { id: "fraud", kind: "fraud_flags", flags: ["irsf", "wangiri"] },
    { id: "emergency", kind: "protect", to_prefixes: ["+1911"] },
    { id: "one-hour-max", kind: "max_duration", max_seconds: HOUR_S },
  ],
};

let acme: { key: string };

beforeAll(async () => {
  acme = await createTenant("acme");
  await createConnection("acme", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
  await publish(POLICY);
});

interface CallRecord {
  state: string;
  flags: string[];
  registration: { decision: { protected: boolean; terminate: unknown; deadline: string | null; policy_version: string } } | null;
  hangup: { source: string; reason: string; outcome: { status: string } | null } | null;
  events: { type: string; data: Record<string, unknown> }[];
}

async function publish(document: unknown): Promise<void> {
  const res = await admin("PUT", "/admin/policies", document);
  if (res.status !== 200) throw new Error(`publish: ${res.status} ${await res.text()}`);
}

function stub(callId: string): DurableObjectStub<CallObject> {
  return callObject(env, "acme", "plivo", callId);
}

async function register(callId: string, extra: Record<string, unknown> = {}): Promise<CallRecord> {
  const res = await asTenant(acme.key, "POST", "/v1/calls", { call_id: callId, connection: "plivo", ...extra });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return res.json<CallRecord>();
}

async function signal(callId: string, body: Record<string, unknown>): Promise<CallRecord> {
  const res = await asTenant(acme.key, "POST", `/v1/calls/${callId}/signals`, { connection: "plivo", ...body });
  if (res.status !== 200) throw new Error(`signal: ${res.status} ${await res.text()}`);
  return res.json<CallRecord>();
}

function record(callId: string): Promise<CallRecord> {
  return runInDurableObject(stub(callId), async (object) => (await object.record()) as unknown as CallRecord);
}

function ageCall(callId: string, seconds: number): Promise<void> {
  return ageStoredCall(stub(callId), seconds);
}

/** Runs the object's alarm handler directly, as many times at once as asked: alarms are at least once. */
async function fireAlarm(callId: string, times = 1): Promise<void> {
  await runInDurableObject(stub(callId), (object) => Promise.all(Array.from({ length: times }, () => object.alarm())));
}

describe("fraud flags", () => {
  it("a signalled fraud flag hangs the call up at once, exactly once", async () => {
    const callId = uniqueCallId();
    await register(callId);
    const [first, second] = await Promise.all([signal(callId, { flags: ["WANGIRI"] }), signal(callId, { flags: ["wangiri", "irsf"] })]);
    for (const answer of [first, second]) expect(answer.hangup).toMatchObject({ source: "policy", reason: "policy:fraud" });
    expect(await providerRequests(callId)).toHaveLength(1);

    const after = await signal(callId, { flags: ["irsf"] });
    expect(after.flags.sort()).toEqual(["irsf", "wangiri"]);
    expect(after.hangup?.outcome?.status).toBe("terminated");
    expect(await providerRequests(callId)).toHaveLength(1);
  });

  it("flags no rule lists are stored once each and change nothing", async () => {
    const callId = uniqueCallId();
    await register(callId, { flags: ["suspicious"] });
    const answer = await signal(callId, { flags: ["Suspicious", "premium-rate", "premium-rate"] });
    expect(answer.flags).toEqual(["suspicious", "premium-rate"]);
    expect(answer.state).toBe("live");
    expect(answer.events.filter((e) => e.type === "call.flagged")).toEqual([expect.objectContaining({ data: { flags: ["premium-rate"] } })]);
    expect(await providerRequests(callId)).toHaveLength(0);
  });
});

describe("maximum duration", () => {
  it("the alarm hangs the call up once, even when it fires twice at once and again later", async () => {
    const callId = uniqueCallId();
    await register(callId, { started_at: new Date(Date.now() - 10_000).toISOString() });
    await ageCall(callId, 2 * HOUR_S);
    await fireAlarm(callId, 2);
    await fireAlarm(callId);
    await runDurableObjectAlarm(stub(callId));

    expect(await providerRequests(callId)).toHaveLength(1);
    const after = await record(callId);
    expect(after.state).toBe("ended");
    expect(after.hangup).toMatchObject({ source: "policy", reason: "policy:one-hour-max", outcome: { status: "terminated" } });
  });

  it("an alarm that fires before the deadline re-checks and hangs up nothing", async () => {
    const callId = uniqueCallId();
    await register(callId);
    expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    expect(await providerRequests(callId)).toHaveLength(0);
    expect((await record(callId)).state).toBe("live");
    // It set itself again, within the re-check bound.
    const alarm = await runInDurableObject(stub(callId), (_, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(Date.now() + POLICY_RECHECK_MS);
  });

  it("a re-check that changes nothing writes nothing and tells the index nothing: the record's last change stays", async () => {
    const callId = uniqueCallId();
    const registered = await register(callId);
    const storedAt = await runInDurableObject(stub(callId), (_, state) => state.storage.sql.exec<{ version: number }>("SELECT version FROM call_record").one().version);
    const counts = await countStorage(stub(callId));
    for (let i = 0; i < 3; i++) expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    expect((await counts()).rowsWritten).toBe(0);
    const after = await runInDurableObject(stub(callId), async (object, state) => ({
      record: (await object.record()) as unknown as CallRecord & { updated_at: string },
      version: state.storage.sql.exec<{ version: number }>("SELECT version FROM call_record").one().version,
    }));
    expect(after.version).toBe(storedAt);
    expect(after.record.updated_at).toBe((registered as CallRecord & { updated_at: string }).updated_at);
    // The index entry (what GET /v1/calls lists) was not touched either.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const entry = await env.CALL_INDEX_DB.prepare("SELECT version FROM call_entry WHERE tenant = 'acme' AND call_id = ?").bind(callId).first<{ version: number }>();
    expect(entry?.version).toBe(storedAt);
  });
});

describe("protected calls", () => {
  it("are never hung up automatically, but an explicit hangup still works", async () => {
    const callId = uniqueCallId();
    const registered = await register(callId, { to: "+19115550100", flags: ["irsf"] });
    expect(registered.registration?.decision).toMatchObject({ protected: true, terminate: null, deadline: null });
    expect((await signal(callId, { flags: ["wangiri"] })).hangup).toBeNull();
    await ageCall(callId, 2 * HOUR_S);
    await fireAlarm(callId);
    expect(await providerRequests(callId)).toHaveLength(0);

    const explicit = await hangup(acme.key, callId, { connection: "plivo", reason: "operator" });
    expect((await explicit.json<{ status: string }>()).status).toBe("terminated");
    expect(await providerRequests(callId)).toHaveLength(1);
  });
});

describe("ended calls", () => {
  it("a call signalled ended is no longer watched: only its retention alarm is left, and an alarm does nothing", async () => {
    const callId = uniqueCallId();
    await register(callId);
    const ended = await signal(callId, { ended: true });
    expect(ended.state).toBe("ended");
    expect(ended.hangup).toBeNull();
    expect(await alarmInDays(stub(callId))).toBeGreaterThan(29.9);

    await ageCall(callId, 2 * HOUR_S);
    await fireAlarm(callId, 2);
    await signal(callId, { flags: ["irsf"] });
    expect(await providerRequests(callId)).toHaveLength(0);
    expect((await record(callId)).events.map((e) => e.type)).toEqual(["call.registered", "call.ended", "call.flagged"]);
  });

  it("the object starts no round for a call reported ended, whoever asks but the API: a bulk job hears `ended`", async () => {
    const callId = uniqueCallId();
    await register(callId);
    await signal(callId, { ended: true });
    const bulk = await stub(callId).hangup({ tenant: "acme", connection: "plivo", call_id: callId, provider: "plivo", source: "bulk", bulk_job: "job-1", reason: "sweep", decision: null });
    expect(bulk).toEqual({ kind: "ended" });
    expect(await providerRequests(callId)).toHaveLength(0);

    // The operator asked for it: an explicit API hangup of a call reported ended still goes to the provider.
    const explicit = await hangup(acme.key, callId, { connection: "plivo", reason: "operator" });
    expect((await explicit.json<{ status: string }>()).status).toBe("terminated");
    expect(await providerRequests(callId)).toHaveLength(1);

    // A final outcome that is not the job's own is `ended` to a bulk job too; its own is replayed.
    expect(await stub(callId).hangup({ tenant: "acme", connection: "plivo", call_id: callId, provider: "plivo", source: "bulk", bulk_job: "job-1", reason: "sweep", decision: null })).toEqual({ kind: "ended" });
    const own = uniqueCallId();
    await register(own);
    const first = await stub(own).hangup({ tenant: "acme", connection: "plivo", call_id: own, provider: "plivo", source: "bulk", bulk_job: "job-2", reason: "sweep", decision: null });
    const again = await stub(own).hangup({ tenant: "acme", connection: "plivo", call_id: own, provider: "plivo", source: "bulk", bulk_job: "job-2", reason: "sweep", decision: null });
    expect(first).toMatchObject({ kind: "outcome", replayed: false, outcome: { status: "terminated" } });
    expect(again).toMatchObject({ kind: "outcome", replayed: true, outcome: { status: "terminated" } });
    expect(await providerRequests(own)).toHaveLength(1);
  });
});

describe("policy changes", () => {
  it("a lowered max_duration published after registration is honoured at the next wake-up", async () => {
    const callId = uniqueCallId();
    const registered = await register(callId, { started_at: new Date(Date.now() - 30_000).toISOString() });
    expect(registered.registration?.decision.terminate).toBeNull();

    await publish({ rules: [{ id: "ten-seconds-max", kind: "max_duration", max_seconds: 10 }] });
    try {
      expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
      const after = await record(callId);
      expect(after.hangup).toMatchObject({ source: "policy", reason: "policy:ten-seconds-max", outcome: { status: "terminated" } });
      expect(after.events.map((e) => e.type)).toContain("policy.reevaluated");
      expect(await providerRequests(callId)).toHaveLength(1);
    } finally {
      await publish(POLICY);
    }
  });
});
