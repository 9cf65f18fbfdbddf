/**
 * The call index and bulk hangups, measured through the real parts: the gateway bundle in workerd
 * with its own CALL_INDEX queue, consumer and D1 database, fed through the queue's producer
 * exactly as call objects feed it, read back over HTTP as a client reads it.
 *
 * - ingest: call changes (whole-entry reports) per second for one tenant, from the first send to the
 *   last one being in D1; first reports (inserts) and then later versions (updates);
 * - list: GET /v1/calls p50/p99 at INDEXED_CALLS calls of one tenant, for each filter, and a flag query
 *   against the alternative the schema did not take (json_each over every entry);
 * - bulk: calls stopped per second on the sandbox, and on the fake Plivo at its pace (./pacing.ts).
 *
 * It runs its own workerd (through the scripts' one launcher, ../lib/local-gateway.ts) so nothing it seeds
 * (100,000 calls) weighs on the other measurements.
 */
import type { CallIndexReport } from "../../src/call-index/report";
import { hangupRate } from "../../src/bulk/pacing";
import { FAKE_AUTH_ID, FAKE_AUTH_TOKEN, type FakeProvider } from "./fake-provider";
import type { GatewayBuild } from "../lib/gateway-build";
import { expectOk, gatewayClient } from "../lib/gateway-client";
import { startLocalGateway, type LocalGateway } from "../lib/local-gateway";
import { httpTarget, type HttpTarget } from "./http-client";
import { ms, whole, type BudgetCheck, type Measurement, type Table } from "./report";
import { summarize, type Summary } from "./stats";
import type { Teardown } from "./teardown";

const TENANT = "index-bench";
const CONNECTIONS = ["plivo-main", "plivo-eu", "twilio-us", "sandbox"];
const SIZES = {
  full: { indexed: 100_000, updates: 20_000, samples: 200, sandboxBulk: 2_000, plivoBulk: 500 },
  quick: { indexed: 1_000, updates: 500, samples: 10, sandboxBulk: 50, plivoBulk: 30 },
};
const INGEST_BUDGET_PER_S = 1_000;
const LIST_P50_BUDGET_MS = 20;
const SEND_CONCURRENCY = 8;
const DAY_MS = 86_400_000;

/** The bindings as the launcher hands them to Node (Miniflare's types; the scripts are not compiled against the Workers runtime's). */
type Producer = Awaited<ReturnType<LocalGateway["queueProducer"]>>;
type Database = Awaited<ReturnType<LocalGateway["d1Database"]>>;

interface IndexRuntime {
  runtime: LocalGateway;
  target: HttpTarget;
}

async function startIndexRuntime(build: GatewayBuild, storageDir: string, teardown: Teardown): Promise<IndexRuntime> {
  const runtime = await startLocalGateway({ build, storageDir });
  teardown.add("workerd (call index)", () => runtime.close());
  const target = httpTarget(runtime.gatewayUrl, 16);
  teardown.add("client (call index)", () => target.close());
  return { runtime, target };
}

/** The index's tenant, its key, and its two connections, through the admin API as an operator seeds them. */
async function seedTenant(rt: IndexRuntime, providerUrl: string): Promise<string> {
  const operator = gatewayClient(rt.runtime.gatewayUrl, { adminToken: rt.runtime.adminToken });
  const tenant = operator.admin.tenants[":tenant"];
  await expectOk("seeding the tenant", tenant.$put({ param: { tenant: TENANT }, json: { name: "Call index bench" } }));
  const { key } = await expectOk("seeding a key", tenant.keys.$post({ param: { tenant: TENANT }, json: { name: "bench" } }));
  await expectOk("seeding the sandbox", tenant.connections[":connection"].$put({ param: { tenant: TENANT, connection: "sandbox" }, json: { provider: "sandbox", credentials: {} } }));
  await expectOk(
    "seeding plivo-main",
    tenant.connections[":connection"].$put({
      param: { tenant: TENANT, connection: "plivo-main" },
      json: { provider: "plivo", credentials: { auth_id: FAKE_AUTH_ID, auth_token: FAKE_AUTH_TOKEN }, base_url: providerUrl },
    }),
  );
  return key;
}

/** The i-th indexed call: spread over 30 days and four connections; a few flagged, failed or ended. */
function seededReport(i: number, version: number, now: number): CallIndexReport {
  const created = new Date(now - DAY_MS - Math.floor((i * 30 * DAY_MS) / 100_000)).toISOString();
  const connection = CONNECTIONS[i % CONNECTIONS.length]!;
  const ended = version > 1 || i % 10 === 0;
  return {
    tenant: TENANT,
    connection,
    call_id: `seed-${i}`,
    provider: connection.split("-")[0]!,
    state: ended ? "ended" : "live",
    registered: i % 2 === 0,
    started_at: created,
    to: `+44${String(7700900000 + (i % 1000))}`,
    flags: i % 50 === 0 ? ["irsf"] : [],
    hangup_status: i % 20 === 0 ? "failed" : version > 1 ? "terminated" : null,
    hangup_source: version > 1 ? "api" : null,
    hangup_reason: null,
    created_at: created,
    updated_at: new Date(now).toISOString(),
    version,
  };
}

async function sendAll(queue: Producer, reports: CallIndexReport[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < reports.length) {
      const slice = reports.slice(next, (next += 100));
      await queue.sendBatch(slice.map((body) => ({ body })));
    }
  };
  await Promise.all(Array.from({ length: SEND_CONCURRENCY }, worker));
}

async function waitForCount(db: Database, sql: string, expected: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const row = await db.prepare(sql).first<{ n: number }>();
    if ((row?.n ?? 0) >= expected) return;
    if (Date.now() - started > timeoutMs) throw new Error(`call index bench: ${row?.n ?? 0} of ${expected} reports indexed after ${timeoutMs} ms (${sql})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Changes per second from the first send until D1 holds them all. */
async function ingest(queue: Producer, db: Database, reports: CallIndexReport[], countSql: string): Promise<number> {
  const started = performance.now();
  await sendAll(queue, reports);
  await waitForCount(db, countSql, reports.length, 10 * 60_000);
  return reports.length / ((performance.now() - started) / 1000);
}

async function sample(target: HttpTarget, key: string, path: string, n: number): Promise<Summary> {
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const answer = await target.send("GET", path, { headers: { authorization: `Bearer ${key}` } });
    if (answer.status !== 200) throw new Error(`call index bench: GET ${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    latencies.push(answer.ms);
  }
  return summarize(latencies);
}

/** The cursor `pages` pages deep into the unfiltered list. */
async function deepCursor(target: HttpTarget, key: string, pages: number): Promise<string> {
  let cursor = "";
  for (let i = 0; i < pages; i++) {
    const answer = await target.send("GET", `/v1/calls?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { headers: { authorization: `Bearer ${key}` } });
    cursor = (JSON.parse(answer.body) as { next_cursor: string }).next_cursor;
  }
  return cursor;
}

async function timeSql(db: Database, sql: string, params: unknown[], n: number): Promise<Summary> {
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await db.prepare(sql).bind(...params).all();
    latencies.push(performance.now() - started);
  }
  return summarize(latencies);
}

/** One tenant request with no socket timeout: a bulk hangup's snapshot may take seconds at this size. */
async function tenantFetch(baseUrl: string, key: string, method: string, path: string, json?: unknown): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(json === undefined ? {} : { "content-type": "application/json" }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    return { status: res.status, body: await res.text() };
  } catch (error) {
    throw new Error(`call index bench: ${method} ${path} failed: ${error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error)}`);
  }
}

/** Calls stopped per second: from the 202 until every matched call has a stored outcome. */
async function bulkRate(baseUrl: string, key: string, connection: string, flag: string): Promise<{ matched: number; perSecond: number; acceptMs: number; outcomes: unknown }> {
  const started = performance.now();
  const accepted = await tenantFetch(baseUrl, key, "POST", "/v1/bulk-hangups", { connection, match: { flags: [flag] }, reason: "bench" });
  if (accepted.status !== 202) throw new Error(`call index bench: bulk hangup answered ${accepted.status}: ${accepted.body.slice(0, 300)}`);
  const acceptMs = performance.now() - started;
  const { id, matched } = JSON.parse(accepted.body) as { id: string; matched: number };
  for (;;) {
    // One retry: a keep-alive socket workerd closes just as the request goes out is not the gateway failing.
    const read = () => tenantFetch(baseUrl, key, "GET", `/v1/bulk-hangups/${id}`);
    const answer = await read().catch(read);
    const status = JSON.parse(answer.body) as { done: number; outcomes: unknown };
    if (status.done >= matched) return { matched, perSecond: matched / ((performance.now() - started) / 1000), acceptMs, outcomes: status.outcomes };
    if (performance.now() - started > 10 * 60_000) throw new Error(`call index bench: bulk hangup stuck at ${status.done} of ${matched}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function bulkReports(prefix: string, connection: string, provider: string, flag: string, n: number, now: number): CallIndexReport[] {
  return Array.from({ length: n }, (_, i) => {
    const at = new Date(now - 60_000 + i).toISOString();
    return {
      tenant: TENANT,
      connection,
      call_id: `${prefix}-${i}`,
      provider,
      state: "live" as const,
      registered: true,
      started_at: at,
      to: "+14155550100",
      flags: [flag],
      hangup_status: null,
      hangup_source: null,
      hangup_reason: null,
      created_at: at,
      updated_at: at,
      version: 1,
    };
  });
}

function progress(what: string): void {
  process.stderr.write(`\n  call index: ${what}… `);
}

export async function measureCallIndex(
  options: { build: GatewayBuild; provider: FakeProvider; storageDir: string; teardown: Teardown },
  quick: boolean,
): Promise<Measurement> {
  const rt = await startIndexRuntime(options.build, options.storageDir, options.teardown);
  try {
    return await measureWith(rt, options, quick);
  } catch (error) {
    const output = rt.runtime.recentOutput();
    if (output) console.error(`\nworkerd's last output (call index):\n${output}`);
    throw error;
  }
}

async function measureWith(rt: IndexRuntime, options: { provider: FakeProvider }, quick: boolean): Promise<Measurement> {
  const size = SIZES[quick ? "quick" : "full"];
  const key = await seedTenant(rt, options.provider.url);
  const queue = await rt.runtime.queueProducer("CALL_INDEX");
  const db = await rt.runtime.d1Database("CALL_INDEX_DB");
  const now = Date.now();

  // Ingest: first reports of `indexed` calls, then a second version of `updates` of them.
  progress(`ingest of ${whole(size.indexed)} + ${whole(size.updates)} reports`);
  const count = `SELECT COUNT(*) AS n FROM call_entry WHERE tenant = '${TENANT}'`;
  const insertRate = await ingest(queue, db, Array.from({ length: size.indexed }, (_, i) => seededReport(i, 1, now)), count);
  const updated = `SELECT COUNT(*) AS n FROM call_entry WHERE tenant = '${TENANT}' AND version = 2`;
  const updateRate = await ingest(queue, db, Array.from({ length: size.updates }, (_, i) => seededReport(i * 3 + 1, 2, now)), updated);

  progress("list latency");
  // List latency at `indexed` calls.
  const day = new Date(now - 10 * DAY_MS).toISOString().slice(0, 10);
  const cursor = await deepCursor(rt.target, key, quick ? 3 : 20);
  const queries: [string, string][] = [
    ["newest 50 (no filter)", "/v1/calls"],
    ["connection=plivo-main", "/v1/calls?connection=plivo-main"],
    ["state=live", "/v1/calls?state=live"],
    ["status=failed", "/v1/calls?status=failed"],
    ["registered=true&state=live", "/v1/calls?registered=true&state=live"],
    ["flag=irsf (2 % of calls)", "/v1/calls?flag=irsf"],
    ["one day (since/until)", `/v1/calls?since=${day}T00:00:00Z&until=${day}T23:59:59Z`],
    [`page ${quick ? 4 : 21} (cursor)`, `/v1/calls?limit=50&cursor=${encodeURIComponent(cursor)}`],
    ["limit=500", "/v1/calls?limit=500"],
  ];
  const list: [string, Summary][] = [];
  for (const [name, path] of queries) list.push([name, await sample(rt.target, key, path, size.samples)]);
  const baseline = await sample(rt.target, key, "/healthz", size.samples);

  progress("flag index against json_each");
  // Flag filter: the flag index against json_each over every entry (the SQL alone, through the D1 binding).
  const order = "ORDER BY e.created_at DESC, e.connection DESC, e.call_id DESC LIMIT 51";
  const flagSql = {
    index: (flag: string) =>
      `SELECT e.call_id FROM call_flag f JOIN call_entry e ON e.tenant = f.tenant AND e.connection = f.connection AND e.call_id = f.call_id
       WHERE f.tenant = ?1 AND f.flag = '${flag}' AND e.deleted = 0 ORDER BY f.created_at DESC, f.connection DESC, f.call_id DESC LIMIT 51`,
    jsonEach: (flag: string) =>
      `SELECT e.call_id FROM call_entry e WHERE e.tenant = ?1 AND e.deleted = 0 AND EXISTS (SELECT 1 FROM json_each(e.flags) WHERE value = '${flag}') ${order}`,
  };
  const jsonSamples = Math.min(size.samples, 20);
  const viaIndex = await timeSql(db, flagSql.index("irsf"), [TENANT], size.samples);
  const viaJsonEach = await timeSql(db, flagSql.jsonEach("irsf"), [TENANT], jsonSamples);
  // A flag no call carries: json_each must read every entry to say so; the flag index answers from nothing.
  const rareViaIndex = await timeSql(db, flagSql.index("nobody"), [TENANT], size.samples);
  const rareViaJsonEach = await timeSql(db, flagSql.jsonEach("nobody"), [TENANT], jsonSamples);
  const bindingBaseline = await timeSql(db, "SELECT 1", [], size.samples);

  progress("bulk hangups");
  // Bulk throughput.
  await ingest(queue, db, bulkReports("live-bulk", "sandbox", "sandbox", "bulk-sandbox", size.sandboxBulk, now), `SELECT COUNT(*) AS n FROM call_entry WHERE tenant = '${TENANT}' AND call_id LIKE 'live-bulk-%'`);
  const sandbox = await bulkRate(rt.target.baseUrl, key, "sandbox", "bulk-sandbox");
  await ingest(queue, db, bulkReports("plivo-bulk", "plivo-main", "plivo", "bulk-plivo", size.plivoBulk, now), `SELECT COUNT(*) AS n FROM call_entry WHERE tenant = '${TENANT}' AND call_id LIKE 'plivo-bulk-%'`);
  const plivo = await bulkRate(rt.target.baseUrl, key, "plivo-main", "bulk-plivo");
  const twice = Array.from({ length: size.plivoBulk }, (_, i) => options.provider.hangupsFor(`plivo-bulk-${i}`)).filter((n) => n !== 1).length;
  if (twice > 0) throw new Error(`call index bench: ${twice} Plivo calls were not hung up exactly once`);

  const listTable: Table = {
    header: ["query", "p50 ms", "p99 ms"],
    rows: [...list.map(([name, s]) => [name, ms(s.p50), ms(s.p99)]), ["(baseline: GET /healthz)", ms(baseline.p50), ms(baseline.p99)]],
  };
  const checks: BudgetCheck[] = quick
    ? []
    : [
        { name: "call index ingest (inserts)", budget: `≥ ${whole(INGEST_BUDGET_PER_S)} changes/s`, measured: `${whole(insertRate)}/s`, pass: insertRate >= INGEST_BUDGET_PER_S },
        { name: "call index ingest (updates)", budget: `≥ ${whole(INGEST_BUDGET_PER_S)} changes/s`, measured: `${whole(updateRate)}/s`, pass: updateRate >= INGEST_BUDGET_PER_S },
        ...list.map(([name, s]) => ({
          name: `GET /v1/calls ${name} at ${whole(size.indexed)} calls`,
          budget: `p50 ≤ ${LIST_P50_BUDGET_MS} ms`,
          measured: `${ms(s.p50)} ms`,
          pass: s.p50 <= LIST_P50_BUDGET_MS,
        })),
      ];
  return {
    section: {
      title: "Call index and bulk hangups",
      lead:
        `One tenant, ${whole(size.indexed)} calls indexed through the real CALL_INDEX queue, consumer and D1 (Miniflare, D1 persisted ` +
        `beside the Durable Objects), read back over HTTP (\`scripts/bench/call-index.ts\`; ${size.samples} sequential requests per query).`,
      tables: [
        {
          header: ["ingest (queue → consumer → D1)", "changes", "changes/s"],
          rows: [
            ["first reports (inserts)", whole(size.indexed), whole(insertRate)],
            ["later versions (updates)", whole(size.updates), whole(updateRate)],
          ],
        },
        listTable,
        {
          header: ["flag filter, SQL alone (through the D1 binding)", "p50 ms", "p99 ms"],
          rows: [
            ["flag=irsf (2 %): flag index (call_flag join), the schema's choice", ms(viaIndex.p50), ms(viaIndex.p99)],
            ["flag=irsf (2 %): json_each over the entries (the alternative)", ms(viaJsonEach.p50), ms(viaJsonEach.p99)],
            ["a flag no call carries: flag index", ms(rareViaIndex.p50), ms(rareViaIndex.p99)],
            ["a flag no call carries: json_each over every entry", ms(rareViaJsonEach.p50), ms(rareViaJsonEach.p99)],
            ["(baseline: SELECT 1 through the binding)", ms(bindingBaseline.p50), ms(bindingBaseline.p99)],
          ],
        },
        {
          header: ["bulk hangup", "calls", "pace", "202 after (ms)", "calls stopped/s"],
          rows: [
            ["sandbox", whole(sandbox.matched), `${hangupRate("sandbox")}/s`, ms(sandbox.acceptMs), whole(sandbox.perSecond)],
            ["fake Plivo (20 ms answers)", whole(plivo.matched), `${hangupRate("plivo")}/s`, ms(plivo.acceptMs), whole(plivo.perSecond)],
          ],
        },
      ],
      notes: [
        "Ingest rate is from the first send until the last report is in D1 (polled every 100 ms), so it includes the consumer's 1 s batch timeout once.",
        "Bulk rate is from the 202 until every matched call has a stored outcome; the job's final pass (10 s after acceptance, for late index entries) is not in it.",
        `Every fake-Plivo call of the bulk run was hung up exactly once (checked against the provider's own count).`,
      ],
    },
    checks,
    raw: { size, insertRate, updateRate, list, baseline, viaIndex, viaJsonEach, rareViaIndex, rareViaJsonEach, bindingBaseline, sandbox, plivo },
  };
}
