/**
 * Policy evaluation in node, on the gateway's own pure functions (src/policy): one decision with 10 to
 * 10,000 rules, indexed (what the gateway runs) and naive (every rule; tests check both decide alike).
 * Decisions are timed in batches long enough to dwarf the clock, after a warm-up, every (rule count,
 * evaluator) pair taking turns of a few ms so that the machine's weather falls on all alike; turns, not
 * single batches, because the naive evaluator flushes the CPU caches (BENCHMARKS.md, "How it measures").
 */
import { candidateRules, compilePolicy, type CompiledPolicy } from "../../src/policy/compile";
import { evaluate } from "../../src/policy/evaluate";
import { evaluateNaive } from "../../src/policy/naive";
import { validatePolicy } from "../../src/policy/schema";
import type { Counts, Decision, PolicyEvent } from "../../src/policy/types";
import { benchEvents, EVALUATION_SERIES, realisticPolicy, type EvaluationSeries } from "./policy-fixtures";
import { ms, times, type BudgetCheck, type Measurement } from "./report";
import { elapsedMs, summarize, type Summary } from "../lib/stats";

const RULE_COUNTS = [10, 100, 1_000, 10_000];
/** Distinct events cycled through, so no single branch is all the optimiser sees. */
const EVENTS_PER_KIND = 40;
/** Each timed batch lasts at least this long: hrtime itself costs some 50 ns. */
const MIN_BATCH_NS = 20_000;
const MIN_SAMPLES = 10;
/** How long each (rule count, evaluator) pair runs before the next takes its turn. */
const TURN_MS = 20;
/** `budgetMs` is per series of events, shared by every pair. */
const SETTINGS = { full: { warmupMs: 100, budgetMs: 3_000, maxSamples: 5_000 }, quick: { warmupMs: 10, budgetMs: 50, maxSamples: 100 } };

/** Issue 12's goals: a decision in at most 10 µs (median) at 1,000 rules, and at most 2× from 10 rules to 10,000. */
const MEDIAN_BUDGET_US = 10;
const FLATNESS_LIMIT = 2;

type Evaluator = (policy: CompiledPolicy | null, event: PolicyEvent, counts: Counts) => Decision;
type Asked = ReturnType<typeof benchEvents>;
const EVALUATORS: [string, Evaluator][] = [
  ["indexed", evaluate],
  ["naive", evaluateNaive],
];

/** Written by every timed loop and checked at the end, so the optimiser cannot drop the work. */
let sink = 0;
const decide = (evaluator: Evaluator, policy: CompiledPolicy, asked: Asked, i: number) => {
  const { event, counts } = asked[i % asked.length]!;
  sink += evaluator(policy, event, counts).matched.length;
};
const since = (start: bigint) => elapsedMs(start, process.hrtime.bigint());

/** Runs the evaluator for `warmupMs`, and answers a batch size long enough to time. */
function warmUp(evaluator: Evaluator, policy: CompiledPolicy, asked: Asked, warmupMs: number): number {
  const start = process.hrtime.bigint();
  let decisions = 0;
  while (decisions < asked.length || since(start) < warmupMs) decide(evaluator, policy, asked, decisions++);
  return Math.max(1, Math.ceil(MIN_BATCH_NS / ((since(start) * 1e6) / decisions)));
}

/** Per decision, in µs, for each rule count: [indexed, naive]. */
function measureSeries(policies: Map<number, CompiledPolicy>, series: EvaluationSeries, settings: (typeof SETTINGS)["full"]): Map<number, Summary[]> {
  const asked = benchEvents(series, EVENTS_PER_KIND);
  const contenders = [...policies].flatMap(([ruleCount, policy]) =>
    EVALUATORS.map(([, evaluator]) => ({ ruleCount, policy, evaluator, batch: warmUp(evaluator, policy, asked, settings.warmupMs), samplesNs: [] as number[] })),
  );
  const start = process.hrtime.bigint();
  while (contenders.some((c) => c.samplesNs.length < MIN_SAMPLES) || (since(start) < settings.budgetMs && contenders.some((c) => c.samplesNs.length < settings.maxSamples))) {
    for (const { policy, evaluator, batch, samplesNs } of contenders) {
      const turnStart = process.hrtime.bigint();
      do {
        const batchStart = process.hrtime.bigint();
        for (let i = 0; i < batch; i++) decide(evaluator, policy, asked, i);
        samplesNs.push(Number(process.hrtime.bigint() - batchStart) / batch);
      } while (samplesNs.length < settings.maxSamples && since(turnStart) < TURN_MS);
    }
  }
  const result = new Map<number, Summary[]>();
  for (const c of contenders) result.set(c.ruleCount, [...(result.get(c.ruleCount) ?? []), summarize(c.samplesNs.map((ns) => ns / 1000))]);
  return result;
}

export function measurePolicyEvaluation(quick: boolean): Measurement {
  const settings = quick ? SETTINGS.quick : SETTINGS.full;
  const policies = new Map(
    RULE_COUNTS.map((ruleCount) => {
      const validation = validatePolicy(realisticPolicy(ruleCount));
      if (validation.kind === "invalid") throw new Error(`the ${ruleCount}-rule benchmark policy is not valid: ${JSON.stringify(validation.errors.slice(0, 3))}`);
      return [ruleCount, compilePolicy(validation.document, "bench")];
    }),
  );
  const bySeries = new Map(EVALUATION_SERIES.map((series) => [series, measureSeries(policies, series, settings)]));
  if (!Number.isFinite(sink)) throw new Error("unreachable: keeps the timed work observable");
  const indexedP50 = (kind: EvaluationSeries, ruleCount: number) => bySeries.get(kind)!.get(ruleCount)![0]!.p50;

  const checks: BudgetCheck[] = EVALUATION_SERIES.flatMap((series) => {
    const atThousand = indexedP50(series, 1_000);
    const growth = indexedP50(series, 10_000) / indexedP50(series, 10);
    return [
      { name: `policy decision (${series}), median at 1,000 rules`, budget: `≤ ${MEDIAN_BUDGET_US} µs`, measured: `${ms(atThousand)} µs`, pass: atThousand <= MEDIAN_BUDGET_US },
      { name: `policy decision (${series}), growth from 10 to 10,000 rules`, budget: `≤ ${times(FLATNESS_LIMIT)}`, measured: times(growth), pass: growth <= FLATNESS_LIMIT },
    ];
  });

  return {
    section: {
      title: "Policy evaluation (node, src/policy)",
      lead: "One decision for the benchmark tenant, indexed (`evaluate`, what the gateway runs) against naive (`evaluateNaive`, every rule in order); p50/p99 over batch means.",
      tables: EVALUATION_SERIES.map((series) => ({
        header: [`rules (${series})`, "rules looked at (indexed)", "indexed p50 µs", "indexed p99 µs", "naive p50 µs", "naive ÷ indexed (p50)"],
        rows: RULE_COUNTS.map((ruleCount) => {
          const [indexed, naive] = bySeries.get(series)!.get(ruleCount)! as [Summary, Summary];
          const looked = candidateRules(policies.get(ruleCount)!, benchEvents(series, 1)[0]!.event).length;
          return [ruleCount.toLocaleString("en-US"), String(looked), ms(indexed.p50), ms(indexed.p99), ms(naive.p50), times(naive.p50 / indexed.p50)];
        }),
      })),
      notes: [],
    },
    checks: quick ? [] : checks,
    raw: Object.fromEntries([...bySeries].map(([kind, counts]) => [kind, Object.fromEntries(counts)])),
  };
}
