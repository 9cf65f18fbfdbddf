/**
 * Evaluation: a pure function of a compiled policy and an event, so the same inputs always give the
 * same decision, whether in the Worker, in `npm run policies -- test`, or in a property test.
 *
 * Combination, over the rules whose scope contains the event:
 * - deny overrides allow: one enforced deny (allowed_tenants) makes `allowed` false;
 * - an enforced protect rule wins over every automatic termination: `protected`, no `terminate`, no
 *   `deadline` (an explicit hangup is a different event kind, which protect does not decide);
 * - of several enforced terminations, fraud_flags comes before max_duration, then document order;
 * - `deadline` is the earliest enforced max_duration deadline still ahead, independent of `terminate`;
 * - shadow rules are reported in `matched` and change nothing else.
 */
import { candidateRules, ruleApplies, type CompiledPolicy, type CompiledRule } from "./compile";
import type { Decision, EventKind, MatchedRule, PolicyEvent, RuleKind } from "./types";

export function evaluate(policy: CompiledPolicy | null, event: PolicyEvent): Decision {
  return policy ? decide(policy, event, candidateRules(policy, event)) : noPolicyDecision(event.kind);
}

/** No policy published: everything is allowed, and the decision says so with a null version. */
export function noPolicyDecision(kind: EventKind): Decision {
  return { kind, allowed: true, policy_version: null, matched: [], terminate: null, deadline: null, protected: false };
}

/**
 * The decision from `rules`, given in document order: any superset of the rules that apply will do,
 * because each is checked in full here. The index (./compile.ts) only keeps that set small.
 */
export function decide(policy: CompiledPolicy, event: PolicyEvent, rules: Iterable<CompiledRule>): Decision {
  const matched: MatchedRule[] = [];
  for (const rule of rules) {
    if (!ruleApplies(rule, event)) continue;
    const fired = fire(rule, event);
    if (fired) matched.push({ id: rule.id, kind: rule.kind, shadow: rule.shadow, ...fired });
  }

  const enforced = matched.filter((rule) => !rule.shadow);
  const isProtected = enforced.some((rule) => rule.effect === "protect");
  const termination = isProtected ? undefined : firstTermination(enforced);
  return {
    kind: event.kind,
    allowed: !enforced.some((rule) => rule.effect === "deny"),
    policy_version: policy.version,
    matched,
    terminate: termination ? { rule: termination.id, reason: `policy:${termination.id}` } : null,
    deadline: isProtected ? null : earliestDeadline(enforced),
    protected: isProtected,
  };
}

type Firing = Pick<MatchedRule, "effect" | "detail" | "deadline">;

/** What the rule asks for this event, or null when it has nothing to say about it. */
function fire(rule: CompiledRule, event: PolicyEvent): Firing | null {
  switch (rule.kind) {
    case "allowed_tenants":
      return rule.tenants.has(event.tenant)
        ? null
        : // Decisions are shown to the tenant (403, evaluate, its call's record): the list would name others.
          { effect: "deny", detail: `Tenant ${event.tenant} is not among the tenants this rule allows.` };

    case "max_duration": {
      const limitMs = rule.maxSeconds * 1000;
      const deadlineAt = new Date(Date.parse(event.call?.started_at ?? "") + limitMs);
      if (Number.isNaN(deadlineAt.getTime())) return null; // no usable start time: nothing to measure
      const deadline = deadlineAt.toISOString();
      // At the deadline itself the call is over its time: an alarm set for the deadline must terminate.
      if (event.now >= deadlineAt.getTime()) {
        const lasted = Math.floor((event.now - deadlineAt.getTime() + limitMs) / 1000);
        return { effect: "terminate", deadline, detail: `The call has lasted ${lasted} s, reaching the maximum of ${rule.maxSeconds} s at ${deadline}.` };
      }
      return { effect: "schedule", deadline, detail: `The call may last until ${deadline} (maximum ${rule.maxSeconds} s).` };
    }

    case "fraud_flags": {
      const flagged = (event.call?.flags ?? []).filter((flag) => rule.flags.has(flag.toLowerCase()));
      return flagged.length ? { effect: "terminate", detail: `The call carries the fraud flag${flagged.length > 1 ? "s" : ""} ${flagged.join(", ")}.` } : null;
    }

    case "protect": {
      const to = event.call?.to;
      const prefix = to === undefined ? undefined : rule.toPrefixes.find((candidate) => to.startsWith(candidate));
      return prefix === undefined ? null : { effect: "protect", detail: `The destination ${to} starts with the protected prefix ${prefix}.` };
    }
  }
}

/** Fraud is a reason to hang up now whatever else holds, so it is named before an exceeded duration. */
const TERMINATION_PRECEDENCE: Partial<Record<RuleKind, number>> = { fraud_flags: 0, max_duration: 1 };

function firstTermination(enforced: readonly MatchedRule[]): MatchedRule | undefined {
  const terminations = enforced.filter((rule) => rule.effect === "terminate");
  // Array.prototype.sort is stable: rules of the same kind stay in document order.
  terminations.sort((a, b) => (TERMINATION_PRECEDENCE[a.kind] ?? 9) - (TERMINATION_PRECEDENCE[b.kind] ?? 9));
  return terminations[0];
}

function earliestDeadline(enforced: readonly MatchedRule[]): string | null {
  let earliest: string | null = null;
  for (const rule of enforced) {
    // ISO-8601 strings from toISOString compare as their instants do.
    if (rule.effect === "schedule" && rule.deadline && (earliest === null || rule.deadline < earliest)) earliest = rule.deadline;
  }
  return earliest;
}
