/**
 * The counters as the rest of the gateway uses them. The call's Durable Object, for a call event:
 *
 *   const needs = countersFor(policy, event);             // src/policy/counters.ts, pure
 *   const counts = await acquireCounts(env, call, needs); // takes its places (idempotent), one round trip
 *   const decision = evaluate(policy, event, counts);     // pure
 *   …store `needs` as the places it holds; when the call ends by any path: releaseCounts(env, call, held)
 *
 * `POST /v1/policies/evaluate` uses `readCounts`, which takes nothing. All counters of one event are
 * asked in parallel: one object round trip, whatever the number of rules.
 */
import { policyCounterObject } from "../objects";
import type { CounterNeed } from "../policy/counters";
import type { Counts } from "../policy/types";
import type { CounterSpec, Holder } from "./counter-store";

export type { Holder } from "./counter-store";

const specOf = (need: CounterNeed): CounterSpec => (need.window_ms === undefined ? { kind: need.kind } : { kind: need.kind, window_ms: need.window_ms });

/**
 * Takes the call's place in every counter it needs and answers the counts to evaluate with. Idempotent
 * per call (tenant, connection, call id): a re-evaluation, a retry, or the same registration twice,
 * counts the call once and answers the same place. Throws when a counter cannot be reached; then some
 * places may be held, which is safe: trying again takes none twice, and releasing frees them.
 */
export async function acquireCounts(env: Env, holder: Holder, needs: readonly CounterNeed[]): Promise<Counts> {
  const counts = await Promise.all(needs.map((need) => policyCounterObject(env, need).acquire(holder, specOf(need))));
  return Object.fromEntries(needs.map((need, i) => [need.rule, counts[i]!]));
}

/**
 * Frees the call's places (idempotent: freeing twice, or what was never taken, does nothing). Throws
 * when a counter cannot be reached: the caller tries again until it succeeds.
 */
export async function releaseCounts(env: Env, holder: Holder, needs: readonly CounterNeed[]): Promise<void> {
  await Promise.all(needs.map((need) => policyCounterObject(env, need).release(holder, specOf(need))));
}

/**
 * The counts an evaluation would see, changing none: the call's own place when `holder` holds one,
 * else a new call's (the live calls + 1, the registrations of the window + 1). A counter that cannot be
 * reached is left out, so its rule says it was not judged.
 */
export async function readCounts(env: Env, needs: readonly CounterNeed[], holder: Holder | null = null): Promise<Counts> {
  const read = await Promise.allSettled(needs.map((need) => policyCounterObject(env, need).peek(holder, specOf(need))));
  return Object.fromEntries(needs.flatMap((need, i) => (read[i]!.status === "fulfilled" ? [[need.rule, read[i]!.value]] : [])));
}

const sameCounter = (a: CounterNeed, b: CounterNeed) => a.kind === b.kind && a.rule === b.rule && a.key === b.key;

/**
 * The places a call holds that its latest evaluation no longer needs (the policy changed, a rule went):
 * to release, so that they stop counting against others.
 */
export function placesNoLongerNeeded(held: readonly CounterNeed[], needs: readonly CounterNeed[]): CounterNeed[] {
  return held.filter((place) => !needs.some((need) => sameCounter(place, need)));
}
