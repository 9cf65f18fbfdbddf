/**
 * Which counts an event needs, before it is evaluated: the first phase of evaluating the rules that
 * judge calls together (`concurrency`, `velocity`). Pure: it names the counters; src/counters/ holds
 * them, and `evaluate(policy, event, counts)` decides with what they answered.
 *
 * A counter is one rule's count for one value of what it counts by (its `key`): the live calls of a
 * tenant, a connection, a destination country or a calling number; the registrations for one number.
 */
import { candidateRules, ruleApplies, type CompiledPolicy, type CompiledRule } from "./compile";
import { countryOf } from "./numbering";
import type { PolicyEvent } from "./types";

export type CounterKind = "concurrency" | "velocity";

/** One counter an event needs. Its identity is (kind, rule, key); `window_ms` is velocity's window. */
export interface CounterNeed {
  kind: CounterKind;
  rule: string;
  /** What is counted apart, e.g. "connection:acme/main", "to_country:JM", "to:+18765550100". */
  key: string;
  window_ms?: number;
}

type CountedRule = Extract<CompiledRule, { kind: CounterKind }>;

/** The counter of a counted rule for this event, in words for details; or why the rule cannot judge it. */
export type CounterKey = { kind: "counted"; key: string; label: string } | { kind: "not_judged"; why: string };

export function counterKey(rule: CountedRule, event: PolicyEvent): CounterKey {
  const number = (field: "to" | "from") => event.call?.[field];
  switch (rule.per) {
    case "tenant":
      return { kind: "counted", key: `tenant:${event.tenant}`, label: `for tenant ${event.tenant}` };
    case "connection":
      // Connection ids are the tenant's own: two tenants' "main" are different trunks.
      return { kind: "counted", key: `connection:${event.tenant}/${event.connection}`, label: `on connection ${event.connection}` };
    case "to_country": {
      const to = number("to");
      if (to === undefined) return { kind: "not_judged", why: "the call has no `to` number to take a country from" };
      const country = countryOf(to);
      return country === null ? { kind: "not_judged", why: `the destination ${to} belongs to no country` } : { kind: "counted", key: `to_country:${country}`, label: `to ${country}` };
    }
    case "to":
    case "from": {
      const value = number(rule.per);
      return value === undefined
        ? { kind: "not_judged", why: `the call has no \`${rule.per}\` number` }
        : { kind: "counted", key: `${rule.per}:${value}`, label: `${rule.per} ${value}` };
    }
  }
}

/**
 * The counters this event needs, one per counted rule that applies to it and can judge it (enforced
 * or shadow: shadow rules count too). Hangup events need none.
 */
export function countersFor(policy: CompiledPolicy | null, event: PolicyEvent): CounterNeed[] {
  if (!policy || event.kind !== "call") return [];
  const needs: CounterNeed[] = [];
  for (const rule of candidateRules(policy, event)) {
    if ((rule.kind !== "concurrency" && rule.kind !== "velocity") || !ruleApplies(rule, event)) continue;
    const key = counterKey(rule, event);
    if (key.kind === "not_judged") continue;
    needs.push(rule.kind === "velocity" ? { kind: rule.kind, rule: rule.id, key: key.key, window_ms: rule.windowSeconds * 1000 } : { kind: rule.kind, rule: rule.id, key: key.key });
  }
  return needs;
}
