/**
 * The reference evaluation: every rule of the document, no index. Tests check that `evaluate` (which
 * looks only at the rules indexed for the event) decides exactly as this does.
 */
import type { CompiledPolicy } from "./compile";
import { decide, noPolicyDecision } from "./evaluate";
import type { Counts, Decision, PolicyEvent } from "./types";

export function evaluateNaive(policy: CompiledPolicy | null, event: PolicyEvent, counts?: Counts): Decision {
  return policy ? decide(policy, event, policy.rules, counts) : noPolicyDecision(event.kind);
}
