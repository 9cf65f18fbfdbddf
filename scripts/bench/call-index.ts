/**
 * The call index, through the real parts: the gateway bundle in a workerd of its own (so the 100,000 calls
 * it seeds weigh on nothing else), its CALL_INDEX queue fed as call objects feed it, its consumer and D1,
 * read back over HTTP as a client reads it. Ingest: call changes per second from the first send until D1
 * holds them all (inserts, then updates); list: GET /v1/calls p50/p99 per filter. Then, in the same
 * workerd, bulk hangups at the provider's pace (./bulk-pace.ts), on calls indexed the same way.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { CallIndexReport } from "../../src/call-index/report";
import type { GatewayBuild } from "../lib/gateway-build";
import { expectOk, gatewayClient } from "../lib/gateway-client";
import { startLocalGateway, type LocalGateway } from "../lib/local-gateway";
import { processCpuMs } from "../lib/process-stats";
import { measureBulkPace } from "./bulk-pace";
import { FAKE_AUTH_ID, FAKE_AUTH_TOKEN, type FakeProvider } from "./fake-provider";
import { httpTarget, type HttpTarget } from "../lib/http-client";
import { ms, whole, type BudgetCheck, type Measurement } from "./report";
import { summarize, type Summary } from "../lib/stats";
import type { Teardown } from "../lib/teardown";

const TENANT = "index-bench";
const CONNECTIONS = ["plivo-main", "plivo-eu", "twilio-us", "sandbox"];
const SIZES = { full: { indexed: 100_000, updates: 20_000, samples: 200, deepPage: 21 }, quick: { indexed: 1_000, updates: 500, samples: 10, deepPage: 4 } };
const INGEST_BUDGET_PER_S = 1_000;
const LIST_P50_BUDGET_MS = 20;
const SEND_CONCURRENCY = 8;
const DAY_MS = 86_400_000;
const WAIT_LIMIT_MS = 10 * 60_000;

type Producer = Awaited<ReturnType<LocalGateway["queueProducer"]>>;
type Database = Awaited<ReturnType<LocalGateway["d1Database"]>>;

/** A report as a call object sends it; `i` spreads calls over 30 days and four connections, a few flagged, failed or ended. */
function report(callId: string, i: number, changes: Partial<CallIndexReport>, now: number): CallIndexReport {
  const created = new Date(now - DAY_MS - Math.floor((i * 30 * DAY_MS) / 100_000)).toISOString();
  const connection = CONNECTIONS[i % CONNECTIONS.length]!;
  const [state, flags, hangup_status] = [i % 10 === 0 ? "ended" : "live", i % 50 === 0 ? ["irsf"] : [], i % 20 === 0 ? "failed" : null] as const;
  return { tenant: TENANT, connection, call_id: callId, provider: connection.split("-")[0]!, state, registered: i % 2 === 0, started_at: created, to: `+44${7700900000 + (i % 1000)}`, flags: [...flags], hangup_status, hangup_source: null, hangup_reason: null, created_at: created, updated_at: new Date(now).toISOString(), version: 1, ...changes };
}

/** Changes per second from the first send until D1 holds `expected` rows matching `where`. */
async function ingest(queue: Producer, db: Database, reports: CallIndexReport[], where: string): Promise<number> {
  const started = performance.now();
  let next = 0;
  const sender = async () => {
    while (next < reports.length) await queue.sendBatch(reports.slice(next, (next += 100)).map((body) => ({ body })));
  };
  await Promise.all(Array.from({ length: SEND_CONCURRENCY }, sender));
  for (;;) {
    const row = await db.prepare(`SELECT COUNT(*) AS n FROM call_entry WHERE tenant = '${TENANT}' AND ${where}`).first<{ n: number }>();
    if ((row?.n ?? 0) >= reports.length) return reports.length / ((performance.now() - started) / 1000);
    if (performance.now() - started > WAIT_LIMIT_MS) throw new Error(`call index: ${row?.n ?? 0} of ${reports.length} reports indexed (${where})`);
    await sleep(100);
  }
}

async function get(target: HttpTarget, key: string, path: string): Promise<{ body: string; ms: number }> {
  const answer = await target.send("GET", path, { headers: { authorization: `Bearer ${key}` } });
  if (answer.status !== 200) throw new Error(`call index: GET ${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  return answer;
}

async function sample(target: HttpTarget, key: string, path: string, n: number): Promise<Summary> {
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) latencies.push((await get(target, key, path)).ms);
  return summarize(latencies);
}

export async function measureCallIndex(options: { build: GatewayBuild; provider: FakeProvider; storageDir: string; teardown: Teardown }, quick: boolean): Promise<Measurement[]> {
  const size = SIZES[quick ? "quick" : "full"];
  const runtime = await startLocalGateway({ build: options.build, storageDir: options.storageDir });
  options.teardown.add("workerd (call index)", () => runtime.close());
  const target = httpTarget(runtime.gatewayUrl, 1);
  options.teardown.add("client (call index)", () => target.close());

  const tenant = gatewayClient(runtime.gatewayUrl, { adminToken: runtime.adminToken }).admin.tenants[":tenant"];
  await expectOk("seeding the tenant", tenant.$put({ param: { tenant: TENANT }, json: { name: "Call index bench" } }));
  const { key } = await expectOk("seeding a key", tenant.keys.$post({ param: { tenant: TENANT }, json: { name: "bench" } }));
  const plivo = { provider: "plivo" as const, credentials: { auth_id: FAKE_AUTH_ID, auth_token: FAKE_AUTH_TOKEN }, base_url: options.provider.url };
  await expectOk("seeding plivo-main", tenant.connections[":connection"].$put({ param: { tenant: TENANT, connection: "plivo-main" }, json: plivo }));
  const client = gatewayClient(runtime.gatewayUrl, { apiKey: key });
  const queue = await runtime.queueProducer("CALL_INDEX");
  const db = await runtime.d1Database("CALL_INDEX_DB");
  const now = Date.now();

  const seeded = Array.from({ length: size.indexed }, (_, i) => report(`seed-${i}`, i, {}, now));
  const insertRate = await ingest(queue, db, seeded, "call_id LIKE 'seed-%'");
  const later = Array.from({ length: size.updates }, (_, n) => report(`seed-${n * 3 + 1}`, n * 3 + 1, { state: "ended", hangup_status: "terminated", hangup_source: "api", version: 2 }, now));
  const updateRate = await ingest(queue, db, later, "version = 2");

  let cursor = "";
  for (let page = 1; page < size.deepPage; page++) cursor = (JSON.parse((await get(target, key, `/v1/calls?limit=50${cursor && `&cursor=${encodeURIComponent(cursor)}`}`)).body) as { next_cursor: string }).next_cursor;
  const day = new Date(now - 10 * DAY_MS).toISOString().slice(0, 10);
  const queries: [string, string][] = [
    ["newest 50 (no filter)", "/v1/calls"],
    ["connection=plivo-main", "/v1/calls?connection=plivo-main"],
    ["state=live", "/v1/calls?state=live"],
    ["status=failed", "/v1/calls?status=failed"],
    ["registered=true&state=live", "/v1/calls?registered=true&state=live"],
    ["flag=irsf (2 % of calls)", "/v1/calls?flag=irsf"],
    ["one day (since/until)", `/v1/calls?since=${day}T00:00:00Z&until=${day}T23:59:59Z`],
    [`page ${size.deepPage} (cursor)`, `/v1/calls?limit=50&cursor=${encodeURIComponent(cursor)}`],
    ["limit=500", "/v1/calls?limit=500"],
  ];
  const list: [string, Summary][] = [];
  for (const [name, path] of queries) list.push([name, await sample(target, key, path, size.samples)]);
  const baseline = await sample(target, key, "/healthz", size.samples);

  const checks: BudgetCheck[] = [
    { name: "call index ingest (inserts)", budget: `≥ ${whole(INGEST_BUDGET_PER_S)} changes/s`, measured: `${whole(insertRate)}/s`, pass: insertRate >= INGEST_BUDGET_PER_S },
    { name: "call index ingest (updates)", budget: `≥ ${whole(INGEST_BUDGET_PER_S)} changes/s`, measured: `${whole(updateRate)}/s`, pass: updateRate >= INGEST_BUDGET_PER_S },
    ...list.map(([name, s]) => ({ name: `GET /v1/calls ${name} at ${whole(size.indexed)} calls`, budget: `p50 ≤ ${LIST_P50_BUDGET_MS} ms`, measured: `${ms(s.p50)} ms`, pass: s.p50 <= LIST_P50_BUDGET_MS })),
  ];
  const index: Measurement = {
    section: {
      title: "Call index",
      lead: `One tenant, ${whole(size.indexed)} calls indexed through the real CALL_INDEX queue, consumer and D1, read back over HTTP (${size.samples} sequential requests per query).`,
      tables: [
        {
          header: ["ingest (queue → consumer → D1)", "changes", "changes/s"],
          rows: [
            ["first reports (inserts)", whole(size.indexed), whole(insertRate)],
            ["later versions (updates)", whole(size.updates), whole(updateRate)],
          ],
        },
        { header: ["query", "p50 ms", "p99 ms"], rows: [...list, ["(baseline: GET /healthz)", baseline] as [string, Summary]].map(([name, s]) => [name, ms(s.p50), ms(s.p99)]) },
      ],
      notes: [],
    },
    checks: quick ? [] : checks,
    raw: { size, insertRate, updateRate, list, baseline },
  };
  const seedLive = async (flag: string, n: number) => {
    const calls = Array.from({ length: n }, (_, i) => report(`${flag}-${i}`, i, { connection: "plivo-main", provider: "plivo", state: "live", registered: true, flags: [flag], hangup_status: null }, Date.now()));
    await ingest(queue, db, calls, `call_id LIKE '${flag}-%'`);
    return calls.map((call) => call.call_id);
  };
  const cpuMs = () => (runtime.workerdPid === null ? null : processCpuMs(runtime.workerdPid));
  return [index, await measureBulkPace({ client, connection: "plivo-main", provider: options.provider, seedLive, cpuMs }, quick)];
}
