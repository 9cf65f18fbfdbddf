/**
 * Policy evaluation in node, on the gateway's own pure functions (src/policy): the cost of one decision
 * with 1 to 10,000 rules, for the indexed evaluator the gateway uses and, as the reference, the naive one
 * that checks every rule (tests check that both decide alike). A decision takes about a microsecond,
 * close to what reading the clock costs, so decisions are timed in batches long enough to dwarf the
 * clock (each sample is one batch's time per decision), after a warm-up that lets V8 optimise each.
 *
 * Every (rule count, evaluator) pair takes turns of a few milliseconds, round after round, so whatever
 * else the machine does falls on all of them alike: measured one rule count after the other, a busy
 * minute once made 10,000 rules look 1.9× slower than 10. Turns, not single batches: the naive evaluator
 * walks every rule and flushes the CPU caches, which made the indexed one look 60% slower at 10,000
 * rules when the two alternated batch by batch.
 */
import { candidateRules, compilePolicy, type CompiledPolicy } from "../../src/policy/compile";
import { evaluate } from "../../src/policy/evaluate";
import { evaluateNaive } from "../../src/policy/naive";
import { validatePolicy } from "../../src/policy/schema";
import type { Decision, EventKind, PolicyEvent } from "../../src/policy/types";
import { benchEvents, realisticPolicy } from "./policy-fixtures";
import { times, us, type BudgetCheck, type Measurement } from "./report";
import { elapsedMs, summarize, type Summary } from "../lib/stats";

const RULE_COUNTS = [10, 100, 1_000, 10_000];
const EVENT_KINDS: EventKind[] = ["hangup", "call"];
/** Distinct events cycled through, so no single branch is all the optimiser sees. */
const EVENTS_PER_KIND = 40;
/** Each timed batch lasts at least this long: hrtime itself costs some 50 ns. */
const MIN_BATCH_NS = 20_000;
const MIN_SAMPLES = 10;
/** How long each (rule count, evaluator) pair runs before the next takes its turn. */
const TURN_MS = 20;
/** `budgetMs` is per event kind, shared by every pair. */
const SETTINGS = { full: { warmupMs: 100, budgetMs: 3_000, maxSamples: 5_000 }, quick: { warmupMs: 10, budgetMs: 50, maxSamples: 100 } };

/** Issue 12's goals: a decision in at most 10 µs (median) at 1,000 rules, and at most 2× from 10 rules to 10,000. */
const MEDIAN_BUDGET_US = 10;
const FLATNESS_LIMIT = 2;

type Evaluator = (policy: CompiledPolicy | null, event: PolicyEvent) => Decision;
const EVALUATORS: [string, Evaluator][] = [
  ["indexed", evaluate],
  ["naive", evaluateNaive],
];

/** Written by every timed loop and checked at the end, so the optimiser cannot drop the work. */
let sink = 0;

interface Contender {
  ruleCount: number;
  policy: CompiledPolicy;
  evaluate: Evaluator;
  batch: number;
  samplesNs: number[];
}

/** Runs the evaluator for `warmupMs`, and answers a batch size long enough to time. */
function warmUp(evaluator: Evaluator, policy: CompiledPolicy, events: PolicyEvent[], warmupMs: number): number {
  const start = process.hrtime.bigint();
  let decisions = 0;
  while (decisions < events.length || elapsedMs(start, process.hrtime.bigint()) < warmupMs) {
    sink += evaluator(policy, events[decisions % events.length]!).matched.length;
    decisions++;
  }
  const nsPerDecision = (elapsedMs(start, process.hrtime.bigint()) * 1e6) / decisions;
  return Math.max(1, Math.ceil(MIN_BATCH_NS / nsPerDecision));
}

/** Per decision, in µs, for each rule count: [indexed, naive]. */
function measureKind(policies: Map<number, CompiledPolicy>, kind: EventKind, settings: (typeof SETTINGS)["full"]): Map<number, Summary[]> {
  const events = benchEvents(kind, EVENTS_PER_KIND);
  const contenders: Contender[] = [...policies].flatMap(([ruleCount, policy]) =>
    EVALUATORS.map(([, evaluator]) => ({ ruleCount, policy, evaluate: evaluator, batch: warmUp(evaluator, policy, events, settings.warmupMs), samplesNs: [] })),
  );
  const turn = ({ policy, evaluate: evaluator, batch, samplesNs }: Contender): void => {
    const turnStart = process.hrtime.bigint();
    do {
      const start = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) sink += evaluator(policy, events[i % events.length]!).matched.length;
      samplesNs.push(Number(process.hrtime.bigint() - start) / batch);
    } while (samplesNs.length < settings.maxSamples && elapsedMs(turnStart, process.hrtime.bigint()) < TURN_MS);
  };
  const start = process.hrtime.bigint();
  while (
    contenders.some((c) => c.samplesNs.length < MIN_SAMPLES) ||
    (elapsedMs(start, process.hrtime.bigint()) < settings.budgetMs && contenders.some((c) => c.samplesNs.length < settings.maxSamples))
  ) {
    for (const contender of contenders) turn(contender);
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
  const byKind = new Map(EVENT_KINDS.map((kind) => [kind, measureKind(policies, kind, settings)]));
  if (!Number.isFinite(sink)) throw new Error("unreachable: keeps the timed work observable");
  const indexedP50 = (kind: EventKind, ruleCount: number) => byKind.get(kind)!.get(ruleCount)![0]!.p50;

  const checks: BudgetCheck[] = EVENT_KINDS.flatMap((kind) => {
    const atThousand = indexedP50(kind, 1_000);
    const growth = indexedP50(kind, 10_000) / indexedP50(kind, 10);
    return [
      { name: `policy decision (${kind}), median at 1,000 rules`, budget: `≤ ${MEDIAN_BUDGET_US} µs`, measured: `${us(atThousand)} µs`, pass: atThousand <= MEDIAN_BUDGET_US },
      { name: `policy decision (${kind}), growth from 10 to 10,000 rules`, budget: `≤ ${times(FLATNESS_LIMIT)}`, measured: times(growth), pass: growth <= FLATNESS_LIMIT },
    ];
  });

  return {
    section: {
      title: "Policy evaluation (node, src/policy)",
      lead:
        "One decision for the benchmark tenant, indexed (`evaluate`, what the gateway runs) against naive (`evaluateNaive`, every rule in order), " +
        `in one process, every (rule count, evaluator) pair taking ${TURN_MS} ms turns. Documents from \`scripts/bench/policy-fixtures.ts\`: 8 rules ` +
        "shared or the benchmark tenant's own, the rest other tenants' own (`match.tenants`). Each sample is a batch of decisions lasting " +
        `≥ ${MIN_BATCH_NS / 1000} µs after a warm-up; p50/p99 are over those batch means.`,
      tables: EVENT_KINDS.map((kind) => ({
        header: [`rules (${kind} event)`, "rules looked at (indexed)", "indexed p50 µs", "indexed p99 µs", "naive p50 µs", "naive ÷ indexed (p50)"],
        rows: RULE_COUNTS.map((ruleCount) => {
          const [indexed, naive] = byKind.get(kind)!.get(ruleCount)! as [Summary, Summary];
          const looked = candidateRules(policies.get(ruleCount)!, benchEvents(kind, 1)[0]!).length;
          return [ruleCount.toLocaleString("en-US"), String(looked), us(indexed.p50), us(indexed.p99), us(naive.p50), times(naive.p50 / indexed.p50)];
        }),
      })),
      notes: ["`hangup` events are decided on every `POST /v1/calls/{id}/hangup`; `call` events (registration, signals, alarms) meet every rule kind."],
    },
    checks: quick ? [] : checks,
    raw: Object.fromEntries([...byKind].map(([kind, counts]) => [kind, Object.fromEntries(counts)])),
  };
}
