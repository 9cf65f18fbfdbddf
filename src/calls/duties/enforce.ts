/**
 * What the watch and the automatic retry both do: judge the watched call under the policy in force now —
 * taking its places in the policy's counters first (concurrency, velocity: idempotent, so a re-check never
 * counts the call twice) — store the judgement (or only remember it, when it changed nothing), and hang
 * the call up if it says so.
 */
import { acquireCounts, placesNoLongerNeeded, releaseCounts } from "../../counters/client";
import { loadActivePolicy } from "../../policy/active";
import { countersFor, type CounterNeed } from "../../policy/counters";
import type { Counts } from "../../policy/types";
import { judge, watchEvent } from "../judge";
import { watchedRegistration, type StoredCall } from "../stored-call";
import type { DutyContext } from "./duty";

const holderOf = (call: StoredCall) => ({ tenant: call.tenant, connection: call.connection, call_id: call.call_id });

/** Takes the places the call needs now, and frees those it no longer needs (the policy changed). */
async function takePlaces(ctx: DutyContext, needs: CounterNeed[]): Promise<Counts> {
  const call = ctx.call();
  const stale = placesNoLongerNeeded(call.places, needs);
  const fresh = placesNoLongerNeeded(needs, call.places);
  // Written before they are taken: a crash between the two leaves no place the call does not know of.
  if (fresh.length) ctx.save({ ...call, places: [...call.places, ...fresh] });
  let counts: Counts = {};
  try {
    if (needs.length) counts = await acquireCounts(ctx.env, holderOf(call), needs);
  } catch {
    // A counter that cannot be reached: its rule says it did not judge the call (`skip`); the next look tries again.
  }
  if (stale.length) {
    try {
      await releaseCounts(ctx.env, holderOf(call), stale);
      ctx.save({ ...ctx.call(), places: placesNoLongerNeeded(ctx.call().places, stale) });
    } catch {
      // Kept, and freed with the rest when the call ends.
    }
  }
  return counts;
}

/** `waitForRetry`: a failed automatic hangup waiting for its retry is not hurried, unless the call brought news. */
export async function judgeAndEnforce(ctx: DutyContext, options: { waitForRetry: boolean }): Promise<void> {
  if (!watchedRegistration(ctx.call())) return;
  const policy = await loadActivePolicy(ctx.env);
  const counts = await takePlaces(ctx, countersFor(policy, watchEvent(ctx.call(), Date.now())));
  const now = Date.now();
  // Read again after the awaits: a round or an end may have come in meanwhile.
  const judged = judge(ctx.call(), policy, now, counts);
  if (!judged) return;
  const call = judged.changed ? ctx.save(judged.call) : ctx.remember(judged.call);
  const terminate = judged.decision.terminate;
  if (!terminate) return;
  if (options.waitForRetry && !ctx.news && call.retry && Date.parse(call.retry.next_at) > now) return;
  await ctx.hangUp({ source: "policy", reason: terminate.reason, decision: judged.decision });
}
