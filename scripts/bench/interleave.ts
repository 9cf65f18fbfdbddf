/**
 * Sides compared in interleaved rounds: each round every side runs once, the order rotating (A B C, B C A,
 * C A B…). On a shared machine the load from elsewhere changes from second to second; rounds a few
 * seconds long put every side under the same weather, and their ratios cancel most of it. workerd's CPU
 * time is read around each side's round: CPU per request is what concurrency cannot hide.
 */
import type { Side } from "./stack";
import { runLoad } from "./http-client";
import { summarize, type Summary } from "../lib/stats";

export interface RoundPlan {
  concurrency: number;
  rounds: number;
  requestsPerRound: number;
}

export interface SideFigures {
  name: string;
  latency: Summary;
  requests: number;
  /** Requests answered per second of wall time, over all rounds. */
  perSecond: number;
  /** CPU ms of the side's process per request during its rounds (all its threads), or null. */
  cpuMsPerRequest: number | null;
}

interface Totals {
  latencies: number[];
  wallMs: number;
  cpuMs: number | null;
}

async function runRound(side: Side, plan: RoundPlan, totals: Totals): Promise<void> {
  await side.pacer?.reserve(plan.requestsPerRound);
  const cpuBefore = side.processCpuMs();
  const result = await runLoad(plan.requestsPerRound, plan.concurrency, () => side.hangupNewCall());
  const cpuAfter = side.processCpuMs();
  totals.latencies.push(...result.latenciesMs);
  totals.wallMs += result.wallMs;
  totals.cpuMs = cpuBefore === null || cpuAfter === null || totals.cpuMs === null ? null : totals.cpuMs + cpuAfter - cpuBefore;
}

/** The figures of each side, in the order given. */
export async function interleave(sides: Side[], plan: RoundPlan): Promise<SideFigures[]> {
  const totals: Totals[] = sides.map(() => ({ latencies: [], wallMs: 0, cpuMs: 0 }));
  for (let round = 0; round < plan.rounds; round++) {
    for (let turn = 0; turn < sides.length; turn++) {
      const i = (round + turn) % sides.length;
      await runRound(sides[i]!, plan, totals[i]!);
    }
  }
  return sides.map((side, i) => {
    const { latencies, wallMs, cpuMs } = totals[i]!;
    return {
      name: side.name,
      latency: summarize(latencies),
      requests: latencies.length,
      perSecond: latencies.length / (wallMs / 1000),
      cpuMsPerRequest: cpuMs === null ? null : cpuMs / latencies.length,
    };
  });
}
