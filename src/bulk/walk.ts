/**
 * Walks a bulk hangup's whole selection through the index, page by page, sorting each call into
 * hang-up or protected, and noting each connection's hangup decision: the dry run's answer and the
 * job's snapshot are the same walk.
 */
import type { CompiledPolicy } from "../policy/compile";
import type { Decision } from "../policy/types";
import { hangupDecision, isProtected } from "./protection";
import { selectionQuery, type BulkCriteria, type SelectedCall } from "./selection";

const PAGE = 1_000;

export interface Target {
  connection: string;
  call_id: string;
  provider: string;
}

export interface WalkResult {
  targets: Target[];
  protected: Target[];
  /** The first connection whose hangup decision is a deny, if any. */
  denied: Decision | null;
}

export async function walkSelection(
  env: Env,
  tenant: string,
  criteria: BulkCriteria,
  policy: CompiledPolicy | null,
  now: number,
  createdUpTo?: string,
): Promise<WalkResult> {
  const result: WalkResult = { targets: [], protected: [], denied: null };
  const decided = new Set<string>();
  let after: SelectedCall | null = null;
  for (;;) {
    const { sql, params } = selectionQuery(tenant, criteria, after, PAGE, createdUpTo);
    const { results } = await env.CALL_INDEX_DB.prepare(sql).bind(...params).all<SelectedCall>();
    for (const call of results) {
      if (!decided.has(call.connection)) {
        decided.add(call.connection);
        const decision = hangupDecision(policy, tenant, call.connection, call.provider, now);
        if (!decision.allowed && !result.denied) result.denied = decision;
      }
      const target = { connection: call.connection, call_id: call.call_id, provider: call.provider };
      (isProtected(policy, tenant, call, now) ? result.protected : result.targets).push(target);
    }
    if (results.length < PAGE) return result;
    after = results[results.length - 1] ?? null;
  }
}
