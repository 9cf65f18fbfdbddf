/**
 * Bulk hangups: a dry run counts and changes nothing; a job hangs each selected call up once through
 * its own object (the fake Plivo sees one request per call), skips protected calls, survives having its
 * object's memory dropped mid-run, and still catches calls the index had not seen when it was accepted.
 * The calls are fed to the index through the real queue; the hangups go through the real call objects.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { RETRY_STORAGE_KEY, type JobStatus } from "../src/bulk/job-object";
import { feed, report, waitForList } from "./call-index-kit";
import { admin, asTenant, createConnection, createTenant, expectProblem, fakeProviderUrl, getCall, providerRequests, scriptProvider } from "./helpers";
import { objectName } from "../src/objects";

let acme: { key: string };
let globex: { key: string };
let initech: { key: string };

beforeAll(async () => {
  acme = await createTenant("acme");
  globex = await createTenant("globex");
  initech = await createTenant("initech");
  for (const tenant of ["acme", "globex", "initech"]) {
    await createConnection(tenant, "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
    await createConnection(tenant, "sandbox", "sandbox");
  }
  const published = await admin("PUT", "/admin/policies", {
    rules: [
      { id: "known-tenants", kind: "allowed_tenants", tenants: ["acme", "initech"] },
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
    const job = env.BULK_HANGUPS.get(env.BULK_HANGUPS.idFromName(objectName.bulkJob("acme", id)));

    let status = await jobStatus(acme.key, id);
    for (const started = Date.now(); status.retry_at === null && Date.now() - started < 25_000; status = await jobStatus(acme.key, id)) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toMatchObject({ status: "running", outcomes: { terminated: 0, failed: 2 } });
    // The first retry is due within 30 s, on the call objects' own schedule.
    expect(Date.parse(status.retry_at!) - Date.now()).toBeLessThanOrEqual(30_000);

    // The retry is due: its alarm hangs both up again, one round each.
    const due = async () => {
      await runInDurableObject(job, (_, state) => {
        const retry = state.storage.kv.get<{ failures: number; next_at: number }>(RETRY_STORAGE_KEY)!;
        state.storage.kv.put(RETRY_STORAGE_KEY, { ...retry, next_at: Date.now() - 1 });
      });
      await runDurableObjectAlarm(job);
    };
    await due();
    status = await jobStatus(acme.key, id);
    expect(status).toMatchObject({ status: "running", outcomes: { terminated: 1, failed: 1 } });
    expect(status.retry_at).not.toBeNull();
    expect(await requestsPerCall([recovers!, staysDown!])).toEqual([5, 8]);

    // An hour after acceptance the job stops asking, and says so.
    await runInDurableObject(job, (_, state) => {
      state.storage.sql.exec("UPDATE job SET accepted_at = ?", new Date(Date.now() - 2 * 3_600_000).toISOString());
    });
    await due();
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
    for (let status = await jobStatus(acme.key, id); status.done < n; status = await jobStatus(acme.key, id)) seen.push(status.done);
    expect(seen.some((done) => done > 0 && done < n)).toBe(true);
    expect(await untilCompleted(acme.key, id)).toMatchObject({ matched: n, done: n, outcomes: { terminated: n } });
  });

  it("two jobs over the same calls still reach the provider once per call", async () => {
    const ids = await liveCalls(acme.key, "acme", 12, "twice");
    const [first, second] = await Promise.all([0, 1].map(() => bulk(acme.key, { connection: "plivo", match: { flags: ["twice"] }, reason: "twice" })));
    const jobs = await Promise.all([first!, second!].map((res) => res.json<{ id: string }>()));
    const finals = await Promise.all(jobs.map((job) => untilCompleted(acme.key, job.id)));
    for (const final of finals) expect(final).toMatchObject({ matched: 12, done: 12, outcomes: { terminated: 12 } });
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
    const stub = env.BULK_HANGUPS.get(env.BULK_HANGUPS.idFromName(objectName.bulkJob("acme", id)));
    await runInDurableObject(stub, (_, state) => state.abort("test: drop the job's memory")).catch(() => undefined);
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
    const final = await untilCompleted(acme.key, id);
    expect(final).toMatchObject({ matched: 2, done: 2, outcomes: { terminated: 2 } });
    expect(await requestsPerCall([lateId, afterId])).toEqual([1, 0]);
  });
});
