/**
 * Bulk hangups at the provider's pace (issue 24), in the call index's workerd (./call-index.ts) on its
 * Plivo connection, whose provider is the fake Plivo: one job of SIZES.full.single calls (Plivo: 50
 * hangups a second, src/bulk/pacing.ts) must finish within 1.1× of the time that pace allows, every call
 * hung up exactly once; two jobs on one connection must share the pace, never sending more than it allows
 * together within Plivo's own window (300 requests per 5 s; the pace is 250). With workerd's CPU per
 * hangup: what the pace needs of the machine.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { hangupRate } from "../../src/bulk/pacing";
import { expectOk, type GatewayClient } from "../lib/gateway-client";
import type { FakeProvider } from "./fake-provider";
import { ms, times, whole, type Measurement } from "./report";

const SIZES = { full: { single: 2_000, pair: 500 }, quick: { single: 100, pair: 50 } };
const BUDGET_RATIO = 1.1;
/** Plivo counts its limit over 5 s (300 requests): the window the shared pace is judged in. */
const PROVIDER_WINDOW_MS = 5_000;

export interface PaceBench {
  /** The tenant's client; its `connection` is a Plivo one on `provider`. */
  client: GatewayClient;
  connection: string;
  provider: FakeProvider;
  /** Indexes `n` live calls on `connection` carrying the flag `flag` (call ids `flag-0`…), through the real queue. */
  seedLive(flag: string, n: number): Promise<string[]>;
  /** workerd's CPU time so far (ms), or null. */
  cpuMs(): number | null;
}

/** Runs a job over the calls flagged `flag`: ms from its request until it reads `completed` (its final pass included). */
async function runJob({ client, connection }: PaceBench, flag: string): Promise<number> {
  const started = performance.now();
  const accepted = await expectOk("bulk hangup", client.v1["bulk-hangups"].$post({ json: { connection, match: { flags: [flag] }, reason: "bench" } }), [202]);
  if (!("id" in accepted)) throw new Error("bulk pace: the bulk hangup was answered as a dry run");
  for (;;) {
    const { status, done, matched } = await expectOk("bulk progress", client.v1["bulk-hangups"][":id"].$get({ param: { id: accepted.id } }));
    if (status === "completed") return performance.now() - started;
    if (performance.now() - started > 10 * 60_000) throw new Error(`bulk pace: job stuck at ${done} of ${matched}`);
    await sleep(100);
  }
}

/** The most arrivals within any `windowMs`. */
function busiest(arrivals: number[], windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

export async function measureBulkPace(bench: PaceBench, quick: boolean): Promise<Measurement> {
  const size = SIZES[quick ? "quick" : "full"];
  const rate = hangupRate("plivo");
  const single = await bench.seedLive("pace-single", size.single);
  const cpuBefore = bench.cpuMs();
  const singleMs = await runJob(bench, "pace-single");
  const cpuAfter = bench.cpuMs();
  const pair = [...(await bench.seedLive("pace-pair-a", size.pair)), ...(await bench.seedLive("pace-pair-b", size.pair))];
  const pairMs = Math.max(...(await Promise.all(["pace-pair-a", "pace-pair-b"].map((flag) => runJob(bench, flag)))));

  const lost = [...single, ...pair].filter((id) => bench.provider.hangupsFor(id) !== 1).length;
  if (lost > 0) throw new Error(`bulk pace: ${lost} calls were not hung up exactly once`);
  const [paceMs, pairPaceMs] = [size.single, 2 * size.pair].map((calls) => (calls / rate) * 1000) as [number, number];
  const windowLimit = (rate * PROVIDER_WINDOW_MS) / 1000;
  const [singleArrivals, pairArrivals] = [bench.provider.arrivals("pace-single-"), bench.provider.arrivals("pace-pair-")];
  const cpuPerHangup = cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / size.single;
  const row = (name: string, calls: number, took: number, allows: number, arrivals: number[]) =>
    [name, whole(calls), ms(took), ms(allows), times(took / allows), whole(busiest(arrivals, 1_000)), whole(busiest(arrivals, PROVIDER_WINDOW_MS))];
  return {
    section: {
      title: "Bulk hangups at the provider's pace",
      lead:
        `One job of ${whole(size.single)} calls on one Plivo connection (${rate} hangups/s), then two jobs of ${whole(size.pair)} calls each on ` +
        `that connection at once, in the call index's workerd, the fake Plivo answering after ${bench.provider.latencyMs} ms. ` +
        "Time is from the job's request until it reads `completed` (its final pass included).",
      tables: [
        {
          header: ["run", "calls", "took (ms)", "the pace allows (ms)", "ratio", "most hangups in 1 s", "most in 5 s"],
          rows: [row("one job", size.single, singleMs, paceMs, singleArrivals), row("two jobs, one connection", 2 * size.pair, pairMs, pairPaceMs, pairArrivals)],
        },
      ],
      notes: [
        "Every call was hung up exactly once, as the provider counted (or the run fails).",
        `Most hangups in 1 s / 5 s: as the provider received them; the pace allows ${rate} and ${whole(windowLimit)} (Plivo documents 300 per 5 s). ` +
          "A busy machine delays some requests between the job and the provider, which can bunch them within a second; Plivo counts over 5 s.",
        cpuPerHangup === null
          ? "workerd's CPU time is not available on this system."
          : `workerd's CPU per hangup of the single job: ${ms(cpuPerHangup)} ms (job, call object, call index), so the pace needs ${Math.round((cpuPerHangup * rate) / 10)} % of one core.`,
      ],
    },
    checks: quick
      ? []
      : [
          { name: `bulk job of ${whole(size.single)} calls at Plivo's pace`, budget: `≤ ${BUDGET_RATIO}× ${ms(paceMs)} ms`, measured: `${ms(singleMs)} ms (${times(singleMs / paceMs)})`, pass: singleMs / paceMs <= BUDGET_RATIO },
          { name: "two bulk jobs on one connection share its pace", budget: `≤ ${whole(windowLimit + 1)} hangups in any 5 s`, measured: whole(busiest(pairArrivals, PROVIDER_WINDOW_MS)), pass: busiest(pairArrivals, PROVIDER_WINDOW_MS) <= windowLimit + 1 },
        ],
    raw: { size, rate, singleMs, paceMs, pairMs, pairPaceMs, cpuPerHangup, single: busiest(singleArrivals, 1_000), pair: busiest(pairArrivals, 1_000) },
  };
}
