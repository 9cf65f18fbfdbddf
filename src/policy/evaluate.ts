/**
 * Evaluation: a pure function of a compiled policy and an event, so the same inputs always give the
 * same decision, whether in the Worker, in `npm run policies -- test`, or in a property test.
 *
 * Combination, over the rules whose scope contains the event:
 * - deny overrides allow: one enforced deny (allowed_tenants) makes `allowed` false;
 * - an enforced protect rule wins over every automatic termination: `protected`, no `terminate`, no
 *   `deadline` (an explicit hangup is a different event kind, which protect does not decide);
 * - of several enforced terminations, the first by TERMINATION_PRECEDENCE, then document order;
 * - `deadline` is the earliest enforced max_duration or calling_hours deadline still ahead, independent
 *   of `terminate`;
 * - shadow rules are reported in `matched` and change nothing else.
 *
 * The rules that judge calls together (concurrency, velocity) decide with `counts`, read beforehand
 * for the counters `countersFor` (./counters.ts) names; without its count such a rule is not judged.
 */
import { judgeCallingHours } from "./calling-hours";
import { candidateRules, ruleApplies, type CompiledPolicy, type CompiledRule } from "./compile";
import { judgeCounted, judgeDestinations } from "./judge-traffic";
import type { Counts, Decision, EventKind, Firing, MatchedRule, PolicyEvent, RuleKind } from "./types";

export function evaluate(policy: CompiledPolicy | null, event: PolicyEvent, counts?: Counts): Decision {
  return policy ? decide(policy, event, candidateRules(policy, event), counts) : noPolicyDecision(event.kind);
}

/** No policy published: everything is allowed, and the decision says so with a null version. */
export function noPolicyDecision(kind: EventKind): Decision {
  return { kind, allowed: true, policy_version: null, matched: [], terminate: null, deadline: null, protected: false };
}

/**
 * The decision from `rules`, given in document order: any superset of the rules that apply will do,
 * because each is checked in full here. The index (./compile.ts) only keeps that set small.
 */
export function decide(policy: CompiledPolicy, event: PolicyEvent, rules: Iterable<CompiledRule>, counts?: Counts): Decision {
  const matched: MatchedRule[] = [];
  for (const rule of rules) {
    if (!ruleApplies(rule, event)) continue;
    const fired = fire(rule, event, counts);
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

/** What the rule asks for this event, or null when it has nothing to say about it. */
function fire(rule: CompiledRule, event: PolicyEvent, counts: Counts | undefined): Firing | null {
  switch (rule.kind) {
    case "allowed_tenants":
      return rule.tenants.has(event.tenant)
        ? null
        : // Decisions are shown to the tenant (403, evaluate, its call's record): the list would name others.
          { effect: "deny", detail: `Tenant ${event.tenant} is not among the tenants this rule allows.` };

    case "max_duration": {
      const limitMs = rule.maxSeconds * 1000;
      // From the answer when the gateway knows it: ringing is not talking.
      const from = event.call?.answered_at ?? event.call?.started_at ?? "";
      const deadlineAt = new Date(Date.parse(from) + limitMs);
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

    case "destinations":
      return judgeDestinations(rule, event);

    case "concurrency":
    case "velocity":
      return judgeCounted(rule, event, counts);

    case "calling_hours":
      return judgeCallingHours(rule.window, rule.shadow, event);
  }
}

/**
 * The reason a termination is named by when several hold: fraud first, whatever else holds; then what
 * the call is (its destination), how it came (velocity, concurrency), and last the clock.
 */
const TERMINATION_PRECEDENCE: Record<RuleKind, number> = {
  fraud_flags: 0,
  destinations: 1,
  velocity: 2,
  concurrency: 3,
  calling_hours: 4,
  max_duration: 5,
  allowed_tenants: 9,
  protect: 9,
};

function firstTermination(enforced: readonly MatchedRule[]): MatchedRule | undefined {
  const terminations = enforced.filter((rule) => rule.effect === "terminate");
  // Array.prototype.sort is stable: rules of the same kind stay in document order.
  terminations.sort((a, b) => TERMINATION_PRECEDENCE[a.kind] - TERMINATION_PRECEDENCE[b.kind]);
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
