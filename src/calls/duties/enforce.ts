/**
 * What the watch and the automatic retry both do: judge the watched call under the policy in force now,
 * store the judgement (or only remember it, when it changed nothing), and hang the call up if it says so.
 */
import { loadActivePolicy } from "../../policy/active";
import { judge } from "../judge";
import { watchedRegistration } from "../stored-call";
import type { DutyContext } from "./duty";

/** `waitForRetry`: a failed automatic hangup waiting for its retry is not hurried, unless the call brought news. */
export async function judgeAndEnforce(ctx: DutyContext, options: { waitForRetry: boolean }): Promise<void> {
  if (!watchedRegistration(ctx.call())) return;
  const policy = await loadActivePolicy(ctx.env);
  const now = Date.now();
  // Read again after the await: a round or an end may have come in meanwhile.
  const judged = judge(ctx.call(), policy, now);
  if (!judged) return;
  const call = judged.changed ? ctx.save(judged.call) : ctx.remember(judged.call);
  const terminate = judged.decision.terminate;
  if (!terminate) return;
  if (options.waitForRetry && !ctx.news && call.retry && Date.parse(call.retry.next_at) > now) return;
  await ctx.hangUp({ source: "policy", reason: terminate.reason, decision: judged.decision });
}
