/**
 * What one plain hangup of a new call costs in counted units, not time: SQL statements, rows read and
 * written in its object, alarms run, the object's database size, and KV reads in a warm isolate. The
 * counting is the bench's own: this gateway is built from bench/counting-entry.ts, which wraps the
 * Worker and its Durable Object classes, so production code counts nothing. The wrapping costs CPU, so
 * this runs in a workerd of its own, before the timed one.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchStats } from "../../bench/counting-entry";
import { objectName } from "../../src/objects";
import { BENCH_CONNECTION, BENCH_TENANT } from "./policy-fixtures";
import { kib, whole, type BudgetCheck, type Measurement } from "./report";
import { sideCallId, startStack, type StackOptions } from "./stack";
import { Teardown } from "./teardown";

type Count = keyof BenchStats | "kvReads";
/** Issue 12's targets for a plain hangup of a new call (null: counted, no target). */
const COUNTS: { count: Count; label: string; target: number | null }[] = [
  { count: "statements", label: "SQL statements in its object", target: 6 },
  { count: "rowsRead", label: "rows read in its object", target: null },
  { count: "rowsWritten", label: "rows written in its object", target: 4 },
  { count: "alarmsRun", label: "alarms run (within 3 s)", target: 0 },
  { count: "databaseSize", label: "its object's database size", target: 24 * 1024 },
  { count: "kvReads", label: "KV reads per hangup, warm isolate", target: 1 },
];
const SETTINGS = { full: { warmup: 20, counted: 20 }, quick: { warmup: 3, counted: 3 } };
/** Long enough for an alarm set "right after" the hangup to have fired, so that it is counted. */
const SETTLE_MS = 3_000;
/** Where bench/counting-entry.ts answers its KV read count. */
const KV_READS_PATH = "/__bench/kv-reads";

const format = (count: Count, n: number) => (count === "databaseSize" ? kib(n) : count === "kvReads" ? n.toFixed(2) : whole(n));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

/** `options.build` is built from bench/counting-entry.ts. */
export async function measureHangupCounts(options: Omit<StackOptions, "teardown" | "baselines">, quick: boolean): Promise<Measurement> {
  const settings = quick ? SETTINGS.quick : SETTINGS.full;
  const teardown = new Teardown();
  try {
    const { runtime, gateway } = await startStack({ ...options, teardown, baselines: false });
    const kvReads = async () => ((await (await fetch(runtime.gatewayUrl + KV_READS_PATH)).json()) as { kvReads: number }).kvReads;

    // A warm isolate: the key, the tenant, the connection and the policy have been read before.
    for (let i = 0; i < settings.warmup; i++) await gateway.hangupNewCall();
    const kvBefore = await kvReads();
    for (let i = 0; i < settings.counted; i++) await gateway.hangupNewCall();
    const kvReadsPerHangup = ((await kvReads()) - kvBefore) / settings.counted;
    await sleep(SETTLE_MS);
    const stats: BenchStats[] = [];
    for (let n = settings.warmup + 1; n <= gateway.calls; n++) {
      const stub = (await runtime.durableObject("CALLS", objectName.call(BENCH_TENANT, BENCH_CONNECTION, sideCallId(gateway.name, n)))) as unknown as { benchStats(): Promise<BenchStats> };
      stats.push({ ...(await stub.benchStats()) }); // a copy: the answer is a proxy into workerd, dead once it stops
    }

    const samples = (count: Count) => (count === "kvReads" ? [kvReadsPerHangup] : stats.map((s) => s[count]));
    const checks: BudgetCheck[] = COUNTS.flatMap(({ count, label, target: limit }) => {
      const worst = Math.max(...samples(count));
      return limit === null ? [] : [{ name: `plain hangup: ${label}`, budget: `≤ ${format(count, limit)}`, measured: format(count, worst), pass: worst <= limit }];
    });
    return {
      section: {
        title: "Counts per plain hangup of a new call",
        lead:
          `${settings.counted} hangups of new calls, one at a time, after ${settings.warmup} warm-up hangups, in a workerd of their own running the gateway ` +
          "built from `bench/counting-entry.ts` (the Worker and its Durable Objects wrapped to count GATEWAY_KV reads, and each call object's SQL " +
          `statements, the rows its cursors report read and written, and its alarms). Each object's counts are read over its \`benchStats()\` RPC ` +
          `${SETTLE_MS / 1000} s after the hangup; the database size is the runtime's \`sql.databaseSize\`.`,
        tables: [
          {
            header: ["per plain hangup", "worst call", "median call", "target"],
            rows: COUNTS.map(({ count, label, target: limit }) => [
              label,
              format(count, Math.max(...samples(count))),
              format(count, median(samples(count))),
              limit === null ? "(counted)" : `≤ ${format(count, limit)}`,
            ]),
          },
        ],
        notes: [],
      },
      checks: quick ? [] : checks,
      raw: { kvReadsPerHangup, stats },
    };
  } finally {
    await teardown.run();
  }
}
