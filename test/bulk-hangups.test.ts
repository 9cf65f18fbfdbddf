/**
 * Bulk hangups: a dry run counts and changes nothing; a job hangs each selected call up once through
 * its own object (the fake Plivo sees one request per call), skips protected calls and calls that ended
 * meanwhile, survives having its object's memory dropped mid-run, still catches calls the index had not
 * seen when it was accepted, can be cancelled (by the tenant, or by disabling it), and an id never
 * created leaves nothing behind. The calls are fed to the index through the real queue; the hangups go
 * through the real call objects.
 *
 * A job's final pass is due 10 s after acceptance (the index's lag bound); `untilCompleted` brings it
 * forward to now (finalPassNow), so a test waits for the work, not for the clock.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { lifecycleEvent } from "../src/providers/lifecycle/event";
import { TELNYX_FAKE_AUTH } from "../src/providers/telnyx/fake";
import type { JobStatus } from "../src/bulk/job-object";
import { RETRY_STORAGE_KEY } from "../src/bulk/job-store";
import { MAX_RUNNING_JOBS, registerRunningJob } from "../src/bulk/registry";
import { feed, report, waitForList } from "./call-index-kit";
import { admin, asTenant, createConnection, createTenant, expectProblem, fakeProviderUrl, getCall, providerRequests, scriptProvider } from "./helpers";
import { callObject, objectName } from "../src/objects";

let acme: { key: string };
let globex: { key: string };
let initech: { key: string };
let umbrella: { key: string };
/** Each key's tenant, for the helpers that reach a job's object. */
const tenantOf = new Map<string, string>();

beforeAll(async () => {
  acme = await createTenant("acme");
  globex = await createTenant("globex");
  initech = await createTenant("initech");
  umbrella = await createTenant("umbrella");
  for (const [tenant, { key }] of Object.entries({ acme, globex, initech, umbrella })) {
    tenantOf.set(key, tenant);
    await createConnection(tenant, "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
    await createConnection(tenant, "sandbox", "sandbox");
    // Paced at 2 hangups a second in the tests (vitest.config.ts): slow enough to act on a job while it runs.
    await createConnection(tenant, "telnyx", "telnyx", TELNYX_FAKE_AUTH, { base_url: fakeProviderUrl() });
  }
  const published = await admin("PUT", "/admin/policies", {
    rules: [
      { id: "known-tenants", kind: "allowed_tenants", tenants: ["acme", "initech", "umbrella", "hooli", "vandelay"] },
      { id: "emergency", kind: "protect", to_prefixes: ["+1911"] },
    ],
  });
  expect(published.status).toBe(200);
});


/** `n` live registered Plivo calls of `tenant` carrying `flag`, fed to the index and listed. */
async function liveCalls(key: string, tenant: string, n: number, flag: string, extra: Parameters<typeof report>[2] = {}): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${flag}-${i}-${crypto.randomUUID()}`);
  await feed(ids.map((id) => report(tenant, id, { connection: "plivo", provider: "plivo", flags: [flag], ...extra })));
  await waitForList(key, `flag=${flag}`, (calls) => calls.length === n);
  return ids;
}

function jobObject(key: string, id: string) {
  return env.BULK_HANGUPS.get(env.BULK_HANGUPS.idFromName(objectName.bulkJob(tenantOf.get(key)!, id)));
}

/** Brings a running job's final pass (due 10 s after acceptance) forward to now. */
async function finalPassNow(key: string, id: string): Promise<void> {
  await runInDurableObject(jobObject(key, id), async (_, state) => {
    const [job] = state.storage.sql.exec<{ final_done: number; final_pass_at: number; status: string }>("SELECT final_done, final_pass_at, status FROM job").toArray();
    if (!job || job.final_done || job.status !== "running" || job.final_pass_at <= Date.now()) return;
    state.storage.sql.exec("UPDATE job SET final_pass_at = ?", Date.now());
    // Waiting for it (rather than working): wake the job now. A run in progress reads the new time itself.
    if (((await state.storage.getAlarm()) ?? 0) >= job.final_pass_at) await state.storage.setAlarm(Date.now());
  });
}

/** The job's retry of failed calls is due now: its alarm asks them again. */
async function retryNow(key: string, id: string): Promise<void> {
  const job = jobObject(key, id);
  await runInDurableObject(job, (_, state) => {
    const retry = state.storage.kv.get<{ failures: number; next_at: number }>(RETRY_STORAGE_KEY)!;
    state.storage.kv.put(RETRY_STORAGE_KEY, { ...retry, next_at: Date.now() - 1 });
  });
  await runDurableObjectAlarm(job);
}

/** Polls until the job has tried every call once and scheduled a retry of the failed ones. */
async function untilRetryScheduled(key: string, id: string): Promise<JobStatus> {
  let status = await jobStatus(key, id);
  for (const started = Date.now(); status.retry_at === null && Date.now() - started < 25_000; status = await jobStatus(key, id)) {
    await finalPassNow(key, id);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return status;
}

/** Tables of ours in an object's SQLite (the runtime's own are hidden), and its alarm. */
async function leftBehind(stub: DurableObjectStub): Promise<{ tables: string[]; alarm: number | null }> {
  return runInDurableObject(stub, async (_, state) => ({
    tables: state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\'").toArray().map((row) => row.name),
    alarm: await state.storage.getAlarm(),
  }));
}

function bulk(key: string, body: unknown): Promise<Response> {
  return asTenant(key, "POST", "/v1/bulk-hangups", body);
}

async function jobStatus(key: string, id: string): Promise<JobStatus> {
  const res = await asTenant(key, "GET", `/v1/bulk-hangups/${id}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

async function untilCompleted(key: string, id: string, withinMs = 25_000): Promise<JobStatus> {
  const started = Date.now();
  for (;;) {
    const status = await jobStatus(key, id);
    if (status.status === "completed") return status;
    if (Date.now() - started > withinMs) throw new Error(`job not completed: ${JSON.stringify(status)}`);
    await finalPassNow(key, id);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function requestsPerCall(ids: string[]): Promise<number[]> {
  return Promise.all(ids.map(async (id) => (await providerRequests(id)).length));
}

describe("dry run", () => {
  it("counts matched and protected calls and changes nothing", async () => {
    const ids = await liveCalls(acme.key, "acme", 5, "dryrun");
    const [guarded] = await liveCalls(acme.key, "acme", 1, "dryrun-guard", { to: "+19115550100" });
    const res = await bulk(acme.key, { connection: "plivo", match: { flags: ["dryrun", "DRYRUN-GUARD"] }, reason: "sweep", dry_run: true });
    expect(res.status).toBe(200);
    const body = await res.json<{ dry_run: boolean; matched: number; protected: number; call_ids: string[] }>();
    expect(body).toMatchObject({ dry_run: true, matched: 5, protected: 1 });
    expect(body.call_ids.sort()).toEqual([...ids].sort());
    expect(await requestsPerCall([...ids, guarded!])).toEqual([0, 0, 0, 0, 0, 0]);
    // No call object was touched: there is still no record of any of them.
    expect((await getCall(acme.key, ids[0]!, "plivo")).status).toBe(404);
    await waitForList(acme.key, "flag=dryrun&state=live", (calls) => calls.length === 5);
  });

  it("selects by to prefix and started_before, ANDed", async () => {
    const old = "2026-01-01T00:00:00.000Z";
    const a = await liveCalls(acme.key, "acme", 2, "prefix", { to: "+447700900001", started_at: old });
    await liveCalls(acme.key, "acme", 2, "prefix-us", { to: "+14155550100", started_at: old });
    await liveCalls(acme.key, "acme", 2, "prefix-new", { to: "+447700900002" });
    const body = await (
      await bulk(acme.key, { connection: "plivo", match: { to_prefixes: ["+44"], started_before: "2026-02-01T00:00:00Z" }, reason: "x", dry_run: true })
    ).json<{ matched: number; call_ids: string[] }>();
    expect(body.call_ids.sort()).toEqual([...a].sort());
  });
});

describe("refusals", () => {
  it.each([
    [{ reason: "everything" }],
    [{ reason: "everything", match: {} }],
    [{ reason: "everything", dry_run: true }],
  ])("no connection and no criterion is 422 without all: true (%j)", async (body) => {
    await expectProblem(await bulk(acme.key, body), 422, "invalid_request");
  });

  it("all: true selects everything", async () => {
    const res = await bulk(acme.key, { reason: "everything", all: true, dry_run: true });
    expect(res.status).toBe(200);
  });

  it.each([
    [{ connection: "plivo" }],
    [{ connection: "plivo", reason: "" }],
    [{ connection: "plivo", reason: "x", all: false }],
    [{ connection: "plivo", reason: "x", match: { to_prefixes: ["44%"] } }],
    [{ connection: "plivo", reason: "x", match: { started_before: "soon" } }],
    [{ connection: "plivo", reason: "x", match: { flags: [] } }],
    [{ connection: "plivo", reason: "x", extra: 1 }],
  ])("a bad body is 422 (%j)", async (body) => {
    await expectProblem(await bulk(acme.key, body), 422, "invalid_request");
  });

  it("an unknown connection is 404", async () => {
    await expectProblem(await bulk(acme.key, { connection: "nope", reason: "x" }), 404, "not_found");
  });

  it("a tenant the policy denies is 403 and nothing is sent", async () => {
    const ids = await liveCalls(globex.key, "globex", 2, "denied");
    const problem = await expectProblem(await bulk(globex.key, { connection: "plivo", reason: "x" }), 403, "policy_denied");
    expect(problem.decision).toMatchObject({ allowed: false });
    await expectProblem(await bulk(globex.key, { reason: "x", all: true, dry_run: true }), 403, "policy_denied");
    expect(await requestsPerCall(ids)).toEqual([0, 0]);
  });

  it("a job id is 404 to every other tenant, and a made-up one is 404", async () => {
    await liveCalls(initech.key, "initech", 1, "iso");
    const res = await bulk(initech.key, { connection: "plivo", match: { flags: ["iso"] }, reason: "x" });
    expect(res.status).toBe(202);
    const { id } = await res.json<{ id: string }>();
    await expectProblem(await asTenant(acme.key, "GET", `/v1/bulk-hangups/${id}`), 404, "not_found");
    await expectProblem(await asTenant(acme.key, "GET", `/v1/bulk-hangups/bh_${"0".repeat(32)}`), 404, "not_found");
    await expectProblem(await asTenant(acme.key, "GET", "/v1/bulk-hangups/..%2F..%2Fx"), 404, "not_found");
    await untilCompleted(initech.key, id);
  });
});

describe("jobs", () => {
  it("hangs each selected call up once, skips protected ones, and reports progress", async () => {
    const ids = await liveCalls(acme.key, "acme", 20, "sweep");
    const [guarded] = await liveCalls(acme.key, "acme", 1, "sweep-guard", { to: "+19115550199" });
    const res = await bulk(acme.key, { connection: "plivo", match: { flags: ["sweep", "sweep-guard"] }, reason: "fraud sweep" });
    expect(res.status).toBe(202);
    const accepted = await res.json<{ id: string; matched: number; protected: number; status: string }>();
    expect(accepted).toMatchObject({ matched: 20, protected: 1, status: "running" });
    expect(accepted.id).toMatch(/^bh_[0-9a-f]{32}$/);
    // Readable while it runs (the final pass alone keeps it running for the index's lag bound).
    expect((await jobStatus(acme.key, accepted.id)).status).toBe("running");

    const final = await untilCompleted(acme.key, accepted.id);
    expect(final).toMatchObject({ matched: 20, protected: 1, done: 20, outcomes: { terminated: 20, already_ended: 0, not_found: 0, failed: 0 } });
    expect(await requestsPerCall(ids)).toEqual(ids.map(() => 1));
    expect(await requestsPerCall([guarded!])).toEqual([0]);
    const record = await (await getCall(acme.key, ids[0]!, "plivo")).json<{ hangup: { source: string; reason: string } | null }>();
    expect(JSON.stringify(record)).toContain("fraud sweep");
  });

  it("spares a call its own record shows protected, even where the index it was selected from did not", async () => {
    // The call is registered to an emergency number; the index's entry for it is stale (a report from
    // before its details, with a version that wins), so the selection sees an ordinary call.
    const callId = `stale-index-${crypto.randomUUID()}`;
    const registered = await asTenant(acme.key, "POST", "/v1/calls", { call_id: callId, connection: "plivo", to: "+19115550123" });
    expect(registered.status).toBe(201);
    await feed([report("acme", callId, { connection: "plivo", provider: "plivo", flags: ["stale-index"], to: "+14155550100", version: Date.now() + 3_600_000 })]);
    await waitForList(acme.key, "flag=stale-index", (calls) => calls.length === 1);

    const res = await bulk(acme.key, { connection: "plivo", match: { flags: ["stale-index"] }, reason: "sweep" });
    expect(res.status).toBe(202);
    const accepted = await res.json<{ id: string; matched: number; protected: number }>();
    expect(accepted).toMatchObject({ matched: 1, protected: 0 });

    expect(await untilCompleted(acme.key, accepted.id)).toMatchObject({ matched: 0, protected: 1, done: 0 });
    expect(await requestsPerCall([callId])).toEqual([0]);
    const record = await (await getCall(acme.key, callId, "plivo")).json<{ state: string; hangup: unknown }>();
    expect(record).toMatchObject({ state: "live", hangup: null });
  });

  it("asks a call whose hangup failed again until it is final, and completes with the failure once its retry window is over", async () => {
    const [recovers, staysDown] = await liveCalls(acme.key, "acme", 2, "bulk-retry");
    // Every attempt of the first round fails (a provider outage); the next round finds it back up, except for one call.
    await scriptProvider(recovers!, Array.from({ length: 4 }, () => ({ status: 503 })));
    await scriptProvider(staysDown!, Array.from({ length: 8 }, () => ({ status: 503 })));
    const { id } = await (await bulk(acme.key, { connection: "plivo", match: { flags: ["bulk-retry"] }, reason: "trunk down" })).json<{ id: string }>();

    let status = await untilRetryScheduled(acme.key, id);
    expect(status).toMatchObject({ status: "running", outcomes: { terminated: 0, failed: 2 } });
    // The first retry is due within 30 s, on the call objects' own schedule.
    expect(Date.parse(status.retry_at!) - Date.now()).toBeLessThanOrEqual(30_000);

    // The retry is due: its alarm hangs both up again, one round each.
    await retryNow(acme.key, id);
    status = await jobStatus(acme.key, id);
    expect(status).toMatchObject({ status: "running", outcomes: { terminated: 1, failed: 1 } });
    expect(status.retry_at).not.toBeNull();
    expect(await requestsPerCall([recovers!, staysDown!])).toEqual([5, 8]);

    // An hour after acceptance the job stops asking, and says so.
    await runInDurableObject(jobObject(acme.key, id), (_, state) => {
      state.storage.sql.exec("UPDATE job SET accepted_at = ?", new Date(Date.now() - 2 * 3_600_000).toISOString());
    });
    await retryNow(acme.key, id);
    expect(await jobStatus(acme.key, id)).toMatchObject({ status: "completed", retry_at: null, outcomes: { terminated: 1, failed: 1 } });
    expect(await requestsPerCall([staysDown!])).toEqual([8]);
  });

  it("progress is readable while the job works through its calls", async () => {
    const n = 150;
    const ids = Array.from({ length: n }, (_, i) => `live-progress-${i}-${crypto.randomUUID()}`);
    await feed(ids.map((id) => report("acme", id, { flags: ["progress"] })));
    await waitForList(acme.key, "flag=progress", (calls) => calls.length === n);
    const { id } = await (await bulk(acme.key, { connection: "sandbox", match: { flags: ["progress"] }, reason: "progress" })).json<{ id: string }>();
    const seen: number[] = [];
    for (let status = await jobStatus(acme.key, id); status.done < n; status = await jobStatus(acme.key, id)) {
      seen.push(status.done);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen.some((done) => done > 0 && done < n)).toBe(true);
    expect(await untilCompleted(acme.key, id)).toMatchObject({ matched: n, done: n, outcomes: { terminated: n } });
  });

  it("two jobs over the same calls still reach the provider once per call", async () => {
    const ids = await liveCalls(acme.key, "acme", 12, "twice");
    const [first, second] = await Promise.all([0, 1].map(() => bulk(acme.key, { connection: "plivo", match: { flags: ["twice"] }, reason: "twice" })));
    const jobs = await Promise.all([first!, second!].map((res) => res.json<{ id: string }>()));
    const finals = await Promise.all(jobs.map((job) => untilCompleted(acme.key, job.id)));
    // A call the other job finished first is skipped; one whose round was in flight is its outcome, shared.
    for (const final of finals) {
      expect(final).toMatchObject({ matched: 12, done: 12, outcomes: { already_ended: 0, not_found: 0, failed: 0 } });
      expect(final.outcomes.terminated + final.skipped).toBe(12);
    }
    expect(finals[0]!.outcomes.terminated + finals[1]!.outcomes.terminated).toBeGreaterThanOrEqual(12);
    expect(await requestsPerCall(ids)).toEqual(ids.map(() => 1));
  });

  it("a job whose object is reset mid-run resumes and finishes without a second hangup", async () => {
    const ids = await liveCalls(acme.key, "acme", 15, "reset");
    // Slow answers keep the job busy long enough to reset it between calls.
    for (const id of ids) await scriptProvider(id, [{ status: 204, delay_ms: 250 }]);
    const { id } = await (await bulk(acme.key, { connection: "plivo", match: { flags: ["reset"] }, reason: "reset" })).json<{ id: string }>();
    const started = Date.now();
    while ((await jobStatus(acme.key, id)).done < 2) {
      if (Date.now() - started > 10_000) throw new Error("job made no progress");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await runInDurableObject(jobObject(acme.key, id), (_, state) => state.abort("test: drop the job's memory")).catch(() => undefined);
    expect((await jobStatus(acme.key, id)).done).toBeLessThan(15);
    const final = await untilCompleted(acme.key, id);
    expect(final).toMatchObject({ matched: 15, done: 15, outcomes: { terminated: 15 } });
    expect(await requestsPerCall(ids)).toEqual(ids.map(() => 1));
  });

  it("includes a call registered before acceptance that reached the index late, and none after", async () => {
    await liveCalls(acme.key, "acme", 1, "late");
    const res = await bulk(acme.key, { connection: "plivo", match: { flags: ["late"] }, reason: "late" });
    const { id, matched } = await res.json<{ id: string; matched: number }>();
    expect(matched).toBe(1);
    const lateId = `late-lagging-${crypto.randomUUID()}`;
    const afterId = `late-after-${crypto.randomUUID()}`;
    // First seen a second before the job was accepted, but indexed only now; and one first seen after it.
    await feed([
      report("acme", lateId, { connection: "plivo", provider: "plivo", flags: ["late"], created_at: new Date(Date.now() - 1_000).toISOString() }),
      report("acme", afterId, { connection: "plivo", provider: "plivo", flags: ["late"], created_at: new Date(Date.now() + 1_000).toISOString() }),
    ]);
    // Indexed now, before the final pass (which untilCompleted brings forward from 10 s after acceptance).
    await waitForList(acme.key, "flag=late", (calls) => [lateId, afterId].every((id) => calls.some((call) => call.call_id === id)));
    const final = await untilCompleted(acme.key, id);
    expect(final).toMatchObject({ matched: 2, done: 2, outcomes: { terminated: 2 } });
    expect(await requestsPerCall([lateId, afterId])).toEqual([1, 0]);
  });
});

/** Registers live Plivo calls through the API (each with its own object), listed by the index. */
async function registeredCalls(key: string, n: number, flag: string): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${flag}-${i}-${crypto.randomUUID()}`);
  for (const call_id of ids) {
    const res = await asTenant(key, "POST", "/v1/calls", { call_id, connection: "plivo", to: "+14155550100", flags: [flag] });
    expect(res.status, await res.clone().text()).toBe(201);
  }
  await waitForList(key, `flag=${flag}&state=live`, (calls) => calls.length === n);
  return ids;
}

/** The index keeps listing this call live whatever its object reports (an index that is behind). */
async function indexBehind(tenant: string, key: string, callId: string, flag: string): Promise<void> {
  const stale = "+14155550199";
  await feed([report(tenant, callId, { connection: "plivo", provider: "plivo", flags: [flag], to: stale, version: Date.now() + 3_600_000 })]);
  await waitForList(key, `flag=${flag}&state=live`, (calls) => calls.some((call) => call.call_id === callId && call.to === stale));
}

describe("calls that ended meanwhile", () => {
  // Each way a selected call can be over before its turn comes: none of them is sent.
  const endings: [string, (callId: string) => Promise<void>][] = [
    ["signalled ended", async (callId) => {
      expect((await asTenant(acme.key, "POST", `/v1/calls/${callId}/signals`, { connection: "plivo", ended: true })).status).toBe(200);
    }],
    ["ended by a provider callback", async (callId) => {
      // What the callback route hands the call's object once the provider's signature is checked.
      const event = lifecycleEvent({ callId, providerStatus: "completed", state: "ended", cause: "completed" });
      const heard = await callObject(env, "acme", "plivo", callId).providerEvent({ tenant: "acme", connection: "plivo", call_id: callId, provider: "plivo", event, register: null });
      expect(heard).toEqual({ kind: "recorded" });
    }],
    ["hung up by an API request (a final outcome that is not the job's)", async (callId) => {
      expect((await asTenant(acme.key, "POST", `/v1/calls/${callId}/hangup`, { connection: "plivo", reason: "by hand" })).status).toBe(200);
    }],
  ];

  it.each(endings)("a call %s after the index listed it live is skipped, not sent", async (_, end) => {
    const flag = `over-${crypto.randomUUID().slice(0, 8)}`;
    const [over, live] = await registeredCalls(acme.key, 2, flag);
    await end(over!);
    const sentBefore = (await providerRequests(over!)).length;
    await indexBehind("acme", acme.key, over!, flag);

    const { id } = await (await bulk(acme.key, { connection: "plivo", match: { flags: [flag] }, reason: "sweep" })).json<{ id: string }>();
    expect(await untilCompleted(acme.key, id)).toMatchObject({ matched: 2, done: 2, skipped: 1, outcomes: { terminated: 1, already_ended: 0, not_found: 0, failed: 0 } });
    expect((await providerRequests(over!)).length).toBe(sentBefore);
    expect(await requestsPerCall([live!])).toEqual([1]);
  });

  it("a failed call that ends before its retry moves from failed to skipped, and is not sent again", async () => {
    const [callId] = await registeredCalls(acme.key, 1, "over-retry");
    await scriptProvider(callId!, Array.from({ length: 4 }, () => ({ status: 503 })));
    const { id } = await (await bulk(acme.key, { connection: "plivo", match: { flags: ["over-retry"] }, reason: "sweep" })).json<{ id: string }>();
    expect(await untilRetryScheduled(acme.key, id)).toMatchObject({ done: 1, skipped: 0, outcomes: { failed: 1 } });
    expect(await requestsPerCall([callId!])).toEqual([4]);

    expect((await asTenant(acme.key, "POST", `/v1/calls/${callId}/signals`, { connection: "plivo", ended: true })).status).toBe(200);
    await retryNow(acme.key, id);
    expect(await untilCompleted(acme.key, id)).toMatchObject({ matched: 1, done: 1, skipped: 1, outcomes: { terminated: 0, failed: 0 } });
    expect(await requestsPerCall([callId!])).toEqual([4]);
  });

  it("an API hangup of a call reported ended still goes to the provider", async () => {
    const [callId] = await registeredCalls(acme.key, 1, "over-api");
    expect((await asTenant(acme.key, "POST", `/v1/calls/${callId}/signals`, { connection: "plivo", ended: true })).status).toBe(200);
    const res = await asTenant(acme.key, "POST", `/v1/calls/${callId}/hangup`, { connection: "plivo", reason: "operator" });
    expect(res.status).toBe(200);
    expect(await requestsPerCall([callId!])).toEqual([1]);
  });
});

/** `n` live calls on the Telnyx connection (2 hangups a second in the tests), listed. */
async function telnyxCalls(key: string, n: number, flag: string): Promise<string[]> {
  const tenant = tenantOf.get(key)!;
  const ids = Array.from({ length: n }, (_, i) => `${flag}-${i}-${crypto.randomUUID()}`);
  await feed(ids.map((id) => report(tenant, id, { connection: "telnyx", provider: "telnyx", flags: [flag] })));
  await waitForList(key, `flag=${flag}`, (calls) => calls.length === n);
  return ids;
}

async function sentCount(ids: string[]): Promise<number> {
  return (await requestsPerCall(ids)).reduce((sum, n) => sum + n, 0);
}

async function untilDone(key: string, id: string, atLeast: number): Promise<JobStatus> {
  const started = Date.now();
  for (let status = await jobStatus(key, id); ; status = await jobStatus(key, id)) {
    if (status.done >= atLeast) return status;
    if (Date.now() - started > 15_000) throw new Error(`job made no progress: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** After a cancel's answer: what was in flight settles, and then nothing more is ever sent. */
async function expectNothingSentAfter(ids: string[]): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const settled = await sentCount(ids);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(await sentCount(ids)).toBe(settled);
  expect(settled).toBeLessThan(ids.length);
  return settled;
}

describe("cancel", () => {
  it("stops a running job at once: nothing more is sent, it reads cancelled, and cancelling again answers the same", async () => {
    const ids = await telnyxCalls(acme.key, 12, "cancel-me");
    const { id } = await (await bulk(acme.key, { connection: "telnyx", match: { flags: ["cancel-me"] }, reason: "sweep" })).json<{ id: string }>();
    await untilDone(acme.key, id, 2);

    const res = await asTenant(acme.key, "POST", `/v1/bulk-hangups/${id}/cancel`);
    expect(res.status).toBe(200);
    const cancelled = await res.json<JobStatus>();
    expect(cancelled).toMatchObject({ id, matched: 12, status: "cancelled", retry_at: null });
    const sent = await expectNothingSentAfter(ids);

    const later = await jobStatus(acme.key, id);
    expect(later).toMatchObject({ status: "cancelled", matched: 12, done: sent });
    expect(later.done).toBeGreaterThanOrEqual(cancelled.done);
    const again = await asTenant(acme.key, "POST", `/v1/bulk-hangups/${id}/cancel`);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(later);
    // Its alarm, whenever it comes, sends nothing either.
    await runDurableObjectAlarm(jobObject(acme.key, id));
    expect(await sentCount(ids)).toBe(sent);
  });

  it("a cancelled job's failed calls are not retried", async () => {
    const [callId] = await liveCalls(acme.key, "acme", 1, "cancel-retry");
    await scriptProvider(callId!, Array.from({ length: 8 }, () => ({ status: 503 })));
    const { id } = await (await bulk(acme.key, { connection: "plivo", match: { flags: ["cancel-retry"] }, reason: "sweep" })).json<{ id: string }>();
    expect(await untilRetryScheduled(acme.key, id)).toMatchObject({ outcomes: { failed: 1 } });
    expect((await asTenant(acme.key, "POST", `/v1/bulk-hangups/${id}/cancel`)).status).toBe(200);
    await retryNow(acme.key, id);
    expect(await jobStatus(acme.key, id)).toMatchObject({ status: "cancelled", retry_at: null, done: 1, outcomes: { failed: 1 } });
    expect(await requestsPerCall([callId!])).toEqual([4]);
  });

  it("a completed job is 409; an unknown or another tenant's id is 404", async () => {
    await liveCalls(acme.key, "acme", 1, "cancel-done");
    const { id } = await (await bulk(acme.key, { connection: "plivo", match: { flags: ["cancel-done"] }, reason: "sweep" })).json<{ id: string }>();
    await untilCompleted(acme.key, id);
    await expectProblem(await asTenant(acme.key, "POST", `/v1/bulk-hangups/${id}/cancel`), 409, "conflict");
    expect((await jobStatus(acme.key, id)).status).toBe("completed");
    await expectProblem(await asTenant(initech.key, "POST", `/v1/bulk-hangups/${id}/cancel`), 404, "not_found");
    await expectProblem(await asTenant(acme.key, "POST", "/v1/bulk-hangups/nope/cancel"), 404, "not_found");
  });

  it("disabling the tenant cancels its running jobs; enabling it again restores its keys, not its jobs", async () => {
    const ids = await telnyxCalls(umbrella.key, 12, "disable-me");
    const { id } = await (await bulk(umbrella.key, { connection: "telnyx", match: { flags: ["disable-me"] }, reason: "sweep" })).json<{ id: string }>();
    await untilDone(umbrella.key, id, 2);

    expect((await admin("PUT", "/admin/tenants/umbrella", { disabled: true })).status).toBe(200);
    const sent = await expectNothingSentAfter(ids);
    expect((await asTenant(umbrella.key, "GET", `/v1/bulk-hangups/${id}`)).status).toBe(401);

    expect((await admin("PUT", "/admin/tenants/umbrella", { disabled: false })).status).toBe(200);
    expect(await jobStatus(umbrella.key, id)).toMatchObject({ status: "cancelled", done: sent });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await sentCount(ids)).toBe(sent);
  });
});

describe("ids never created", () => {
  it("reading or cancelling one is 404 and leaves nothing behind: no table, no alarm", async () => {
    const id = `bh_${crypto.randomUUID().replace(/-/g, "")}`;
    await expectProblem(await asTenant(acme.key, "GET", `/v1/bulk-hangups/${id}`), 404, "not_found");
    await expectProblem(await asTenant(acme.key, "POST", `/v1/bulk-hangups/${id}/cancel`), 404, "not_found");
    expect(await leftBehind(jobObject(acme.key, id))).toEqual({ tables: [], alarm: null });
  });

  it("a job's retention deletes everything and creates nothing again", async () => {
    await liveCalls(acme.key, "acme", 1, "retention");
    const { id } = await (await bulk(acme.key, { connection: "plivo", match: { flags: ["retention"] }, reason: "sweep" })).json<{ id: string }>();
    await untilCompleted(acme.key, id);
    const job = jobObject(acme.key, id);
    // Completed 31 days ago: the retention (CALL_RETENTION_DAYS, 30 by default) is over.
    await runInDurableObject(job, async (_, state) => {
      state.storage.sql.exec("UPDATE job SET finished_at = ?", Date.now() - 31 * 86_400_000);
    });
    expect(await runDurableObjectAlarm(job)).toBe(true);
    expect(await leftBehind(job)).toEqual({ tables: [], alarm: null });
    await expectProblem(await asTenant(acme.key, "GET", `/v1/bulk-hangups/${id}`), 404, "not_found");
    expect(await leftBehind(job)).toEqual({ tables: [], alarm: null });
  });
});

describe("running jobs per tenant", () => {
  it(`at most ${MAX_RUNNING_JOBS} run at once: one more is 429; a place left by a start that failed frees itself`, async () => {
    const { key } = await createTenant("hooli");
    await createConnection("hooli", "sandbox", "sandbox");
    const now = Date.now();
    // Places taken by jobs whose start failed after registering (their objects hold nothing).
    const ghosts = Array.from({ length: MAX_RUNNING_JOBS }, () => `bh_${crypto.randomUUID().replace(/-/g, "")}`);
    for (const id of ghosts) expect(await registerRunningJob(env, "hooli", id, now)).toBe(true);
    expect(await registerRunningJob(env, "hooli", "bh_one-more", now)).toBe(false);

    const refused = await expectProblem(await asTenant(key, "POST", "/v1/bulk-hangups", { connection: "sandbox", reason: "sweep" }), 429, "rate_limited");
    expect(String(refused.detail)).toContain(String(MAX_RUNNING_JOBS));
    // Two hours on, those places are known to be left over: the next start takes one.
    expect(await registerRunningJob(env, "hooli", "bh_later", now + 2 * 3_600_000 + 1)).toBe(true);
  });

  it("disabling a tenant clears places whose jobs no longer exist", async () => {
    const { key } = await createTenant("vandelay");
    await createConnection("vandelay", "sandbox", "sandbox");
    for (let i = 0; i < MAX_RUNNING_JOBS; i++) await registerRunningJob(env, "vandelay", `bh_${crypto.randomUUID().replace(/-/g, "")}`, Date.now());
    expect((await admin("PUT", "/admin/tenants/vandelay", { disabled: true })).status).toBe(200);
    expect((await admin("PUT", "/admin/tenants/vandelay", { disabled: false })).status).toBe(200);
    expect((await asTenant(key, "POST", "/v1/bulk-hangups", { connection: "sandbox", reason: "sweep" })).status).toBe(202);
  });
});
