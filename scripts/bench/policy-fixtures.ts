/**
 * Policy documents of any size that look like a real gateway's, and the events the benchmarks ask them
 * about. A real document grows with its tenants: a few rules hold everywhere or per provider, and the
 * rest are each tenant's own (`match.tenants`). So however large the document, the benchmark tenant
 * meets the same handful of rules, and a good evaluator's cost should not grow with the rules that
 * concern other tenants. Every document passes the gateway's own validation (checked where it is used).
 */
import type { PolicyDocument, PolicyRule } from "../../src/policy/schema";
import type { Counts, PolicyEvent } from "../../src/policy/types";

export const BENCH_TENANT = "bench";
/** Hangups go to Plivo; registrations and Twilio's events to two Twilio connections watching every call. */
export const BENCH_CONNECTION = "plivo-main";
export const EVENTS_CONNECTION = "twilio-all";
/** The one connection of the benchmark tenant under a counted rule (a concurrency cap none reaches). */
export const CAPPED_CONNECTION = "twilio-capped";

/** Each other tenant's own rules, of every kind, cycled through in this order: the n-th rule of the document's tenant rules. */
const TENANT_RULES: ((n: number) => Omit<PolicyRule, "id" | "match" | "mode">)[] = [
  (n) => ({ kind: "max_duration", max_seconds: 600 + (n % 50) * 60 }),
  (n) => ({ kind: "fraud_flags", flags: ["irsf", `flag-${n % 7}`] }),
  (n) => ({ kind: "protect", to_prefixes: [`+${1 + (n % 9)}${100 + (n % 900)}`] }),
  (n) => ({ kind: "destinations", deny: [`+${1 + (n % 9)}9${n % 100}`, "country:KP"] }),
  (n) => ({ kind: "concurrency", max_live: 10 + (n % 90), per: n % 2 ? "tenant" : "to_country" }),
  (n) => ({ kind: "calling_hours", time_zone: n % 2 ? "Europe/Paris" : "destination", from: "08:00", until: "20:00", days: ["mon", "tue", "wed", "thu", "fri"] }),
  (n) => ({ kind: "velocity", max_calls: 5 + (n % 20), window_seconds: 600, per: "to" }),
  (n) => ({ kind: "max_duration", max_seconds: 1200 + (n % 50) * 60 }),
];
/** One tenant rule in this many is in shadow mode (being tried out before it is enforced). */
const SHADOW_EVERY = 5;

function otherTenant(n: number): string {
  return `t${String(n).padStart(5, "0")}`;
}

/** The rules that hold beyond one tenant, and the benchmark tenant's own: what its events meet. */
function sharedRules(tenants: string[]): PolicyRule[] {
  return [
    { id: "one-hour-max", kind: "max_duration", max_seconds: 3600 },
    { id: "fraud", kind: "fraud_flags", flags: ["irsf", "wangiri", "simbox"] },
    { id: "emergency", kind: "protect", to_prefixes: ["+1911", "+44999", "+91112", "+112"] },
    { id: "known-tenants", kind: "allowed_tenants", tenants, match: { providers: ["plivo", "twilio", "telnyx"] } },
    { id: "bench-short-calls", kind: "max_duration", max_seconds: 1800, match: { tenants: [BENCH_TENANT] }, mode: "shadow" },
    { id: "bench-premium", kind: "fraud_flags", flags: ["premium-rate"], match: { tenants: [BENCH_TENANT], connections: [BENCH_CONNECTION] } },
    { id: "premium-ranges", kind: "destinations", deny: ["+4470", "+881", "country:CU"], match: { providers: ["twilio"] } },
    { id: "bench-trunk-cap", kind: "concurrency", max_live: 1_000_000, per: "connection", match: { tenants: [BENCH_TENANT], connections: [CAPPED_CONNECTION] } },
    { id: "bench-quiet-hours", kind: "calling_hours", time_zone: "destination", from: "08:00", until: "21:00", match: { tenants: [BENCH_TENANT], providers: ["twilio"] }, mode: "shadow" },
    { id: "pumping", kind: "velocity", max_calls: 20, window_seconds: 3600, per: "to", match: { connections: ["twilio-eu"] } },
  ];
}

function tenantRule(tenant: string, n: number): PolicyRule {
  const shadow = n % SHADOW_EVERY === 0 ? { mode: "shadow" as const } : {};
  return { ...TENANT_RULES[n % TENANT_RULES.length]!(n), id: `${tenant}-${n % TENANT_RULES.length}`, match: { tenants: [tenant] }, ...shadow } as PolicyRule;
}

/** A document of exactly `ruleCount` rules: the shared ones first, then other tenants' own. */
export function realisticPolicy(ruleCount: number): PolicyDocument {
  const tenantRuleCount = Math.max(0, ruleCount - sharedRules([]).length);
  const tenants = Array.from({ length: Math.ceil(tenantRuleCount / TENANT_RULES.length) }, (_, i) => otherTenant(i + 1));
  const rules = sharedRules([BENCH_TENANT, ...tenants]).slice(0, ruleCount);
  for (let n = 0; n < tenantRuleCount; n++) rules.push(tenantRule(tenants[Math.floor(n / TENANT_RULES.length)]!, n));
  return { description: `Benchmark policy: ${ruleCount} rules, most of them other tenants' own.`, rules };
}

const NOW = Date.parse("2026-05-03T12:00:00Z");
const DESTINATIONS = ["+442071838750", "+14155550100", "+1911", "+919876543210", "+447012345678", "+5352345678"];
const FLAG_SETS: string[][] = [[], [], ["IRSF"], ["premium-rate"], ["vip"]];
const CALL_AGES_S = [30, 900, 2000, 4000];

/**
 * What the evaluation benchmark asks about: explicit hangups; registered calls on Plivo, which meet the
 * kinds that judge one call; and registered calls on Twilio connections, which meet the kinds that judge
 * where, when and how many (destinations, calling_hours, concurrency, velocity), with the counts given.
 */
export const EVALUATION_SERIES = ["hangup", "call", "call (destinations, hours, counts)"] as const;
export type EvaluationSeries = (typeof EVALUATION_SERIES)[number];

/** Events of the benchmark tenant, varied so that every rule kind of the series fires for some of them; and the counts each is judged with. */
export function benchEvents(series: EvaluationSeries, count: number): { event: PolicyEvent; counts: Counts }[] {
  const counted = series === "call (destinations, hours, counts)";
  return Array.from({ length: count }, (_, i): { event: PolicyEvent; counts: Counts } => ({
    event: {
      kind: series === "hangup" ? "hangup" : "call",
      tenant: BENCH_TENANT,
      connection: counted ? [CAPPED_CONNECTION, "twilio-eu"][i % 2]! : BENCH_CONNECTION,
      provider: counted ? "twilio" : "plivo",
      call: {
        call_id: `call-${i}`,
        ...(series === "hangup"
          ? {}
          : { started_at: new Date(NOW - CALL_AGES_S[i % CALL_AGES_S.length]! * 1000).toISOString(), from: "+14155550199", to: DESTINATIONS[i % DESTINATIONS.length]!, flags: FLAG_SETS[i % FLAG_SETS.length]! }),
      },
      now: NOW,
    },
    counts: counted ? { "bench-trunk-cap": i % 10 === 9 ? 1_000_001 : 1 + (i % 7), pumping: 1 + ((i * 7) % 30) } : {},
  }));
}
