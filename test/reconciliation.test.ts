/**
 * Reconciliation: events go missing, so a watched call the provider has said nothing about for
 * RECONCILE_AFTER_SECONDS (default 900), and every watched call shortly before its watch ends, is read at
 * its provider. Ended, or unknown there: the call ends. Live: it stays watched, and a watch about to end is
 * extended. A failed read changes nothing but the record and is tried again later. Time passes by moving
 * what is stored back, as the clock would have, and running the call's alarm.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { callObject } from "../src/objects";
import { STATUS_READS_PER_SECOND } from "../src/pace/status-reads";
import { TWILIO_FAKE_AUTH } from "../src/providers/twilio/fake";
import { editStoredCall } from "./call-object-kit";
import { asTenant, createConnection, createTenant, fakeProviderUrl, getCall, providerRequests, scriptProvider, uniqueCallId } from "./helpers";

let key = "";

beforeAll(async () => {
  ({ key } = await createTenant("acme"));
  await createConnection("acme", "twilio", "twilio", TWILIO_FAKE_AUTH, { base_url: fakeProviderUrl() });
  await createConnection("acme", "twilio-quiet", "twilio", TWILIO_FAKE_AUTH, { base_url: fakeProviderUrl(), reconcile: false });
  await createConnection("acme", "twilio-many", "twilio", TWILIO_FAKE_AUTH, { base_url: fakeProviderUrl() });
});

interface CallRecord {
  state: string;
  lifecycle: { state: string; cause: string | null; ended_by: string | null; source: string | null };
  registration: { watch_ends_at: string | null } | null;
  reconciliations: { at: string; http_status: number | null; said: string }[];
  events: { type: string }[];
}

const stub = (callId: string, connection = "twilio") => callObject(env, "acme", connection, callId);

async function register(callId: string, connection = "twilio"): Promise<void> {
  const res = await asTenant(key, "POST", "/v1/calls", { call_id: callId, connection, to: "+442071838750" });
  expect(res.status).toBe(201);
}

async function record(callId: string, connection = "twilio"): Promise<CallRecord> {
  return (await getCall(key, callId, connection)).json<CallRecord>();
}

/** The provider has said nothing about the call for `minutes`: its registration (and last look) moved back. */
async function quietFor(callId: string, minutes: number, connection = "twilio"): Promise<void> {
  const at = new Date(Date.now() - minutes * 60_000).toISOString();
  await editStoredCall(stub(callId, connection), "$.registration.registered_at", at);
  await editStoredCall(stub(callId, connection), "$.registration.evaluated_at", at);
}

const statusReads = async (callId: string) => (await providerRequests(callId)).filter((r) => r.method === "GET");

describe("a watched call the provider has gone quiet about", () => {
  it("is read after RECONCILE_AFTER_SECONDS; live, it stays watched and the read is in the record", async () => {
    const callId = uniqueCallId();
    await register(callId);
    expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    expect(await statusReads(callId)).toHaveLength(0); // not before its time

    await quietFor(callId, 16);
    expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    const after = await record(callId);
    expect(await statusReads(callId)).toHaveLength(1);
    expect(after.state).toBe("live");
    expect(after.reconciliations).toEqual([expect.objectContaining({ http_status: 200, said: "live" })]);
    // The next read waits another RECONCILE_AFTER_SECONDS.
    expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    expect(await statusReads(callId)).toHaveLength(1);
  });

  it("ended at the provider: the call ends, with the provider's cause, and is no longer watched", async () => {
    const callId = uniqueCallId("ended");
    await register(callId);
    await quietFor(callId, 16);
    expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    const after = await record(callId);
    expect(after.state).toBe("ended");
    expect(after.lifecycle).toMatchObject({ state: "ended", cause: "busy", source: "reconcile" });
    expect(after.registration?.watch_ends_at).toBeNull();
    expect(after.reconciliations.at(-1)).toMatchObject({ said: "ended" });
    expect(after.events.map((e) => e.type)).toContain("call.ended");
  });

  it("unknown at the provider (404): the call ends with cause unknown", async () => {
    const callId = uniqueCallId("unknown");
    await register(callId);
    await quietFor(callId, 16);
    expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    expect((await record(callId)).lifecycle).toMatchObject({ state: "ended", cause: "unknown", ended_by: "unknown", source: "reconcile" });
  });

  it("a read that fails changes nothing and is tried again later; then it counts", async () => {
    const callId = uniqueCallId();
    await register(callId);
    await scriptProvider(callId, [{ status: 503, body: JSON.stringify({ code: 20500, message: "down", status: 503 }) }]);
    await quietFor(callId, 16);
    expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    const failed = await record(callId);
    expect(failed.state).toBe("live");
    expect(failed.reconciliations).toEqual([expect.objectContaining({ http_status: 503, said: "error" })]);

    // The backoff's time comes: the read is tried again.
    await editStoredCall(stub(callId), "$.reconcile.retry_at", new Date(Date.now() - 1).toISOString());
    expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    expect((await record(callId)).reconciliations.map((r) => r.said)).toEqual(["error", "live"]);
    expect(await statusReads(callId)).toHaveLength(2);
  });

  it("near its watch's end, a call the provider says is live is watched for another 48 hours", async () => {
    const callId = uniqueCallId();
    await register(callId);
    const before = await record(callId);
    // 47 h 55 min after registration: five minutes before the watch ends.
    await quietFor(callId, 48 * 60 - 5);
    await editStoredCall(stub(callId), "$.provider_heard_at", new Date().toISOString());
    expect(await runDurableObjectAlarm(stub(callId))).toBe(true);
    const after = await record(callId);
    expect(after.state).toBe("live");
    expect(after.events.map((e) => e.type)).toContain("watch.extended");
    expect(Date.parse(after.registration!.watch_ends_at!)).toBeGreaterThan(Date.parse(before.registration!.watch_ends_at!));
  });

  it("a provider event resets the clock, and a connection that does not reconcile is never read", async () => {
    const heard = uniqueCallId();
    await register(heard);
    await quietFor(heard, 16);
    await editStoredCall(stub(heard), "$.provider_heard_at", new Date(Date.now() - 60_000).toISOString());
    expect(await runDurableObjectAlarm(stub(heard))).toBe(true);
    expect(await statusReads(heard)).toHaveLength(0);

    const quiet = uniqueCallId();
    await register(quiet, "twilio-quiet");
    await quietFor(quiet, 16, "twilio-quiet");
    await runDurableObjectAlarm(stub(quiet, "twilio-quiet"));
    expect(await statusReads(quiet)).toHaveLength(0);
    expect((await record(quiet, "twilio-quiet")).reconciliations).toEqual([]);
  });
});

describe("calls that fall silent together", () => {
  it("are read at most STATUS_READS_PER_SECOND a second on their connection; the rest wait their turn without a failure", async () => {
    const callIds = Array.from({ length: 40 }, (_, i) => uniqueCallId(`together-${i}`));
    for (const callId of callIds) {
      await register(callId, "twilio-many");
      await quietFor(callId, 16, "twilio-many");
    }
    const started = Date.now();
    await Promise.all(callIds.map((callId) => runDurableObjectAlarm(stub(callId, "twilio-many"))));
    const records = await Promise.all(callIds.map((callId) => record(callId, "twilio-many")));

    const readAt = records.flatMap((r) => r.reconciliations.map((read) => Date.parse(read.at))).sort((a, b) => a - b);
    // The pace grants slots up to 3 s ahead: about 30 of them are read now, one every 100 ms, the rest later
    // (how many exactly depends on how long the alarms took to ask).
    expect(readAt.length).toBeGreaterThanOrEqual(30);
    // A read's time is when its answer came in, so a busy machine jitters them a little; unpaced, all 40 would fall in one second.
    for (const at of readAt) expect(readAt.filter((other) => other >= at && other < at + 1_000).length).toBeLessThanOrEqual(STATUS_READS_PER_SECOND + 3);
    expect(readAt.at(-1)! - readAt[0]!).toBeGreaterThanOrEqual((readAt.length - 1) * (1_000 / STATUS_READS_PER_SECOND) - 300);
    expect(readAt.at(-1)! - started).toBeGreaterThanOrEqual(2_500);

    const waiting = records.filter((r) => r.reconciliations.length === 0);
    expect(waiting).toHaveLength(callIds.length - readAt.length);
    for (const r of waiting) {
      expect(r.state).toBe("live");
      expect(r.events.map((e) => e.type)).not.toContain("alarm.failed");
    }
  });
});
