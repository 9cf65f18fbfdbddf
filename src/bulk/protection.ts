/**
 * Which selected calls a bulk hangup must skip: those an enforced `protect` rule of the active policy
 * covers (the same decision, kind "call", that keeps them from automatic termination).
 */
import type { CompiledPolicy } from "../policy/compile";
import { evaluate } from "../policy/evaluate";
import type { Decision } from "../policy/types";
import type { SelectedCall } from "./selection";

export function isProtected(policy: CompiledPolicy | null, tenant: string, call: SelectedCall, now: number): boolean {
  if (!policy) return false;
  return evaluate(policy, {
    kind: "call",
    tenant,
    connection: call.connection,
    provider: call.provider,
    call: {
      call_id: call.call_id,
      ...(call.started_at ? { started_at: call.started_at } : {}),
      ...(call.to_number ? { to: call.to_number } : {}),
      flags: JSON.parse(call.flags) as string[],
    },
    now,
  }).protected;
}

/** The tenant's hangup decision on one connection: a denied one stops the bulk hangup (403). */
export function hangupDecision(policy: CompiledPolicy | null, tenant: string, connection: string, provider: string, now: number): Decision {
  return evaluate(policy, { kind: "hangup", tenant, connection, provider, now });
}
