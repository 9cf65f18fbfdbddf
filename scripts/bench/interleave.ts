/**
 * A subject against its baseline (the gateway against the bare Worker, or the gateway against itself
 * on other storage), in interleaved rounds: A, B, B, A, A, B… (the order flips every round, so neither
 * side always runs first after a pause or always last before one). On a shared two-core machine the
 * load from elsewhere changes from second to second; rounds a few seconds long put both sides under
 * the same weather, and their ratio cancels most of it.
 *
 * Besides the client's latency, each side's process CPU time is read before and after each of its
 * rounds: CPU per request is what the work costs whatever the concurrency did to the waiting.
 */
import type { Side } from "./hangup-sides";
import { runLoad } from "./http-client";
import { summarize, type Summary } from "./stats";

export interface SideFigures {
  name: string;
  latency: Summary;
  requests: number;
  /** Requests answered per second of wall time, over all rounds. */
  perSecond: number;
  /** CPU ms of the side's process per request during its rounds (all its threads), or null. */
  cpuMsPerRequest: number | null;
}

export interface Comparison {
  concurrency: number;
  subject: SideFigures;
  baseline: SideFigures;
}

export interface RoundPlan {
  concurrency: number;
  rounds: number;
  requestsPerRound: number;
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

function figures(side: Side, { latencies, wallMs, cpuMs }: Totals): SideFigures {
  return {
    name: side.name,
    latency: summarize(latencies),
    requests: latencies.length,
    perSecond: latencies.length / (wallMs / 1000),
    cpuMsPerRequest: cpuMs === null ? null : cpuMs / latencies.length,
  };
}

export async function compareInterleaved(subject: Side, baseline: Side, plan: RoundPlan): Promise<Comparison> {
  const totals = new Map<Side, Totals>([
    [subject, { latencies: [], wallMs: 0, cpuMs: 0 }],
    [baseline, { latencies: [], wallMs: 0, cpuMs: 0 }],
  ]);
  for (let round = 0; round < plan.rounds; round++) {
    for (const side of round % 2 === 0 ? [subject, baseline] : [baseline, subject]) await runRound(side, plan, totals.get(side)!);
  }
  return { concurrency: plan.concurrency, subject: figures(subject, totals.get(subject)!), baseline: figures(baseline, totals.get(baseline)!) };
}

/** p50 and p99 ratios, subject over baseline. */
export function ratios({ subject, baseline }: Comparison): { p50: number; p99: number } {
  return { p50: subject.latency.p50 / baseline.latency.p50, p99: subject.latency.p99 / baseline.latency.p99 };
}
