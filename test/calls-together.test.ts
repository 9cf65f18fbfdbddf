/**
 * Policies that judge calls together, through the calls' own objects: `concurrency` counts live calls
 * exactly under any burst and frees a place whenever a call ends; `velocity` counts registrations per
 * number in a sliding window; after a crash mid-burst, the counters come back to the calls really live.
 */
import { abortAllDurableObjects, createExecutionContext, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../src/app";
import { policyCounterObject } from "../src/objects";
import { BASE, admin, createConnection, createTenant, uniqueCallId } from "./helpers";

/** Hundreds of registrations at once are over a tenant's per-minute limit by design: these go through a limiter that lets them by. */
const unlimited: Pick<RateLimit, "limit"> = { limit: async () => ({ success: true }) };
const MAX_LIVE = 100;

let key = "";

beforeAll(async () => {
  ({ key } = await createTenant("burst"));
  await createConnection("burst", "trunk", "sandbox");
  const res = await admin("PUT", "/admin/policies", {
    rules: [
      { id: "trunk-cap", kind: "concurrency", max_live: MAX_LIVE, per: "connection" },
      { id: "pumping", kind: "velocity", max_calls: 3, window_seconds: 3600, per: "to" },
    ],
  });
  expect(res.status).toBe(200);
});

interface CallRecord {
  state: string;
  hangup: { reason: string; outcome: { status: string } | null } | null;
  registration: { decision: { matched: { id: string; effect: string; count?: number; detail: string }[] } } | null;
}

function call(method: string, path: string, body?: unknown): Promise<Response> {
  const request = new Request(BASE + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return Promise.resolve(app.fetch(request, { ...env, TENANT_RATE_LIMITER: unlimited }, createExecutionContext()));
}

async function register(callId: string, extra: Record<string, unknown> = {}): Promise<CallRecord> {
  const res = await call("POST", "/v1/calls", { call_id: callId, connection: "trunk", ...extra });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return res.json<CallRecord>();
}

const live = (records: CallRecord[]) => records.filter((r) => r.state === "live");
const cut = (records: CallRecord[], rule: string) => records.filter((r) => r.hangup?.reason === `policy:${rule}` && r.hangup.outcome?.status === "terminated");
const trunkCounter = () => policyCounterObject(env, { kind: "concurrency", rule: "trunk-cap", key: "connection:burst/trunk" });
const counted = () => runInDurableObject(trunkCounter(), (_, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entry").one().n);

describe("concurrency", () => {
  it(`500 registrations at once against max_live: ${MAX_LIVE} leave exactly ${MAX_LIVE} live and hang up exactly 400; an end frees a place at once`, async () => {
    const ids = Array.from({ length: 500 }, () => uniqueCallId("burst"));
    const records = await Promise.all(ids.map((id) => register(id)));
    expect(live(records)).toHaveLength(MAX_LIVE);
    expect(cut(records, "trunk-cap")).toHaveLength(400);
    const over = cut(records, "trunk-cap")[0]!.registration!.decision.matched.find((m) => m.id === "trunk-cap")!;
    expect(over.count).toBeGreaterThan(MAX_LIVE);
    expect(over.detail).toMatch(/live call/);
    expect(await counted()).toBe(MAX_LIVE);

    // One live call ends: its place is free at once, and the next registration takes it.
    const ending = ids[records.findIndex((r) => r.state === "live")]!;
    expect((await call("POST", `/v1/calls/${ending}/signals`, { connection: "trunk", ended: true })).status).toBe(200);
    expect(await counted()).toBe(MAX_LIVE - 1);
    expect((await register(uniqueCallId("burst"))).state).toBe("live");
    expect((await register(uniqueCallId("burst"))).hangup?.reason).toBe("policy:trunk-cap");
    expect(await counted()).toBe(MAX_LIVE);
  }, 120_000);

  it("after a crash mid-burst, the counter comes back to the calls really live", async () => {
    const counter = trunkCounter();
    const before = await counted();
    // A burst cut short by every object dying at once.
    const burst = Array.from({ length: 30 }, () => register(uniqueCallId("crash")).catch(() => null));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await abortAllDurableObjects();
    await Promise.all(burst);
    // Whatever places the crash left behind, the audit asks each call (the grace period made to pass).
    await runInDurableObject(counter, (_, state) => void state.storage.sql.exec("UPDATE entry SET audit_at = 0"));
    await runDurableObjectAlarm(counter);
    const entries = await runInDurableObject(counter, (_, state) =>
      state.storage.sql.exec<{ connection: string; call_id: string }>("SELECT connection, call_id FROM entry").toArray(),
    );
    const reallyLive = await Promise.all(entries.map(async (e) => (await (await call("GET", `/v1/calls/${e.call_id}?connection=trunk`)).json<CallRecord>()).state === "live"));
    expect(reallyLive.every(Boolean)).toBe(true);
    expect(entries.length).toBeLessThanOrEqual(MAX_LIVE);
    expect(entries.length).toBeGreaterThanOrEqual(Math.min(before, MAX_LIVE) - 1);
  }, 120_000);
});

describe("velocity", () => {
  it("a fourth registration to one number within the window is hung up; another number is not", async () => {
    const to = "+14155550123";
    const records = [];
    for (let i = 0; i < 4; i++) records.push(await register(uniqueCallId("pump"), { to }));
    expect(records.slice(0, 3).every((r) => r.hangup?.reason !== "policy:pumping")).toBe(true);
    expect(records[3]!.hangup?.reason).toBe("policy:pumping");
    expect(records[3]!.registration!.decision.matched.find((m) => m.id === "pumping")?.count).toBe(4);
    expect((await register(uniqueCallId("pump"), { to: "+14155550124" })).hangup?.reason).not.toBe("policy:pumping");
  }, 60_000);
});
