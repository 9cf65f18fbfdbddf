/**
 * Kinds of request (sides, ./stack.ts) compared in interleaved rounds: each round every side runs once, the
 * order rotating (A B C, B C A, C A B…). On a shared machine the load from elsewhere changes from second to
 * second; rounds a few seconds long put every side under the same weather, and their ratios cancel most of
 * it. workerd's CPU time is read around each side's round: CPU per request is what concurrency cannot hide.
 */
import { summarize, type Summary } from "../lib/stats";
import { runLoad } from "../lib/http-client";
import { ms, times, whole, type BudgetCheck, type Measurement, type Section } from "./report";
import type { Side } from "./stack";

export type RoundPlan = { concurrency: number; rounds: number; requestsPerRound: number };

/** A side's figures at one concurrency; `cpu`: workerd's CPU ms (all threads) per request during its rounds, or null. */
type Figures = { side: string; concurrency: number; latency: Summary; cpu: number | null };

/** `side` against `reference` at `concurrency`: the ratio of their p50s or of their CPU per request, or the difference of their p50s (ms). */
export type Goal = { name: string; side: string; reference: string; concurrency: number; measure: "p50" | "CPU" | "p50 shift"; limit: number };

export interface Comparison extends Pick<Section, "title" | "lead" | "notes"> {
  sides: Side[];
  /** The side every other is divided by in the table. */
  reference: string;
  plans: RoundPlan[];
  warmup: RoundPlan | null;
  goals: Goal[];
}

async function interleave(sides: Side[], plan: RoundPlan): Promise<Figures[]> {
  const totals = sides.map(() => ({ latencies: [] as number[], cpuMs: 0 as number | null }));
  for (let round = 0; round < plan.rounds; round++) {
    for (let turn = 0; turn < sides.length; turn++) {
      const [side, total] = [sides[(round + turn) % sides.length]!, totals[(round + turn) % sides.length]!];
      await side.before(plan.requestsPerRound);
      const cpuBefore = side.processCpuMs();
      total.latencies.push(...(await runLoad(plan.requestsPerRound, plan.concurrency, () => side.send())).latenciesMs);
      const cpuAfter = side.processCpuMs();
      total.cpuMs = cpuBefore === null || cpuAfter === null || total.cpuMs === null ? null : total.cpuMs + cpuAfter - cpuBefore;
      await side.after();
    }
  }
  return sides.map((side, i) => {
    const { latencies, cpuMs } = totals[i]!;
    return { side: side.name, concurrency: plan.concurrency, latency: summarize(latencies), cpu: cpuMs === null ? null : cpuMs / latencies.length };
  });
}

export async function measureComparison(comparison: Comparison, quick: boolean): Promise<Measurement> {
  if (comparison.warmup) await interleave(comparison.sides, comparison.warmup);
  const figures: Figures[] = [];
  for (const plan of comparison.plans) figures.push(...(await interleave(comparison.sides, plan)));
  const find = (side: string, concurrency: number) => figures.find((f) => f.side === side && f.concurrency === concurrency)!;
  const cpuRatio = (a: Figures, b: Figures) => (a.cpu === null || b.cpu === null ? null : a.cpu / b.cpu);
  const checks: BudgetCheck[] = comparison.goals.flatMap(({ name, side, reference, concurrency, measure, limit }) => {
    const [a, b] = [find(side, concurrency), find(reference, concurrency)];
    if (measure === "p50 shift") {
      const shift = a.latency.p50 - b.latency.p50;
      return [{ name, budget: `< +${limit} ms`, measured: `${shift >= 0 ? "+" : ""}${ms(shift)} ms`, pass: shift < limit }];
    }
    const ratio = measure === "p50" ? a.latency.p50 / b.latency.p50 : cpuRatio(a, b);
    return ratio === null ? [] : [{ name, budget: `≤ ${times(limit)}`, measured: times(ratio), pass: ratio <= limit }];
  });
  const { title, lead, notes, reference: ref } = comparison;
  return {
    section: {
      title,
      lead,
      notes,
      tables: [
        {
          header: ["concurrent", "request", "requests", "p50 ms", "p99 ms", "CPU ms/req", `p50 ÷ ${ref}`, `CPU ÷ ${ref}`],
          rows: figures.map((f) => {
            const cpu = cpuRatio(f, find(ref, f.concurrency));
            return [String(f.concurrency), f.side, whole(f.latency.count), ms(f.latency.p50), ms(f.latency.p99), f.cpu === null ? "n/a" : ms(f.cpu), times(f.latency.p50 / find(ref, f.concurrency).latency.p50), cpu === null ? "n/a" : times(cpu)];
          }),
        },
      ],
    },
    checks: quick ? [] : checks,
    raw: figures,
  };
}
