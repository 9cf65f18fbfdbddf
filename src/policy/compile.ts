/**
 * Compiling a policy happens once per version (see ./active.ts), so evaluating an event stays cheap
 * however many rules the document holds: rules are indexed by the event kind they apply to and by one
 * scope they declare, and an event only looks at the rules filed under its own tenant, connection and
 * provider, plus the rules scoped nowhere.
 */
import type { EventKind, PolicyEvent, RuleKind } from "./types";
import type { PolicyDocument, PolicyRule } from "./schema";
import { WEEKDAYS } from "./schema-traffic";

/** Which events each rule kind can decide: the call-watching kinds say nothing about an explicit hangup. */
const EVENT_KINDS_OF_RULE: Record<RuleKind, readonly EventKind[]> = {
  allowed_tenants: ["hangup", "call"],
  max_duration: ["call"],
  fraud_flags: ["call"],
  protect: ["call"],
  destinations: ["call"],
  concurrency: ["call"],
  calling_hours: ["call"],
  velocity: ["call"],
};

/** A rule's `match`; null in a field means "any". */
export interface RuleScope {
  tenants: ReadonlySet<string> | null;
  connections: ReadonlySet<string> | null;
  providers: ReadonlySet<string> | null;
}

interface CompiledRuleCommon {
  id: string;
  /** Place in the document: decisions list rules, and break ties, in document order. */
  position: number;
  /** The rule or the whole document is in shadow mode. */
  shadow: boolean;
  scope: RuleScope;
}

export type CompiledRule = CompiledRuleCommon &
  (
    | { kind: "allowed_tenants"; tenants: ReadonlySet<string> }
    | { kind: "max_duration"; maxSeconds: number }
    | { kind: "fraud_flags"; flags: ReadonlySet<string> }
    | { kind: "protect"; toPrefixes: readonly string[] }
    | { kind: "destinations"; deny: DestinationList | null; allow: DestinationList | null }
    | { kind: "concurrency"; maxLive: number; per: "tenant" | "connection" | "to_country" | "from" }
    | { kind: "calling_hours"; window: CallingWindow }
    | { kind: "velocity"; maxCalls: number; windowSeconds: number; per: "to" | "from" }
  );

/** A `deny` or `allow` list: number prefixes, and countries of the numbering plan. */
export interface DestinationList {
  prefixes: readonly string[];
  countries: ReadonlySet<string>;
}

/** A calling_hours rule's window, in minutes of the local day. */
export interface CallingWindow {
  /** An IANA zone, or "destination": the called number's country's. */
  zone: string;
  from: number;
  until: number;
  /** Weekdays (0 = Sunday) the window opens on; null: every day. */
  days: ReadonlySet<number> | null;
  /** As the document wrote it, for details: "08:00–21:00 (mon, tue)". */
  label: string;
}

/** Rules filed under one key of one dimension; each list is in document order. */
interface RuleIndex {
  byTenant: Map<string, CompiledRule[]>;
  byConnection: Map<string, CompiledRule[]>;
  byProvider: Map<string, CompiledRule[]>;
  everywhere: CompiledRule[];
}

export interface CompiledPolicy {
  version: string;
  /** Every rule, in document order. */
  rules: readonly CompiledRule[];
  index: Record<EventKind, RuleIndex>;
}

export function compilePolicy(document: PolicyDocument, version: string): CompiledPolicy {
  const documentInShadow = document.mode === "shadow";
  const rules = document.rules.map((rule, position) => compileRule(rule, position, documentInShadow));
  return { version, rules, index: { hangup: buildIndex(rules, "hangup"), call: buildIndex(rules, "call") } };
}

function compileRule(rule: PolicyRule, position: number, documentInShadow: boolean): CompiledRule {
  const common: CompiledRuleCommon = {
    id: rule.id,
    position,
    shadow: documentInShadow || rule.mode === "shadow",
    scope: {
      tenants: setOrAny(rule.match?.tenants),
      connections: setOrAny(rule.match?.connections),
      providers: setOrAny(rule.match?.providers),
    },
  };
  switch (rule.kind) {
    case "allowed_tenants":
      return { ...common, kind: rule.kind, tenants: new Set(rule.tenants) };
    case "max_duration":
      return { ...common, kind: rule.kind, maxSeconds: rule.max_seconds };
    case "fraud_flags":
      return { ...common, kind: rule.kind, flags: new Set(rule.flags) };
    case "protect":
      return { ...common, kind: rule.kind, toPrefixes: rule.to_prefixes };
    case "destinations":
      return { ...common, kind: rule.kind, deny: destinationList(rule.deny), allow: destinationList(rule.allow) };
    case "concurrency":
      return { ...common, kind: rule.kind, maxLive: rule.max_live, per: rule.per };
    case "calling_hours":
      return { ...common, kind: rule.kind, window: callingWindow(rule) };
    case "velocity":
      return { ...common, kind: rule.kind, maxCalls: rule.max_calls, windowSeconds: rule.window_seconds, per: rule.per };
  }
}

function destinationList(entries: readonly string[] | undefined): DestinationList | null {
  if (!entries) return null;
  const countries = entries.filter((entry) => entry.startsWith("country:")).map((entry) => entry.slice("country:".length));
  return { prefixes: entries.filter((entry) => entry.startsWith("+")), countries: new Set(countries) };
}

function callingWindow(rule: Extract<PolicyRule, { kind: "calling_hours" }>): CallingWindow {
  const minutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
  return {
    zone: rule.time_zone,
    from: minutes(rule.from),
    until: minutes(rule.until),
    days: rule.days ? new Set(rule.days.map((day) => WEEKDAYS.indexOf(day))) : null,
    label: `${rule.from}–${rule.until}${rule.days ? ` (${rule.days.join(", ")})` : ""}`,
  };
}

function setOrAny(values: readonly string[] | undefined): ReadonlySet<string> | null {
  return values ? new Set(values) : null;
}

/**
 * Files each rule under one dimension only — tenants if it names any, else connections, else
 * providers, else everywhere — so an event never meets the same rule twice.
 */
function buildIndex(rules: readonly CompiledRule[], eventKind: EventKind): RuleIndex {
  const index: RuleIndex = { byTenant: new Map(), byConnection: new Map(), byProvider: new Map(), everywhere: [] };
  for (const rule of rules) {
    if (!EVENT_KINDS_OF_RULE[rule.kind].includes(eventKind)) continue;
    const { tenants, connections, providers } = rule.scope;
    if (tenants) fileUnder(index.byTenant, tenants, rule);
    else if (connections) fileUnder(index.byConnection, connections, rule);
    else if (providers) fileUnder(index.byProvider, providers, rule);
    else index.everywhere.push(rule);
  }
  return index;
}

function fileUnder(buckets: Map<string, CompiledRule[]>, keys: ReadonlySet<string>, rule: CompiledRule): void {
  for (const key of keys) {
    const bucket = buckets.get(key);
    if (bucket) bucket.push(rule);
    else buckets.set(key, [rule]);
  }
}

/**
 * The rules that may apply to the event, in document order: a superset of the matching ones, since
 * each is filed under one dimension only and the others are checked by `ruleApplies`.
 */
export function candidateRules(
  policy: CompiledPolicy,
  event: Pick<PolicyEvent, "kind" | "tenant" | "connection" | "provider">,
): readonly CompiledRule[] {
  const index = policy.index[event.kind];
  const lists = [
    index.byTenant.get(event.tenant),
    index.byConnection.get(event.connection),
    index.byProvider.get(event.provider),
    index.everywhere,
  ].filter((list): list is CompiledRule[] => list !== undefined && list.length > 0);
  if (lists.length <= 1) return lists[0] ?? [];
  return lists.flat().sort((a, b) => a.position - b.position);
}

/** The full test: the rule decides this kind of event and its scope contains the event. */
export function ruleApplies(rule: CompiledRule, event: Pick<PolicyEvent, "kind" | "tenant" | "connection" | "provider">): boolean {
  const { tenants, connections, providers } = rule.scope;
  return (
    EVENT_KINDS_OF_RULE[rule.kind].includes(event.kind) &&
    (!tenants || tenants.has(event.tenant)) &&
    (!connections || connections.has(event.connection)) &&
    (!providers || providers.has(event.provider))
  );
}
