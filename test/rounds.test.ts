/**
 * Rounds, and termination that does not give up. A failed round ends only that round: a later request
 * starts a new one (unless its Idempotency-Key was already answered), a burst after a failure shares one
 * new round, and a watched call whose automatic hangup failed is tried again by its object's alarm until
 * the outcome is final, through provider outages, an open circuit, a restart, and a duty that throws.
 * Time is moved by editing what is stored (as the clock would have) and running the object's alarm.
 */
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { VIEW_TIMING } from "../src/health/breaker-view";
import { BREAKER_STORAGE_KEY } from "../src/health/connection-health";
import { objectName } from "../src/objects";
import { callObject } from "../src/objects";
import { AUTO_RETRY_FIRST_MS, AUTO_RETRY_MAX_MS } from "../src/calls/timings";
import { REFRESH_MS } from "../src/policy/active";
import type { BreakerState } from "../src/health/circuit-breaker";
import { kvKey } from "../src/storage-keys";
import { editStoredCall } from "./call-object-kit";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { admin, asTenant, createConnection, createTenant, fakeProviderUrl, getCall, hangup, providerRequests, scriptProvider, uniqueCallId } from "./helpers";

const DOWN = { status: 503, body: JSON.stringify({ error: "unavailable" }) };
/** One round's worth of failures: the send policy makes at most 4 attempts. */
const ROUND_DOWN = [DOWN, DOWN, DOWN, DOWN];

interface Outcome {
  status: string;
  round: number;
  attempts: number;
  source: string;
  provider_response: { code?: string };
}

interface CallRecord {
  state: string;
  hangup: { n: number; status: string; outcome: Outcome | null } | null;
  rounds: { n: number; operation_id: string; source: string; outcome: Outcome | null }[];
  retry: { failures: number; next_at: string } | null;
  registration: { decision: unknown } | null;
  attempts: { round: number }[];
  webhooks: { id: string; type: string; status: string }[];
  events: { type: string; data: Record<string, unknown> }[];
}

let key: string;

beforeAll(async () => {
  ({ key } = await createTenant("acme"));
  await createConnection("acme", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
  const res = await admin("PUT", "/admin/policies", { rules: [{ id: "fraud", kind: "fraud_flags", flags: ["irsf"] }] });
  expect(res.status).toBe(200);
});

function stub(callId: string, connection = "plivo") {
  return callObject(env, "acme", connection, callId);
}

async function record(callId: string, connection = "plivo"): Promise<CallRecord> {
  const res = await getCall(key, callId, connection);
  expect(res.status).toBe(200);
  return res.json<CallRecord>();
}

async function registerFraudCall(callId: string, connection = "plivo"): Promise<CallRecord> {
  const res = await asTenant(key, "POST", "/v1/calls", { call_id: callId, connection, flags: ["irsf"], to: "+442071838750" });
  expect(res.status).toBe(201);
  return res.json<CallRecord>();
}

/** The retry's time has come: its due time is moved to the past, then the alarm rings. */
async function retryNow(callId: string, connection = "plivo"): Promise<void> {
  await editStoredCall(stub(callId, connection), "$.retry.next_at", new Date(Date.now() - 1).toISOString());
  expect(await runDurableObjectAlarm(stub(callId, connection))).toBe(true);
}

function hangupsSent(requests: { method: string }[]): number {
  return requests.filter((r) => r.method === "DELETE").length;
}

describe("rounds through the API", () => {
  it("a failed round ends only its round: the next request asks the provider again, with a new operation", async () => {
    const callId = uniqueCallId();
    await scriptProvider(callId, ROUND_DOWN);
    const first = await (await hangup(key, callId, { connection: "plivo" })).json<Outcome>();
    expect(first).toMatchObject({ status: "failed", round: 1, attempts: 4 });

    const second = await hangup(key, callId, { connection: "plivo" });
    expect(second.headers.get("idempotent-replayed")).toBeNull();
    expect(await second.json<Outcome>()).toMatchObject({ status: "terminated", round: 2, attempts: 1 });
    expect(await providerRequests(callId)).toHaveLength(5);

    // Final now: replayed forever, nothing more sent.
    const third = await hangup(key, callId, { connection: "plivo" });
    expect(third.headers.get("idempotent-replayed")).toBe("true");
    expect(await third.json<Outcome>()).toMatchObject({ status: "terminated", round: 2 });
    expect(await providerRequests(callId)).toHaveLength(5);

    const after = await record(callId);
    expect(after.rounds.map((r) => [r.n, r.outcome?.status])).toEqual([[1, "failed"], [2, "terminated"]]);
    expect(new Set(after.rounds.map((r) => r.operation_id)).size).toBe(2);
    expect(after.attempts.map((a) => a.round)).toEqual([1, 1, 1, 1, 2]);
    expect(after.state).toBe("ended");
  });

  it("an Idempotency-Key already answered replays that answer, even a failed one; a new key starts a round", async () => {
    const callId = uniqueCallId();
    await scriptProvider(callId, ROUND_DOWN);
    const first = await hangup(key, callId, { connection: "plivo" }, { "idempotency-key": "k-1" });
    const failed = await first.json<Outcome>();
    expect(failed.status).toBe("failed");

    const replay = await hangup(key, callId, { connection: "plivo" }, { "idempotency-key": "k-1" });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual(failed);
    expect(await providerRequests(callId)).toHaveLength(4);

    const fresh = await hangup(key, callId, { connection: "plivo" }, { "idempotency-key": "k-2" });
    expect(await fresh.json<Outcome>()).toMatchObject({ status: "terminated", round: 2 });
  });

  it("a burst of requests after a failed round shares one new round", async () => {
    const callId = uniqueCallId();
    await scriptProvider(callId, ROUND_DOWN);
    await hangup(key, callId, { connection: "plivo" });
    await scriptProvider(callId, [{ status: 204, delay_ms: 300 }]);

    const answers = await Promise.all(Array.from({ length: 30 }, () => hangup(key, callId, { connection: "plivo" })));
    const bodies = await Promise.all(answers.map((r) => r.json<Outcome>()));
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0]).toMatchObject({ status: "terminated", round: 2 });
    expect(answers.filter((r) => r.headers.get("idempotent-replayed") !== "true")).toHaveLength(1);
    expect(await providerRequests(callId)).toHaveLength(5);
  });
});

describe("a watched call the policy must end", () => {
  it("keeps trying through an outage and is terminated exactly once when the provider is back", async () => {
    const callId = uniqueCallId();
    // Down for two rounds, then back.
    await scriptProvider(callId, [...ROUND_DOWN, ...ROUND_DOWN]);
    const registered = await registerFraudCall(callId);
    expect(registered.hangup?.outcome).toMatchObject({ status: "failed", source: "policy", round: 1 });
    expect(registered.state).toBe("live");
    const firstRetry = Date.parse(registered.retry!.next_at) - Date.now();
    expect(firstRetry).toBeGreaterThan(0);
    expect(firstRetry).toBeLessThanOrEqual(AUTO_RETRY_FIRST_MS);

    await retryNow(callId);
    const stillDown = await record(callId);
    expect(stillDown.hangup?.outcome).toMatchObject({ status: "failed", round: 2 });
    expect(stillDown.retry?.failures).toBe(2);
    expect(Date.parse(stillDown.retry!.next_at) - Date.now()).toBeLessThanOrEqual(AUTO_RETRY_MAX_MS);

    await retryNow(callId);
    const done = await record(callId);
    expect(done.state).toBe("ended");
    expect(done.hangup?.outcome).toMatchObject({ status: "terminated", source: "policy", round: 3 });
    expect(done.retry).toBeNull();
    const requests = await providerRequests(callId);
    expect(hangupsSent(requests)).toBe(9);

    // Final: more alarms and signals send nothing.
    await runDurableObjectAlarm(stub(callId));
    await asTenant(key, "POST", `/v1/calls/${callId}/signals`, { connection: "plivo", flags: ["irsf", "wangiri"] });
    expect(await providerRequests(callId)).toHaveLength(9);
  });

  it("is retried whatever round it met: a fraud hangup joining a failing API round gets the retry", async () => {
    const callId = uniqueCallId();
    expect((await asTenant(key, "POST", "/v1/calls", { call_id: callId, connection: "plivo", to: "+442071838750" })).status).toBe(201);
    // The API round is slow to fail, so the fraud flag's hangup joins it rather than starting its own.
    await scriptProvider(callId, [{ ...DOWN, delay_ms: 600 }, DOWN, DOWN, DOWN]);
    const apiHangup = hangup(key, callId, { connection: "plivo" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalled = await asTenant(key, "POST", `/v1/calls/${callId}/signals`, { connection: "plivo", flags: ["irsf"] });
    expect(signalled.status).toBe(200);
    expect(await (await apiHangup).json<Outcome>()).toMatchObject({ status: "failed", source: "api", round: 1 });

    const joined = await record(callId);
    expect(joined.rounds).toHaveLength(1);
    expect(joined.retry).toMatchObject({ failures: 1 });
    expect(Date.parse(joined.retry!.next_at) - Date.now()).toBeLessThanOrEqual(AUTO_RETRY_FIRST_MS);
    const alarm = await runInDurableObject(stub(callId), (_, state) => state.storage.getAlarm());
    expect(alarm).toBe(Date.parse(joined.retry!.next_at));

    await retryNow(callId);
    const done = await record(callId);
    expect(done.hangup?.outcome).toMatchObject({ status: "terminated", source: "policy", round: 2 });
    expect(done.retry).toBeNull();
    expect(hangupsSent(await providerRequests(callId))).toBe(5);
  });

  it("keeps its retry across a restart", async () => {
    const callId = uniqueCallId();
    await scriptProvider(callId, ROUND_DOWN);
    const registered = await registerFraudCall(callId);
    await abortAllDurableObjects();
    const alarm = await runInDurableObject(stub(callId), (_, state) => state.storage.getAlarm());
    expect(alarm).toBe(Date.parse(registered.retry!.next_at));
    await retryNow(callId);
    expect((await record(callId)).hangup?.outcome?.status).toBe("terminated");
  });

  it("an open circuit delays the retry to after the cool-down, and never makes the failure final", async () => {
    await createConnection("acme", "plivo-broken", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
    // Five hangups failing through every retry open the connection's circuit.
    for (let i = 0; i < 5; i++) {
      const other = uniqueCallId("down");
      await scriptProvider(other, ROUND_DOWN);
      await hangup(key, other, { connection: "plivo-broken" });
    }
    const callId = uniqueCallId();
    const registered = await registerFraudCall(callId, "plivo-broken");
    expect(registered.hangup?.outcome).toMatchObject({ status: "failed", attempts: 0, provider_response: { code: "circuit_open" } });
    const health = env.CONNECTION_HEALTH.get(env.CONNECTION_HEALTH.idFromName(objectName.connectionHealth("acme", "plivo-broken")));
    const breaker = await runInDurableObject(health, (_, state) => state.storage.kv.get<BreakerState>(BREAKER_STORAGE_KEY));
    expect(breaker?.state).toBe("open");
    const retryAt = (breaker as Extract<BreakerState, { state: "open" }>).retryAt;
    expect(Date.parse(registered.retry!.next_at)).toBeGreaterThanOrEqual(retryAt);
    expect(await providerRequests(callId)).toHaveLength(0);

    // The cool-down passes: the retry is the probe, and the call is terminated.
    await runInDurableObject(health, (_, state) => state.storage.kv.put(BREAKER_STORAGE_KEY, { ...breaker, retryAt: Date.now() - 1 }));
    // This isolate's view of the circuit still holds the old deadline until it is old enough to be asked again.
    await new Promise((resolve) => setTimeout(resolve, VIEW_TIMING.maxAgeMs));
    await retryNow(callId, "plivo-broken");
    const after = await record(callId, "plivo-broken");
    expect(after.hangup?.outcome).toMatchObject({ status: "terminated", source: "policy" });
    expect(await providerRequests(callId)).toHaveLength(1);
  });

  it("stops retrying once the call is reported ended", async () => {
    const callId = uniqueCallId();
    await scriptProvider(callId, ROUND_DOWN);
    await registerFraudCall(callId);
    const ended = await asTenant(key, "POST", `/v1/calls/${callId}/signals`, { connection: "plivo", ended: true });
    expect((await ended.json<CallRecord>()).retry).toBeNull();
    await runDurableObjectAlarm(stub(callId));
    expect(await providerRequests(callId)).toHaveLength(4);
    expect((await record(callId)).state).toBe("ended");
  });

  it("an alarm whose duty throws (KV unreadable) records it, backs off, and the retry still happens later", async () => {
    const callId = uniqueCallId();
    await scriptProvider(callId, ROUND_DOWN);
    await registerFraudCall(callId);
    // The policy cannot be read: every cached copy expires, and what KV holds does not parse.
    const good = await env.GATEWAY_KV.get(kvKey.activePolicy());
    await env.GATEWAY_KV.put(kvKey.activePolicy(), "{ not json");
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS + 100));
    try {
      await retryNow(callId);
      const broken = await runInDurableObject(stub(callId), async (object) => (await object.record())!);
      expect(broken.events.filter((e) => e.type === "alarm.failed")).toHaveLength(1);
      const backoff = await runInDurableObject(stub(callId), (_, state) => state.storage.getAlarm());
      expect(backoff).toBeGreaterThan(Date.now());
      expect(await providerRequests(callId)).toHaveLength(4);
    } finally {
      await env.GATEWAY_KV.put(kvKey.activePolicy(), good!);
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS + 100));
    }
    // Readable again, the next alarm does the duty.
    await retryNow(callId);
    expect((await record(callId)).hangup?.outcome?.status).toBe("terminated");
  });
});

describe("outcome webhooks of rounds", () => {
  it("a failed automatic run is sent once as call.hangup.failed, and the final outcome as call.hangup.completed", async () => {
    const hooked = await createTenant("hooked");
    const put = await admin("PUT", "/admin/tenants/hooked", { name: "hooked", webhook: { url: `${fakeProviderUrl()}/__webhooks/rounds` } });
    expect(put.status).toBeLessThan(300);
    await createConnection("hooked", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
    const callId = uniqueCallId();
    await scriptProvider(callId, [...ROUND_DOWN, ...ROUND_DOWN]);
    const res = await asTenant(hooked.key, "POST", "/v1/calls", { call_id: callId, connection: "plivo", flags: ["irsf"] });
    expect(res.status).toBe(201);
    // A stub does not outlive a restart: a fresh one for each step.
    const hookedStub = () => callObject(env, "hooked", "plivo", callId);
    // The failure is delivered first (its alarm is due at once), before the test moves any clock.
    await runDurableObjectAlarm(hookedStub());
    const delivered = await (await getCall(hooked.key, callId, "plivo")).json<CallRecord>();
    expect(delivered.webhooks).toMatchObject([{ type: "call.hangup.failed", status: "delivered" }]);
    for (let round = 0; round < 2; round++) {
      await editStoredCall(hookedStub(), "$.retry.next_at", new Date(Date.now() - 1).toISOString());
      await runDurableObjectAlarm(hookedStub());
    }
    const after = await (await getCall(hooked.key, callId, "plivo")).json<CallRecord>();
    expect(after.hangup?.outcome?.status).toBe("terminated");
    expect(after.webhooks.map((w) => w.type)).toEqual(["call.hangup.failed", "call.hangup.completed"]);
    expect(new Set(after.webhooks.map((w) => w.id)).size).toBe(2);
  });
});

describe("the watch's horizon", () => {
  it("lasts at least until the longest max_duration deadline that applies", async () => {
    const res = await admin("PUT", "/admin/policies", {
      rules: [{ id: "fraud", kind: "fraud_flags", flags: ["irsf"] }, { id: "three-days", kind: "max_duration", max_seconds: 3 * 86_400 }],
    });
    expect(res.status).toBe(200);
    const registered = await asTenant(key, "POST", "/v1/calls", { call_id: uniqueCallId(), connection: "plivo" });
    const body = await registered.json<{ registration: { decision: { deadline: string }; watch_ends_at: string } }>();
    expect(Date.parse(body.registration.watch_ends_at)).toBeGreaterThan(Date.parse(body.registration.decision.deadline));
  });
});
