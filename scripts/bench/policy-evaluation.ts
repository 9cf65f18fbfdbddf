/**
 * Policy evaluation in node, on the gateway's own pure functions (src/policy): the cost of one decision
 * with 1 to 10,000 rules, for the indexed evaluator the gateway uses and, in the same run, the naive one
 * that checks every rule. A decision takes about a microsecond, close to what reading the clock costs,
 * so decisions are timed in batches long enough to dwarf the clock (each sample is one batch's time per
 * decision; p99 is over those samples), after a warm-up that lets V8 optimise each.
 *
 * Every (rule count, evaluator) pair takes turns of a few milliseconds, round after round, so whatever
 * else the machine does falls on all of them alike: measured one rule count after the other, a busy
 * minute once made 10,000 rules look 1.9× slower than 10. Turns, not single batches: the naive evaluator
 * walks every rule and flushes the CPU caches, which made the indexed one look 60% slower at 10,000
 * rules when the two alternated batch by batch (3.1 µs alone, 5.0 µs alternating).
 */
import { compilePolicy, candidateRules, type CompiledPolicy } from "../../src/policy/compile";
import { evaluate } from "../../src/policy/evaluate";
import { evaluateNaive } from "../../src/policy/naive";
import { validatePolicy } from "../../src/policy/schema";
import type { Decision, EventKind, PolicyEvent } from "../../src/policy/types";
import { benchEvents, realisticPolicy } from "./policy-fixtures";
import { kib, ms, times, us, type BudgetCheck, type Measurement } from "./report";
import { elapsedMs, summarize, type Summary } from "./stats";

const RULE_COUNTS = [1, 10, 100, 1_000, 10_000];
const EVENT_KINDS: EventKind[] = ["hangup", "call"];
/** Distinct events cycled through, so no single branch is all the optimiser sees. */
const EVENTS_PER_KIND = 40;
/** Each timed batch lasts at least this long: hrtime itself costs some 50 ns. */
const MIN_BATCH_NS = 20_000;
const MIN_SAMPLES = 10;
/** How long each (rule count, evaluator) pair runs before the next takes its turn. */
const TURN_MS = 20;

/** `budgetMs` is per event kind, shared by all ten pairs. */
const SETTINGS = {
  full: { warmupMs: 100, budgetMs: 3_000, maxSamples: 5_000, compileRepeats: 5 },
  quick: { warmupMs: 10, budgetMs: 50, maxSamples: 100, compileRepeats: 1 },
};
type Settings = (typeof SETTINGS)["full"];

/** The goal: a decision in at most 10 µs (median) with 1,000 rules... */
const MEDIAN_BUDGET_US = 10;
const BUDGET_RULE_COUNT = 1_000;
/** ...and near-flat growth: from 10 rules (the tenant's whole rule set) to 10,000, at most this factor. */
const FLAT_FROM_RULES = 10;
const FLATNESS_LIMIT = 2;

type Evaluator = (policy: CompiledPolicy | null, event: PolicyEvent) => Decision;
const EVALUATORS = { indexed: evaluate, naive: evaluateNaive } satisfies Record<string, Evaluator>;
type EvaluatorName = keyof typeof EVALUATORS;

/** Written by every timed loop and checked at the end, so the optimiser cannot drop the work. */
let sink = 0;

function timeBatchNs(evaluator: Evaluator, policy: CompiledPolicy, events: PolicyEvent[], batch: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) sink += evaluator(policy, events[i % events.length]!).matched.length;
  return Number(process.hrtime.bigint() - start) / batch;
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

/** The evaluators must agree before their speeds are compared: otherwise the comparison means nothing. */
function assertSameDecisions(policy: CompiledPolicy, events: PolicyEvent[], ruleCount: number): void {
  for (const event of events) {
    const indexed = JSON.stringify(evaluate(policy, event));
    const naive = JSON.stringify(evaluateNaive(policy, event));
    if (indexed !== naive) throw new Error(`policy evaluators disagree with ${ruleCount} rules on ${JSON.stringify(event)}:\n${indexed}\n${naive}`);
  }
}

interface KindResult {
  kind: EventKind;
  candidates: number;
  matched: number;
  batch: Record<EvaluatorName, number>;
  perDecisionUs: Record<EvaluatorName, Summary>;
}

interface RuleCountResult {
  ruleCount: number;
  documentBytes: number;
  validateMs: number;
  compileMs: number;
  kinds: KindResult[];
}

interface Prepared {
  ruleCount: number;
  documentBytes: number;
  validateMs: number;
  compileMs: number;
  policy: CompiledPolicy;
}

function timeMs(repeats: number, run: () => unknown): number {
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    run();
    samples.push(elapsedMs(start, process.hrtime.bigint()));
  }
  return summarize(samples).p50;
}

/** The document of `ruleCount` rules, validated and compiled (each timed), and both evaluators checked to agree on it. */
function prepare(ruleCount: number, settings: Settings): Prepared {
  const document = realisticPolicy(ruleCount);
  const validation = validatePolicy(document);
  if (!validation.ok) throw new Error(`the ${ruleCount}-rule benchmark policy is not valid: ${JSON.stringify(validation.errors.slice(0, 3))}`);
  const validateMs = timeMs(settings.compileRepeats, () => validatePolicy(document));
  const compileMs = timeMs(settings.compileRepeats, () => compilePolicy(validation.document, "bench"));
  const policy = compilePolicy(validation.document, "bench");
  for (const kind of EVENT_KINDS) assertSameDecisions(policy, benchEvents(kind, EVENTS_PER_KIND), ruleCount);
  return { ruleCount, documentBytes: Buffer.byteLength(JSON.stringify(document)), validateMs, compileMs, policy };
}

interface Contender {
  prepared: Prepared;
  name: EvaluatorName;
  batch: number;
  samplesNs: number[];
}

/** Every rule count with both evaluators, taking turns on one kind of event; one result per rule count. */
function measureKind(prepared: Prepared[], kind: EventKind, settings: Settings): KindResult[] {
  const events = benchEvents(kind, EVENTS_PER_KIND);
  const contenders: Contender[] = prepared.flatMap((entry) =>
    (Object.keys(EVALUATORS) as EvaluatorName[]).map((name) => ({
      prepared: entry,
      name,
      batch: warmUp(EVALUATORS[name], entry.policy, events, settings.warmupMs),
      samplesNs: [],
    })),
  );
  const turn = ({ prepared: { policy }, name, batch, samplesNs }: Contender): void => {
    const turnStart = process.hrtime.bigint();
    do samplesNs.push(timeBatchNs(EVALUATORS[name], policy, events, batch));
    while (samplesNs.length < settings.maxSamples && elapsedMs(turnStart, process.hrtime.bigint()) < TURN_MS);
  };
  const start = process.hrtime.bigint();
  while (
    contenders.some((c) => c.samplesNs.length < MIN_SAMPLES) ||
    (elapsedMs(start, process.hrtime.bigint()) < settings.budgetMs && contenders.some((c) => c.samplesNs.length < settings.maxSamples))
  ) {
    for (const contender of contenders) turn(contender);
  }

  const toUs = (samples: number[]) => summarize(samples.map((ns) => ns / 1000));
  return prepared.map((entry) => {
    const of = (name: EvaluatorName) => contenders.find((c) => c.prepared === entry && c.name === name)!;
    return {
      kind,
      candidates: candidateRules(entry.policy, events[0]!).length,
      matched: evaluate(entry.policy, events[0]!).matched.length,
      batch: { indexed: of("indexed").batch, naive: of("naive").batch },
      perDecisionUs: { indexed: toUs(of("indexed").samplesNs), naive: toUs(of("naive").samplesNs) },
    };
  });
}

function budgetChecks(results: RuleCountResult[]): BudgetCheck[] {
  const median = (ruleCount: number, kind: EventKind) =>
    results.find((r) => r.ruleCount === ruleCount)!.kinds.find((k) => k.kind === kind)!.perDecisionUs.indexed.p50;
  return EVENT_KINDS.flatMap((kind) => {
    const atBudget = median(BUDGET_RULE_COUNT, kind);
    const growth = median(RULE_COUNTS.at(-1)!, kind) / median(FLAT_FROM_RULES, kind);
    return [
      {
        name: `policy decision (${kind}), median at ${BUDGET_RULE_COUNT.toLocaleString("en-US")} rules`,
        budget: `≤ ${MEDIAN_BUDGET_US} µs`,
        measured: `${us(atBudget / 1000)} µs`,
        pass: atBudget <= MEDIAN_BUDGET_US,
      },
      {
        name: `policy decision (${kind}), growth from ${FLAT_FROM_RULES} to ${RULE_COUNTS.at(-1)!.toLocaleString("en-US")} rules`,
        budget: `≤ ${times(FLATNESS_LIMIT)}`,
        measured: times(growth),
        pass: growth <= FLATNESS_LIMIT,
      },
    ];
  });
}

export function measurePolicyEvaluation(quick: boolean): Measurement {
  const settings = quick ? SETTINGS.quick : SETTINGS.full;
  const prepared = RULE_COUNTS.map((ruleCount) => prepare(ruleCount, settings));
  const byKind = EVENT_KINDS.map((kind) => measureKind(prepared, kind, settings));
  const results: RuleCountResult[] = prepared.map(({ policy: _policy, ...entry }, i) => ({ ...entry, kinds: byKind.map((kindResults) => kindResults[i]!) }));
  if (!Number.isFinite(sink)) throw new Error("unreachable: keeps the timed work observable");

  const decisionTable = (kind: EventKind) => ({
    header: [`rules (${kind} event)`, "rules looked at (indexed)", "rules matched", "indexed p50 µs", "indexed p99 µs", "naive p50 µs", "naive p99 µs", "naive ÷ indexed (p50)"],
    rows: results.map((result) => {
      const k = result.kinds.find((entry) => entry.kind === kind)!;
      const { indexed, naive } = k.perDecisionUs;
      return [
        result.ruleCount.toLocaleString("en-US"),
        String(k.candidates),
        String(k.matched),
        us(indexed.p50 / 1000),
        us(indexed.p99 / 1000),
        us(naive.p50 / 1000),
        us(naive.p99 / 1000),
        times(naive.p50 / indexed.p50),
      ];
    }),
  });

  return {
    section: {
      title: "Policy evaluation (node, src/policy)",
      lead:
        `One decision for the benchmark tenant, indexed (\`evaluate\`, what the gateway runs) against naive (\`evaluateNaive\`, every rule in order), ` +
        `same process; every (rule count, evaluator) pair takes ${TURN_MS} ms turns, round after round, so all share the machine's weather. Documents from \`scripts/bench/policy-fixtures.ts\`: 8 rules shared or the benchmark tenant's own, ` +
        `the rest other tenants' own (\`match.tenants\`). Each sample is a batch of decisions lasting ≥ ${MIN_BATCH_NS / 1000} µs, timed with ` +
        `\`process.hrtime.bigint()\` after a warm-up; p50/p99 are over those batch means, so p99 shows slow batches (GC), not single slow decisions. ` +
        `Both evaluators are checked to give identical decisions first.`,
      tables: [
        decisionTable("hangup"),
        decisionTable("call"),
        {
          header: ["rules", "document", "validate (zod) ms", "compile ms"],
          rows: results.map((r) => [r.ruleCount.toLocaleString("en-US"), kib(r.documentBytes), ms(r.validateMs), ms(r.compileMs)]),
        },
      ],
      notes: [
        "`hangup` events are decided on every `POST /v1/calls/{id}/hangup`; `call` events (registration, signals, alarms) meet every rule kind.",
        "Validation and compilation happen once per published version (publish, and an isolate's first read of a new version), never per request.",
      ],
    },
    checks: quick ? [] : budgetChecks(results),
    raw: results,
  };
}
