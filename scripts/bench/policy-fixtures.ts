/**
 * Policy documents of any size that look like a real gateway's, and the events the benchmarks ask them
 * about. A real document grows with its tenants: a few rules hold everywhere or per provider, and the
 * rest are each tenant's own (`match.tenants`). So however large the document, the benchmark tenant
 * meets the same handful of rules, and a good evaluator's cost should not grow with the rules that
 * concern other tenants. Every document passes the gateway's own validation (checked where it is used).
 */
import type { PolicyDocument, PolicyRule } from "../../src/policy/schema";
import type { PolicyEvent } from "../../src/policy/types";

export const BENCH_TENANT = "bench";
export const BENCH_CONNECTION = "plivo-main";
const BENCH_PROVIDER = "plivo";

/** Each other tenant's own rules, cycled through in this order. */
const TENANT_RULE_KINDS = ["max_duration", "fraud_flags", "protect", "max_duration"] as const;
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
    { id: "eu-trunk-max", kind: "max_duration", max_seconds: 7200, match: { connections: ["plivo-eu"] } },
    { id: "twilio-fraud", kind: "fraud_flags", flags: ["toll-fraud"], match: { providers: ["twilio"] } },
  ];
}

function tenantRule(tenant: string, n: number): PolicyRule {
  const kind = TENANT_RULE_KINDS[n % TENANT_RULE_KINDS.length]!;
  const id = `${tenant}-${n % TENANT_RULE_KINDS.length}`;
  const common = { id, match: { tenants: [tenant] }, ...(n % SHADOW_EVERY === 0 ? { mode: "shadow" as const } : {}) };
  switch (kind) {
    case "max_duration":
      return { ...common, kind, max_seconds: 600 + (n % 50) * 60 };
    case "fraud_flags":
      return { ...common, kind, flags: ["irsf", `flag-${n % 7}`] };
    case "protect":
      return { ...common, kind, to_prefixes: [`+${1 + (n % 9)}${100 + (n % 900)}`] };
  }
}

/** A document of exactly `ruleCount` rules: the shared ones first, then other tenants' own. */
export function realisticPolicy(ruleCount: number): PolicyDocument {
  const sharedCount = sharedRules([]).length;
  const tenantRuleCount = Math.max(0, ruleCount - sharedCount);
  const tenants = Array.from({ length: Math.ceil(tenantRuleCount / TENANT_RULE_KINDS.length) }, (_, i) => otherTenant(i + 1));
  const rules = sharedRules([BENCH_TENANT, ...tenants]).slice(0, ruleCount);
  for (let n = 0; n < tenantRuleCount; n++) rules.push(tenantRule(tenants[Math.floor(n / TENANT_RULE_KINDS.length)]!, n));
  return { description: `Benchmark policy: ${ruleCount} rules, most of them other tenants' own.`, rules };
}

const NOW = Date.parse("2026-05-03T12:00:00Z");
const DESTINATIONS = ["+442071838750", "+14155550100", "+1911", "+919876543210"];
const FLAG_SETS: string[][] = [[], [], ["IRSF"], ["premium-rate"], ["vip"]];
const CALL_AGES_S = [30, 900, 2000, 4000];

/** Events of the benchmark tenant, varied so that every rule kind fires for some of them. */
export function benchEvents(kind: PolicyEvent["kind"], count: number): PolicyEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    kind,
    tenant: BENCH_TENANT,
    connection: BENCH_CONNECTION,
    provider: BENCH_PROVIDER,
    call:
      kind === "hangup"
        ? { call_id: `call-${i}` }
        : {
            call_id: `call-${i}`,
            started_at: new Date(NOW - CALL_AGES_S[i % CALL_AGES_S.length]! * 1000).toISOString(),
            from: "+14155550199",
            to: DESTINATIONS[i % DESTINATIONS.length]!,
            flags: FLAG_SETS[i % FLAG_SETS.length]!,
          },
    now: NOW,
  }));
}
