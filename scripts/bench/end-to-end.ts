/**
 * End to end: a hangup of a new call through the gateway, against the platform floor (bench/floor-worker.js:
 * what a hangup with the gateway's guarantees needs whatever code does it) and the least any Worker could
 * do (bench/passthrough-worker.js), in one workerd, in interleaved rounds (./compare.ts). Gateway over floor
 * is what the gateway's own code costs, and the budgets are stated against it.
 */
import { measureComparison } from "./compare";
import type { FakeProvider } from "./fake-provider";
import type { Measurement } from "./report";
import type { Side } from "./stack";

const PLANS = {
  full: [
    { concurrency: 1, rounds: 9, requestsPerRound: 40 },
    { concurrency: 16, rounds: 9, requestsPerRound: 120 },
    { concurrency: 64, rounds: 6, requestsPerRound: 160 },
  ],
  quick: [
    { concurrency: 1, rounds: 1, requestsPerRound: 5 },
    { concurrency: 16, rounds: 1, requestsPerRound: 32 },
  ],
};
/** Before measuring, every side alike: pools, caches, and V8's compiler (busy on the gateway for ~4,000 hangups). */
const WARMUP = { full: { concurrency: 16, rounds: 4, requestsPerRound: 1_000 }, quick: { concurrency: 16, rounds: 1, requestsPerRound: 16 } };

export async function measureEndToEnd(sides: Side[], provider: FakeProvider, quick: boolean): Promise<Measurement> {
  const sent = () => sides.reduce((sum, side) => sum + side.calls.length, 0);
  const [sentBefore, upstreamBefore] = [sent(), provider.totalHangups()];
  const measurement = await measureComparison(
    {
      title: "End to end: the gateway against the platform floor and a bare pass-through Worker",
      lead: `\`POST /v1/calls/{id}/hangup\` of a new call to the gateway, the floor and the bare Worker, in front of the fake Plivo answering after ${provider.latencyMs} ms.`,
      notes: ["The ratios include the provider's latency in numerator and denominator: it is what a caller waits for."],
      sides,
      reference: "floor",
      plans: quick ? PLANS.quick : PLANS.full,
      warmup: quick ? WARMUP.quick : WARMUP.full,
      goals: [
        { name: "end-to-end p50, gateway ÷ floor, 16 concurrent", side: "gateway", reference: "floor", concurrency: 16, measure: "p50", limit: 1.15 },
        { name: "workerd CPU per hangup, gateway ÷ floor, 16 concurrent", side: "gateway", reference: "floor", concurrency: 16, measure: "CPU", limit: 1.25 },
      ],
    },
    quick,
  );
  const [hangups, upstream] = [sent() - sentBefore, provider.totalHangups() - upstreamBefore];
  if (upstream !== hangups) throw new Error(`end-to-end: ${hangups} hangups sent, but the provider received ${upstream}`);
  measurement.section.notes.unshift(`Every request reached the provider exactly once (${hangups.toLocaleString("en-US")} hangups sent and received).`);
  return measurement;
}
