/**
 * Counted, not timed, on the gateway built from bench/counting-entry.ts (production code counts nothing) in a
 * workerd of its own, before the timed one: per plain hangup of a new call, its object's SQL, alarms and
 * size and the KV reads of a warm isolate (issue 12); per request, the Durable Object calls it waits for
 * (issues 23 and 24). Then, timed in that workerd, a plain hangup with the health object made slow (issue 24).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchStats, IsolateCounts } from "../../bench/counting-entry";
import { objectName } from "../../src/objects";
import { runLoad } from "../lib/http-client";
import { Teardown } from "../lib/teardown";
import { measureComparison } from "./compare";
import { BENCH_CONNECTION, BENCH_TENANT } from "./policy-fixtures";
import { kib, whole, type BudgetCheck, type Measurement } from "./report";
import { startStack, type Side, type StackOptions } from "./stack";

/** Where bench/counting-entry.ts answers its counts. */
const CONTROL_PATH = "/__bench/counts";
/** While counting, the health object and the counters are this slow: a call no request waits for completes long after it answered. */
const SLOW_MS = 150;
/** Long enough for an alarm set "right after" the hangup to have fired, so that it is counted. */
const SETTLE_MS = 3_000;
const SETTINGS = { full: { warmup: 20, counted: 20, rounds: 4, perRound: [50, 120] }, quick: { warmup: 3, counted: 3, rounds: 2, perRound: [5, 16] } };
/** Issue 12's targets for a plain hangup of a new call (null: counted, no target). */
const STATS: [keyof BenchStats, string, number | null][] = [
  ["statements", "SQL statements in its object", 6],
  ["rowsRead", "rows read in its object", null],
  ["rowsWritten", "rows written in its object", 4],
  ["alarmsRun", `alarms run (within ${SETTLE_MS / 1000} s)`, 0],
  ["databaseSize", "its object's database size", 24 * 1024],
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
const check = (name: string, budget: string, measured: number, pass: boolean, format = (n: number) => n.toFixed(2)): BudgetCheck => ({ name, budget, measured: format(measured), pass });

/** `options.build` is built from bench/counting-entry.ts. */
export async function measureCounts(options: Omit<StackOptions, "baselines">, quick: boolean): Promise<Measurement[]> {
  const settings = quick ? SETTINGS.quick : SETTINGS.full;
  const teardown = new Teardown(); // stopped before the timed workerd starts (or with the bench, on Ctrl-C)
  options.teardown.add("counting workerd", () => teardown.run());
  try {
    const { runtime, target, gateway, known } = await startStack({ ...options, teardown, baselines: false });
    const control = target(runtime.gatewayUrl);
    const slow = (bindings: string[], delayMs = SLOW_MS) => control.send("POST", `${CONTROL_PATH}?delay_ms=${delayMs}${bindings.map((b) => `&slow=${b}`).join("")}`);
    const oneAtATime = async (side: Side, count: number) => {
      await side.before(count);
      await runLoad(count, 1, () => side.send());
    };
    /** After a warm-up (the key, tenant, connection, policy and breaker view read before): the isolate's counts over `counted` requests. */
    const countRequests = async (side: Side): Promise<[string, IsolateCounts]> => {
      await oneAtATime(side, settings.warmup);
      await slow(["CONNECTION_HEALTH", "POLICY_COUNTERS"]);
      await oneAtATime(side, settings.counted);
      await sleep(2 * SLOW_MS); // calls in the background complete, and are counted, before the counts are read
      const counts = JSON.parse((await control.send("GET", CONTROL_PATH)).body) as IsolateCounts;
      await side.after();
      return [side.name, counts];
    };

    const kinds = [await countRequests(gateway)];
    await sleep(SETTLE_MS);
    const stats: BenchStats[] = [];
    for (const callId of gateway.calls.slice(-settings.counted)) {
      const stub = (await runtime.durableObject("CALLS", objectName.call(BENCH_TENANT, BENCH_CONNECTION, callId))) as unknown as { benchStats(): Promise<BenchStats> };
      stats.push({ ...(await stub.benchStats()) }); // a copy: the answer is a proxy into workerd, dead once it stops
    }
    for (const side of [known.registration, known.cappedRegistration, known.event]) kinds.push(await countRequests(side));
    const per = (counts: IsolateCounts, binding?: string, where: "awaited" | "background" = "awaited") =>
      (binding ? (counts[where][binding] ?? 0) : Object.values(counts[where]).reduce((a, b) => a + b, 0)) / counts.requests;
    const [hangup, registration, capped] = kinds.map(([, counts]) => per(counts)) as [number, number, number];
    const kvReads = kinds[0]![1].kvReads / kinds[0]![1].requests;
    const format = (count: keyof BenchStats) => (n: number) => (count === "databaseSize" ? kib(n) : whole(n));
    const worst = (count: keyof BenchStats) => Math.max(...stats.map((s) => s[count]));

    const counted: Measurement = {
      section: {
        title: "Counts per request",
        lead: `${settings.counted} requests of each kind, one at a time after ${settings.warmup} for warm-up, in a workerd running the bundle of \`bench/counting-entry.ts\`.`,
        tables: [
          {
            header: ["per plain hangup of a new call", "worst call", "median call", "target"],
            rows: [
              ...STATS.map(([count, label, limit]) => [label, format(count)(worst(count)), format(count)(median(stats.map((s) => s[count]))), limit === null ? "(counted)" : `≤ ${format(count)(limit)}`]),
              ["KV reads, warm isolate", kvReads.toFixed(2), "", "≤ 1"],
            ],
          },
          {
            header: ["Durable Object calls per request", "waited for", "call object", "policy counters", "health object", "health object, in the background"],
            rows: kinds.map(([kind, counts]) => [kind === gateway.name ? "plain hangup" : kind, ...[per(counts), per(counts, "CALLS"), per(counts, "POLICY_COUNTERS"), per(counts, "CONNECTION_HEALTH"), per(counts, "CONNECTION_HEALTH", "background")].map((n) => n.toFixed(2))]),
          },
        ],
        notes: [],
      },
      checks: quick
        ? []
        : [
            ...STATS.flatMap(([count, label, limit]) => (limit === null ? [] : [check(`plain hangup: ${label}`, `≤ ${format(count)(limit)}`, worst(count), worst(count) <= limit, format(count))])),
            check("plain hangup: KV reads, warm isolate", "≤ 1", kvReads, kvReads <= 1),
            check("plain hangup: Durable Object calls waited for", "= 1", hangup, hangup === 1),
            check("registration under a concurrency rule: object calls waited for, more than without", "≤ 1", capped - registration, capped - registration <= 1),
          ],
      raw: { kinds, stats },
    };

    // Timed: plain hangups of new calls with the health object answering at once or SLOW_MS late, in interleaved rounds.
    const withHealth = (name: string, delayMs: number): Side => ({
      ...gateway,
      name,
      async before(count) {
        await slow(["CONNECTION_HEALTH"], delayMs);
        await oneAtATime(gateway, 1); // the isolate's view is stale after the pause between rounds: its refresh is not a plain hangup's cost
        await gateway.before(count);
      },
    });
    const [normal, late] = [withHealth("plain hangup", 0), withHealth(`plain hangup, health object ${SLOW_MS} ms slow`, SLOW_MS)];
    const criticalPath = await measureComparison(
      {
        title: "Critical path: a slow health object",
        lead: `Plain hangups of new calls in the counting workerd, the connection's health object answering at once or ${SLOW_MS} ms late.`,
        notes: [
          "Budgeted at 1 concurrent, where nothing hides a wait. At 16 concurrent the p50 is mostly queueing for workerd's one thread: a hangup idly waiting on a timer overlaps the others' work, and on a loaded machine the p50 moves by ±20 ms from run to run, more than the budget.",
        ],
        sides: [normal, late],
        reference: normal.name,
        plans: [1, 16].map((concurrency, i) => ({ concurrency, rounds: settings.rounds, requestsPerRound: settings.perRound[i]! })),
        warmup: null,
        goals: [{ name: `${late.name}: p50, 1 concurrent`, side: late.name, reference: normal.name, concurrency: 1, measure: "p50 shift", limit: 10 }],
      },
      quick,
    );
    return [counted, criticalPath];
  } finally {
    await teardown.run();
  }
}
