/**
 * End to end: what a hangup through the gateway costs, against the platform floor (bench/floor-worker.js:
 * the KV read, the new Durable Object, the SQLite writes, the alarms and the index report that a hangup
 * with the gateway's guarantees needs whatever code does them) and against the least any Worker could
 * do (bench/passthrough-worker.js), all three in one workerd, in front of the same fake provider, from
 * the same client, in interleaved rounds. Every request hangs up a new call, as real traffic does.
 *
 * Gateway over floor is what the gateway's own code costs: the budgets are stated against it. Floor
 * over bare is what the platform (locally: Miniflare's simulators of KV, queues and D1 too) costs.
 */
import type { FakeProvider } from "./fake-provider";
import type { Side } from "./stack";
import { interleave, type RoundPlan, type SideFigures } from "./interleave";
import { ms, times, whole, type BudgetCheck, type Measurement } from "./report";

const PLANS: Record<"full" | "quick", RoundPlan[]> = {
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
/** Before measuring: JIT, connection pools, the policy and key caches, on every side. */
const WARMUP: Record<"full" | "quick", RoundPlan> = {
  full: { concurrency: 16, rounds: 2, requestsPerRound: 100 },
  quick: { concurrency: 16, rounds: 1, requestsPerRound: 16 },
};

/** This turn's budgets, against the floor at 16 concurrent: the gateway's own code, not the platform's. */
const BUDGET = { concurrency: 16, p50: 1.15, cpu: 1.25 };

interface Row {
  concurrency: number;
  gateway: SideFigures;
  floor: SideFigures;
  bare: SideFigures;
}

const cpu = (value: number | null) => (value === null ? "n/a" : ms(value));
const cpuRatio = (a: SideFigures, b: SideFigures) => (a.cpuMsPerRequest === null || b.cpuMsPerRequest === null ? null : a.cpuMsPerRequest / b.cpuMsPerRequest);

function checks(rows: Row[]): BudgetCheck[] {
  const row = rows.find((r) => r.concurrency === BUDGET.concurrency);
  if (!row) return [];
  const p50 = row.gateway.latency.p50 / row.floor.latency.p50;
  const cpuTimes = cpuRatio(row.gateway, row.floor);
  const at = `${BUDGET.concurrency} concurrent`;
  return [
    { name: `end-to-end p50, gateway ÷ floor, ${at}`, budget: `≤ ${times(BUDGET.p50)}`, measured: times(p50), pass: p50 <= BUDGET.p50 },
    ...(cpuTimes === null
      ? []
      : [{ name: `workerd CPU per hangup, gateway ÷ floor, ${at}`, budget: `≤ ${times(BUDGET.cpu)}`, measured: times(cpuTimes), pass: cpuTimes <= BUDGET.cpu }]),
  ];
}

export async function measureEndToEnd(sides: { gateway: Side; floor: Side; bare: Side }, provider: FakeProvider, quick: boolean): Promise<Measurement> {
  const order = [sides.gateway, sides.floor, sides.bare];
  const warmup = quick ? WARMUP.quick : WARMUP.full;
  await interleave(order, warmup);
  const upstreamBefore = provider.totalHangups();
  const sentSoFar = () => order.reduce((sum, side) => sum + side.calls, 0);
  const callsBefore = sentSoFar();

  const rows: Row[] = [];
  for (const plan of quick ? PLANS.quick : PLANS.full) {
    const [gateway, floor, bare] = await interleave(order, plan);
    rows.push({ concurrency: plan.concurrency, gateway: gateway!, floor: floor!, bare: bare! });
  }

  const sent = sentSoFar() - callsBefore;
  const upstream = provider.totalHangups() - upstreamBefore;
  if (upstream !== sent) throw new Error(`end-to-end: ${sent} hangups sent, but the provider received ${upstream}`);

  return {
    section: {
      title: "End to end: the gateway against the platform floor and a bare pass-through Worker",
      lead:
        `\`POST /v1/calls/{id}/hangup\`, a new call id every request, to the gateway bundle, to \`bench/floor-worker.js\` and to ` +
        `\`bench/passthrough-worker.js\` in one workerd (Miniflare, a direct socket each), all in front of the fake Plivo on 127.0.0.1 ` +
        `answering 204 after ${provider.latencyMs} ms. Interleaved rounds per concurrency (the order rotating each round), after ` +
        `${warmup.rounds * warmup.requestsPerRound} warm-up requests per side. Latency is the client's: request written to last byte read, ` +
        "over keep-alive sockets. CPU is workerd's (user + system, all threads, from /proc) during each side's rounds, per request.",
      tables: [
        {
          header: ["concurrent", "requests per side", ...["gateway", "floor", "bare"].flatMap((side) => [`${side} p50 ms`, `${side} p99 ms`, `${side} CPU ms/req`]), "gateway ÷ floor p50", "gateway ÷ floor CPU"],
          rows: rows.map(({ concurrency, gateway: g, floor: f, bare: b }) => {
            const ratio = cpuRatio(g, f);
            return [String(concurrency), whole(g.requests), ...[g, f, b].flatMap((side) => [ms(side.latency.p50), ms(side.latency.p99), cpu(side.cpuMsPerRequest)]), times(g.latency.p50 / f.latency.p50), ratio === null ? "n/a" : times(ratio)];
          }),
        },
      ],
      notes: [
        `Every request reached the provider exactly once (${whole(sent)} hangups sent, ${whole(upstream)} received).`,
        "The ratios include the provider's own latency in both numerator and denominator: it is what a caller waits for.",
        "Locally the Workers and every Durable Object share one workerd thread, so beyond a few concurrent requests the latency is mostly " +
          "queueing for it (CPU per request × concurrency); in production the objects are spread over many machines.",
      ],
    },
    checks: quick ? [] : checks(rows),
    raw: rows,
  };
}
