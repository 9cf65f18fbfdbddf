/**
 * Policy evaluation in node, on the gateway's own pure functions (src/policy): one decision with 10 to
 * 10,000 rules, by the indexed evaluator the gateway runs. Decisions are timed in batches long enough to
 * dwarf the clock, after a warm-up, every rule count taking turns of a few ms so that the machine's
 * weather falls on all alike (BENCHMARKS.md, "How it measures").
 */
import { candidateRules, compilePolicy, type CompiledPolicy } from "../../src/policy/compile";
import { evaluate } from "../../src/policy/evaluate";
import { validatePolicy } from "../../src/policy/schema";
import { benchEvents, EVALUATION_SERIES, realisticPolicy, type EvaluationSeries } from "./policy-fixtures";
import { ms, times, type BudgetCheck, type Measurement } from "./report";
import { elapsedMs, summarize, type Summary } from "../lib/stats";

const RULE_COUNTS = [10, 100, 1_000, 10_000];
/** Distinct events cycled through, so no single branch is all the optimiser sees. */
const EVENTS_PER_KIND = 40;
/** Each timed batch lasts at least this long: hrtime itself costs some 50 ns. */
const MIN_BATCH_NS = 20_000;
const MIN_SAMPLES = 10;
/** How long each rule count runs before the next takes its turn. */
const TURN_MS = 20;
/** `budgetMs` is per series of events, shared by every rule count. */
const SETTINGS = { full: { warmupMs: 100, budgetMs: 3_000, maxSamples: 5_000 }, quick: { warmupMs: 10, budgetMs: 50, maxSamples: 100 } };

/** Issue 12's goals: a decision in at most 10 µs (median) at 1,000 rules, and at most 2× from 10 rules to 10,000. */
const MEDIAN_BUDGET_US = 10;
const FLATNESS_LIMIT = 2;

type Asked = ReturnType<typeof benchEvents>;

/** Written by every timed loop and checked at the end, so the optimiser cannot drop the work. */
let sink = 0;
const decide = (policy: CompiledPolicy, asked: Asked, i: number) => {
  const { event, counts } = asked[i % asked.length]!;
  sink += evaluate(policy, event, counts).matched.length;
};
const since = (start: bigint) => elapsedMs(start, process.hrtime.bigint());

/** Decides for `warmupMs`, and answers a batch size long enough to time. */
function warmUp(policy: CompiledPolicy, asked: Asked, warmupMs: number): number {
  const start = process.hrtime.bigint();
  let decisions = 0;
  while (decisions < asked.length || since(start) < warmupMs) decide(policy, asked, decisions++);
  return Math.max(1, Math.ceil(MIN_BATCH_NS / ((since(start) * 1e6) / decisions)));
}

/** Per decision, in µs, for each rule count. */
function measureSeries(policies: Map<number, CompiledPolicy>, series: EvaluationSeries, settings: (typeof SETTINGS)["full"]): Map<number, Summary> {
  const asked = benchEvents(series, EVENTS_PER_KIND);
  const contenders = [...policies].map(([ruleCount, policy]) => ({ ruleCount, policy, batch: warmUp(policy, asked, settings.warmupMs), samplesNs: [] as number[] }));
  const start = process.hrtime.bigint();
  while (contenders.some((c) => c.samplesNs.length < MIN_SAMPLES) || (since(start) < settings.budgetMs && contenders.some((c) => c.samplesNs.length < settings.maxSamples))) {
    for (const { policy, batch, samplesNs } of contenders) {
      const turnStart = process.hrtime.bigint();
      do {
        const batchStart = process.hrtime.bigint();
        for (let i = 0; i < batch; i++) decide(policy, asked, i);
        samplesNs.push(Number(process.hrtime.bigint() - batchStart) / batch);
      } while (samplesNs.length < settings.maxSamples && since(turnStart) < TURN_MS);
    }
  }
  return new Map(contenders.map((c) => [c.ruleCount, summarize(c.samplesNs.map((ns) => ns / 1000))]));
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
  const p50At = (kind: EvaluationSeries, ruleCount: number) => bySeries.get(kind)!.get(ruleCount)!.p50;

  const checks: BudgetCheck[] = EVALUATION_SERIES.flatMap((series) => {
    const atThousand = p50At(series, 1_000);
    const growth = p50At(series, 10_000) / p50At(series, 10);
    return [
      { name: `policy decision (${series}), median at 1,000 rules`, budget: `≤ ${MEDIAN_BUDGET_US} µs`, measured: `${ms(atThousand)} µs`, pass: atThousand <= MEDIAN_BUDGET_US },
      { name: `policy decision (${series}), growth from 10 to 10,000 rules`, budget: `≤ ${times(FLATNESS_LIMIT)}`, measured: times(growth), pass: growth <= FLATNESS_LIMIT },
    ];
  });

  return {
    section: {
      title: "Policy evaluation (node, src/policy)",
      lead: "One decision for the benchmark tenant by `evaluate` (what the gateway runs), p50/p99 over batch means; the rules it looks at are its candidates for the event.",
      tables: EVALUATION_SERIES.map((series) => ({
        header: [`rules (${series})`, "rules looked at", "p50 µs", "p99 µs", `p50 ÷ p50 at ${RULE_COUNTS[0]} rules`],
        rows: RULE_COUNTS.map((ruleCount) => {
          const summary = bySeries.get(series)!.get(ruleCount)!;
          const looked = candidateRules(policies.get(ruleCount)!, benchEvents(series, 1)[0]!.event).length;
          return [ruleCount.toLocaleString("en-US"), String(looked), ms(summary.p50), ms(summary.p99), times(summary.p50 / p50At(series, RULE_COUNTS[0]!))];
        }),
      })),
      notes: [],
    },
    checks: quick ? [] : checks,
    raw: Object.fromEntries([...bySeries].map(([kind, counts]) => [kind, Object.fromEntries(counts)])),
  };
}
