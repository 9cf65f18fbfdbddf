/**
 * What `destinations`, `concurrency` and `velocity` rules say about a call (`calling_hours`: ./calling-hours.ts).
 * The counted kinds decide with the count they are given (./counters.ts says which): the judged call's
 * place among the live calls, or among the registrations of the window, itself included.
 */
import type { CompiledRule, DestinationList } from "./compile";
import { counterKey } from "./counters";
import { countryOf } from "./numbering";
import type { Counts, Firing, PolicyEvent } from "./types";
import { ordinal, terminateDetail } from "./wording";

type RuleOf<Kind extends CompiledRule["kind"]> = Extract<CompiledRule, { kind: Kind }>;

/** The entry of `list` the number falls under: a prefix, or "country:XX"; null for none. */
function listed(list: DestinationList, to: string, country: string | null): string | null {
  const prefix = list.prefixes.find((candidate) => to.startsWith(candidate));
  if (prefix !== undefined) return prefix;
  return country !== null && list.countries.has(country) ? `country:${country}` : null;
}

export function judgeDestinations(rule: RuleOf<"destinations">, event: PolicyEvent): Firing | null {
  const to = event.call?.to;
  if (to === undefined) return { effect: "skip", detail: "Not judged: the call has no `to` number." };
  const country = countryOf(to);
  const where = country === null ? `${to} (no country)` : `${to} (${country})`;
  const denied = rule.deny && listed(rule.deny, to, country);
  if (denied) return { effect: "terminate", detail: terminateDetail(rule.shadow, `the destination ${where} is denied by ${denied}`) };
  if (rule.allow && !listed(rule.allow, to, country)) {
    return { effect: "terminate", detail: terminateDetail(rule.shadow, `the destination ${where} is not among the allowed destinations`) };
  }
  return null;
}

export function judgeCounted(rule: RuleOf<"concurrency" | "velocity">, event: PolicyEvent, counts: Counts | undefined): Firing {
  const key = counterKey(rule, event);
  if (key.kind === "not_judged") return { effect: "skip", detail: `Not judged: ${key.why}.` };
  const count = counts?.[rule.id];
  if (count === undefined) return { effect: "skip", detail: "Not judged: its count was not read for this evaluation." };
  const [limit, what] =
    rule.kind === "concurrency"
      ? [rule.maxLive, `${ordinal(count)} live call ${key.label}`]
      : [rule.maxCalls, `${ordinal(count)} call ${key.label} registered within ${rule.windowSeconds} s`];
  return count > limit
    ? { effect: "terminate", count, detail: terminateDetail(rule.shadow, `${what}, over the limit of ${limit}`) }
    : { effect: "counted", count, detail: `${what[0]!.toUpperCase()}${what.slice(1)}, within the limit of ${limit}.` };
}
