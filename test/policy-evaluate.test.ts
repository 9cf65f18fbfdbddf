/**
 * The evaluator: every rule kind, their combinations, shadow mode and scoping, then properties over
 * random documents and events — the index decides as the every-rule evaluation does, deny overrides
 * allow, and shadow rules never change an outcome.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy, type CompiledPolicy } from "../src/policy/compile";
import { evaluate } from "../src/policy/evaluate";
import { evaluateNaive } from "../src/policy/naive";
import { validatePolicy, type PolicyDocument, type PolicyRule } from "../src/policy/schema";
import type { Decision, PolicyEvent } from "../src/policy/types";

const VERSION = "sha256:0123456789abcdef";
const NOW = Date.parse("2026-01-01T12:00:00Z");

function compile(document: unknown): CompiledPolicy {
  const validation = validatePolicy(document);
  if (validation.kind === "invalid") throw new Error(`invalid test policy: ${JSON.stringify(validation.errors)}`);
  return compilePolicy(validation.document, VERSION);
}

function hangupEvent(overrides: Partial<PolicyEvent> = {}): PolicyEvent {
  return { kind: "hangup", tenant: "acme", connection: "main", provider: "twilio", now: NOW, ...overrides };
}

/** A registered call that started `ageSeconds` before NOW. */
function callEvent(ageSeconds: number, call: PolicyEvent["call"] = {}, overrides: Partial<PolicyEvent> = {}): PolicyEvent {
  return {
    kind: "call",
    tenant: "acme",
    connection: "main",
    provider: "twilio",
    now: NOW,
    call: { started_at: new Date(NOW - ageSeconds * 1000).toISOString(), ...call },
    ...overrides,
  };
}

const at = (secondsFromNow: number) => new Date(NOW + secondsFromNow * 1000).toISOString();
const ids = (decision: Decision) => decision.matched.map((rule) => rule.id);

describe("no policy", () => {
  it("allows everything and says no version decided", () => {
    expect(evaluate(null, hangupEvent())).toEqual({
      kind: "hangup",
      allowed: true,
      policy_version: null,
      matched: [],
      terminate: null,
      deadline: null,
      protected: false,
    });
    expect(evaluate(null, callEvent(10)).allowed).toBe(true);
  });

  it("an empty document allows everything, with its version", () => {
    const decision = evaluate(compile({ rules: [] }), hangupEvent());
    expect(decision).toMatchObject({ allowed: true, policy_version: VERSION, matched: [] });
  });
});

describe("allowed_tenants", () => {
  const policy = compile({ rules: [{ id: "known", kind: "allowed_tenants", tenants: ["acme", "globex"] }] });

  it("a listed tenant is allowed and the rule is not reported", () => {
    expect(evaluate(policy, hangupEvent())).toMatchObject({ allowed: true, matched: [] });
  });

  it("any other tenant is denied, for a hangup and for a call registration", () => {
    for (const event of [hangupEvent({ tenant: "mallory" }), callEvent(5, {}, { tenant: "mallory" })]) {
      const decision = evaluate(policy, event);
      expect(decision.allowed).toBe(false);
      expect(decision.matched).toEqual([
        { id: "known", kind: "allowed_tenants", effect: "deny", shadow: false, detail: "Tenant mallory is not among the tenants this rule allows." },
      ]);
    }
  });

  it("denies only where its match applies", () => {
    const scoped = compile({ rules: [{ id: "carriers", kind: "allowed_tenants", tenants: ["acme"], match: { providers: ["twilio"] } }] });
    expect(evaluate(scoped, hangupEvent({ tenant: "trial", provider: "twilio" })).allowed).toBe(false);
    expect(evaluate(scoped, hangupEvent({ tenant: "trial", provider: "sandbox" })).allowed).toBe(true);
  });

  it("the detail names no tenant but the one decided about (decisions are shown to that tenant)", () => {
    const tenants = Array.from({ length: 8 }, (_, i) => `t${i}`);
    const decision = evaluate(compile({ rules: [{ id: "many", kind: "allowed_tenants", tenants }] }), hangupEvent());
    expect(decision.matched[0]?.detail).toBe("Tenant acme is not among the tenants this rule allows.");
    for (const other of tenants) expect(JSON.stringify(decision)).not.toContain(other);
  });
});

describe("max_duration", () => {
  const policy = compile({ rules: [{ id: "hour", kind: "max_duration", max_seconds: 3600 }] });

  it("schedules a call still within its time at started_at + max_seconds", () => {
    const decision = evaluate(policy, callEvent(600));
    expect(decision).toMatchObject({ allowed: true, terminate: null, deadline: at(3000), protected: false });
    expect(decision.matched).toEqual([
      { id: "hour", kind: "max_duration", effect: "schedule", shadow: false, deadline: at(3000), detail: `The call may last until ${at(3000)} (maximum 3600 s).` },
    ]);
  });

  it("terminates a call at its deadline exactly, and after it", () => {
    for (const age of [3600, 7200]) {
      const decision = evaluate(policy, callEvent(age));
      expect(decision.terminate).toEqual({ rule: "hour", reason: "policy:hour" });
      expect(decision.deadline).toBeNull();
      expect(decision.matched[0]).toMatchObject({ effect: "terminate", deadline: at(3600 - age) });
    }
    expect(evaluate(policy, callEvent(7200)).matched[0]?.detail).toBe(`The call has lasted 7200 s, reaching the maximum of 3600 s at ${at(-3600)}.`);
  });

  it("says nothing without a usable started_at, or about an explicit hangup", () => {
    expect(evaluate(policy, { ...callEvent(0), call: {} }).matched).toEqual([]);
    expect(evaluate(policy, callEvent(0, { started_at: "yesterday" })).matched).toEqual([]);
    expect(evaluate(policy, hangupEvent({ call: { started_at: at(-7200) } })).matched).toEqual([]);
  });

  it("the decision's deadline is the earliest of the enforced deadlines", () => {
    const two = compile({
      rules: [
        { id: "hour", kind: "max_duration", max_seconds: 3600 },
        { id: "five-minutes", kind: "max_duration", max_seconds: 300 },
      ],
    });
    const decision = evaluate(two, callEvent(60));
    expect(decision.deadline).toBe(at(240));
    expect(ids(decision)).toEqual(["hour", "five-minutes"]);
  });
});

describe("fraud_flags", () => {
  const policy = compile({ rules: [{ id: "fraud", kind: "fraud_flags", flags: ["irsf", "wangiri"] }] });

  it("terminates at once a call carrying any listed flag", () => {
    const decision = evaluate(policy, callEvent(1, { flags: ["spam", "wangiri"] }));
    expect(decision.terminate).toEqual({ rule: "fraud", reason: "policy:fraud" });
    expect(decision.matched).toEqual([{ id: "fraud", kind: "fraud_flags", effect: "terminate", shadow: false, detail: "The call carries the fraud flag wangiri." }]);
  });

  it("compares the call's flags case-insensitively", () => {
    expect(evaluate(policy, callEvent(1, { flags: ["IRSF"] })).terminate?.rule).toBe("fraud");
  });

  it("says nothing about a call without those flags, or about an explicit hangup", () => {
    expect(evaluate(policy, callEvent(1, { flags: ["spam"] })).matched).toEqual([]);
    expect(evaluate(policy, hangupEvent({ call: { flags: ["irsf"] } })).matched).toEqual([]);
  });
});

describe("protect", () => {
  const policy = compile({
    rules: [
      { id: "hour", kind: "max_duration", max_seconds: 3600 },
      { id: "fraud", kind: "fraud_flags", flags: ["irsf"] },
      { id: "emergency", kind: "protect", to_prefixes: ["+1911", "+44999"] },
    ],
  });

  it("a protected call is never terminated automatically: no terminate, no deadline", () => {
    const decision = evaluate(policy, callEvent(7200, { to: "+44999", flags: ["irsf"] }));
    expect(decision).toMatchObject({ allowed: true, protected: true, terminate: null, deadline: null });
    expect(ids(decision)).toEqual(["hour", "fraud", "emergency"]);
    expect(decision.matched[2]?.detail).toBe("The destination +44999 starts with the protected prefix +44999.");
  });

  it("other destinations are not protected", () => {
    expect(evaluate(policy, callEvent(7200, { to: "+4420794600" }))).toMatchObject({ protected: false, terminate: { rule: "hour" } });
    expect(evaluate(policy, callEvent(7200)).protected).toBe(false);
  });

  it("never blocks an explicit hangup", () => {
    expect(evaluate(policy, hangupEvent({ call: { to: "+1911" } }))).toMatchObject({ allowed: true, protected: false, matched: [] });
  });

  it("does not protect from a deny", () => {
    const withDeny = compile({
      rules: [
        { id: "only-globex", kind: "allowed_tenants", tenants: ["globex"] },
        { id: "emergency", kind: "protect", to_prefixes: ["+1911"] },
      ],
    });
    expect(evaluate(withDeny, callEvent(1, { to: "+1911" }))).toMatchObject({ allowed: false, protected: true });
  });
});

describe("several terminations", () => {
  it("fraud comes before an exceeded duration, wherever it is in the document", () => {
    const policy = compile({
      rules: [
        { id: "hour", kind: "max_duration", max_seconds: 3600 },
        { id: "fraud", kind: "fraud_flags", flags: ["irsf"] },
      ],
    });
    expect(evaluate(policy, callEvent(7200, { flags: ["irsf"] })).terminate).toEqual({ rule: "fraud", reason: "policy:fraud" });
  });

  it("within a kind, the first in document order", () => {
    const policy = compile({
      rules: [
        { id: "long", kind: "max_duration", max_seconds: 3600 },
        { id: "short", kind: "max_duration", max_seconds: 60 },
        { id: "fraud-a", kind: "fraud_flags", flags: ["wangiri"] },
        { id: "fraud-b", kind: "fraud_flags", flags: ["irsf"] },
      ],
    });
    expect(evaluate(policy, callEvent(7200)).terminate?.rule).toBe("long");
    expect(evaluate(policy, callEvent(7200, { flags: ["irsf", "wangiri"] })).terminate?.rule).toBe("fraud-a");
  });

  it("an exceeded duration terminates while a later deadline is still reported", () => {
    const policy = compile({
      rules: [
        { id: "long", kind: "max_duration", max_seconds: 3600 },
        { id: "short", kind: "max_duration", max_seconds: 60 },
      ],
    });
    expect(evaluate(policy, callEvent(120))).toMatchObject({ terminate: { rule: "short" }, deadline: at(3480) });
  });
});

describe("shadow mode", () => {
  it("a shadow rule is reported with shadow: true and changes nothing", () => {
    const policy = compile({
      rules: [
        { id: "deny-all", kind: "allowed_tenants", tenants: ["nobody"], mode: "shadow" },
        { id: "fraud", kind: "fraud_flags", flags: ["irsf"], mode: "shadow" },
        { id: "minute", kind: "max_duration", max_seconds: 60, mode: "shadow" },
        { id: "emergency", kind: "protect", to_prefixes: ["+1911"], mode: "shadow" },
      ],
    });
    const decision = evaluate(policy, callEvent(30, { to: "+1911", flags: ["irsf"] }));
    expect(decision).toMatchObject({ allowed: true, terminate: null, deadline: null, protected: false });
    expect(decision.matched.map((rule) => [rule.id, rule.effect, rule.shadow])).toEqual([
      ["deny-all", "deny", true],
      ["fraud", "terminate", true],
      ["minute", "schedule", true],
      ["emergency", "protect", true],
    ]);
  });

  it("a shadow protect rule does not protect", () => {
    const policy = compile({
      rules: [
        { id: "fraud", kind: "fraud_flags", flags: ["irsf"] },
        { id: "emergency", kind: "protect", to_prefixes: ["+1911"], mode: "shadow" },
      ],
    });
    expect(evaluate(policy, callEvent(1, { to: "+1911", flags: ["irsf"] }))).toMatchObject({ protected: false, terminate: { rule: "fraud" } });
  });

  it("a document in shadow puts every rule in shadow, even one that says enforce", () => {
    const policy = compile({
      mode: "shadow",
      rules: [
        { id: "deny-all", kind: "allowed_tenants", tenants: ["nobody"], mode: "enforce" },
        { id: "fraud", kind: "fraud_flags", flags: ["irsf"] },
      ],
    });
    const decision = evaluate(policy, callEvent(1, { flags: ["irsf"] }));
    expect(decision).toMatchObject({ allowed: true, terminate: null, policy_version: VERSION });
    expect(decision.matched.every((rule) => rule.shadow)).toBe(true);
    expect(ids(decision)).toEqual(["deny-all", "fraud"]);
  });
});

describe("match scoping", () => {
  const policy = compile({
    rules: [
      { id: "everywhere", kind: "fraud_flags", flags: ["a"] },
      { id: "tenant", kind: "fraud_flags", flags: ["a"], match: { tenants: ["acme", "globex"] } },
      { id: "connection", kind: "fraud_flags", flags: ["a"], match: { connections: ["main"] } },
      { id: "provider", kind: "fraud_flags", flags: ["a"], match: { providers: ["plivo"] } },
      { id: "all-three", kind: "fraud_flags", flags: ["a"], match: { tenants: ["acme"], connections: ["backup"], providers: ["twilio"] } },
    ],
  });
  const flagged = (overrides: Partial<PolicyEvent>) => ids(evaluate(policy, callEvent(1, { flags: ["a"] }, overrides)));

  it("each field narrows, any entry of a list matches, and matches are in document order", () => {
    expect(flagged({})).toEqual(["everywhere", "tenant", "connection"]);
    expect(flagged({ tenant: "globex", provider: "plivo" })).toEqual(["everywhere", "tenant", "connection", "provider"]);
    expect(flagged({ tenant: "trial", connection: "backup" })).toEqual(["everywhere"]);
  });

  it("every field given must match", () => {
    expect(flagged({ connection: "backup" })).toEqual(["everywhere", "tenant", "all-three"]);
    expect(flagged({ connection: "backup", provider: "plivo" })).toEqual(["everywhere", "tenant", "provider"]);
  });

  it("scopes every rule kind", () => {
    const scoped = compile({
      rules: [
        { id: "deny", kind: "allowed_tenants", tenants: ["nobody"], match: { connections: ["main"] } },
        { id: "minute", kind: "max_duration", max_seconds: 60, match: { tenants: ["acme"] } },
        { id: "protect", kind: "protect", to_prefixes: ["+1"], match: { providers: ["sandbox"] } },
      ],
    });
    expect(ids(evaluate(scoped, callEvent(1, { to: "+14155550100" })))).toEqual(["deny", "minute"]);
    expect(ids(evaluate(scoped, callEvent(1, { to: "+14155550100" }, { tenant: "globex", connection: "backup", provider: "sandbox" })))).toEqual(["protect"]);
  });
});

// ---- Properties over random documents and events --------------------------------------------------

const TENANTS = ["acme", "globex", "trial", "demo"];
const CONNECTIONS = ["main", "backup", "eu"];
const PROVIDERS = ["sandbox", "twilio", "plivo"] as const;
const FLAGS = ["irsf", "wangiri", "spam"];
const PREFIXES = ["+1911", "+44999", "+4420", "+1"];
const NUMBERS = ["+19115550100", "+449991", "+442079460000", "+14155550100", "+33123456789"];

const someOf = <T>(values: readonly T[]) => fc.subarray([...values], { minLength: 1 });

const matchArb = fc.record(
  { tenants: someOf(TENANTS), connections: someOf(CONNECTIONS), providers: someOf(PROVIDERS) },
  { requiredKeys: [] },
);

/** A rule without its id (ids are given by position, so they are unique). */
const ruleBodyArb = fc
  .tuple(
    fc.oneof(
      fc.record({ kind: fc.constant("allowed_tenants" as const), tenants: someOf(TENANTS) }),
      fc.record({ kind: fc.constant("max_duration" as const), max_seconds: fc.integer({ min: 1, max: 7200 }) }),
      fc.record({ kind: fc.constant("fraud_flags" as const), flags: someOf(FLAGS) }),
      fc.record({ kind: fc.constant("protect" as const), to_prefixes: someOf(PREFIXES) }),
    ),
    fc.option(matchArb, { nil: undefined }),
    fc.constantFrom(undefined, "enforce" as const, "shadow" as const),
  )
  .map(([body, match, mode]) => ({ ...body, ...(match ? { match } : {}), ...(mode ? { mode } : {}) }));

type RuleBody = Omit<PolicyRule, "id">;

const withIds = (bodies: RuleBody[], prefix = "r"): PolicyRule[] => bodies.map((body, i) => ({ ...body, id: `${prefix}${i}` }) as PolicyRule);

const documentArb = fc
  .tuple(fc.array(ruleBodyArb, { maxLength: 10 }), fc.constantFrom(undefined, "enforce" as const, "shadow" as const))
  .map(([bodies, mode]): PolicyDocument => ({ rules: withIds(bodies as RuleBody[]), ...(mode ? { mode } : {}) }));

const eventArb: fc.Arbitrary<PolicyEvent> = fc
  .record({
    kind: fc.constantFrom("hangup" as const, "call" as const),
    tenant: fc.constantFrom(...TENANTS, "mallory"),
    connection: fc.constantFrom(...CONNECTIONS),
    provider: fc.constantFrom(...PROVIDERS),
    ageSeconds: fc.option(fc.integer({ min: 0, max: 8000 }), { nil: undefined }),
    to: fc.option(fc.constantFrom(...NUMBERS), { nil: undefined }),
    flags: fc.option(fc.subarray([...FLAGS, "IRSF", "other"]), { nil: undefined }),
  })
  .map(({ ageSeconds, to, flags, ...event }) => ({
    ...event,
    now: NOW,
    call: {
      ...(ageSeconds === undefined ? {} : { started_at: new Date(NOW - ageSeconds * 1000).toISOString() }),
      ...(to ? { to } : {}),
      ...(flags ? { flags } : {}),
    },
  }));

type Match = NonNullable<PolicyRule["match"]>;

/** The match, each of its fields widened so that it contains the event. */
function widenedToContain(match: Match, event: PolicyEvent): Match {
  return {
    ...(match.tenants ? { tenants: [...match.tenants, event.tenant] } : {}),
    ...(match.connections ? { connections: [...match.connections, event.connection] } : {}),
    ...(match.providers ? { providers: [...match.providers, event.provider as (typeof PROVIDERS)[number]] } : {}),
  };
}

const outcome = ({ allowed, terminate, deadline, protected: isProtected }: Decision) => ({ allowed, terminate, deadline, protected: isProtected });
const run = (document: PolicyDocument, event: PolicyEvent) => evaluate(compilePolicy(document, VERSION), event);

describe("properties", () => {
  it("generated documents are valid (so the properties speak of real policies)", () => {
    fc.assert(fc.property(documentArb, (document) => validatePolicy(document).kind === "valid"));
  });

  it("the index decides exactly as evaluating every rule does", () => {
    fc.assert(
      fc.property(documentArb, eventArb, (document, event) => {
        const policy = compilePolicy(document, VERSION);
        expect(evaluate(policy, event)).toEqual(evaluateNaive(policy, event));
      }),
      { numRuns: 500 },
    );
  });

  it("deny overrides allow: adding an enforced rule that denies the event makes it not allowed", () => {
    fc.assert(
      fc.property(documentArb, eventArb, fc.nat(), fc.option(matchArb, { nil: undefined }), (document, event, at, match) => {
        const enforcedDocument = { ...document, mode: undefined };
        const denying = {
          id: "added-deny",
          kind: "allowed_tenants" as const,
          tenants: TENANTS.filter((tenant) => tenant !== event.tenant),
          ...(match ? { match: widenedToContain(match, event) } : {}),
        };
        const rules = [...enforcedDocument.rules];
        rules.splice(at % (rules.length + 1), 0, denying);
        expect(run({ ...enforcedDocument, rules }, event).allowed).toBe(false);
      }),
    );
  });

  it("turning rules to shadow changes no outcome compared with leaving them out", () => {
    fc.assert(
      fc.property(documentArb, eventArb, fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }), (document, event, toShadow) => {
        const shadowed = document.rules.map((rule, i) => (toShadow[i] ? { ...rule, mode: "shadow" as const } : rule));
        const remaining = document.rules.filter((_, i) => !toShadow[i]);
        expect(outcome(run({ ...document, rules: shadowed }, event))).toEqual(outcome(run({ ...document, rules: remaining }, event)));
      }),
    );
  });

  it("adding shadow rules anywhere changes no outcome", () => {
    fc.assert(
      fc.property(documentArb, eventArb, fc.array(ruleBodyArb, { minLength: 1, maxLength: 5 }), fc.nat(), (document, event, extra, at) => {
        const added = withIds(extra as RuleBody[], "shadow").map((rule) => ({ ...rule, mode: "shadow" as const }));
        const rules = [...document.rules];
        rules.splice(at % (rules.length + 1), 0, ...added);
        const decision = run({ ...document, rules }, event);
        expect(outcome(decision)).toEqual(outcome(run(document, event)));
        expect(decision.matched.filter((rule) => rule.id.startsWith("shadow")).every((rule) => rule.shadow)).toBe(true);
      }),
    );
  });

  it("a document in shadow decides as no policy at all", () => {
    fc.assert(
      fc.property(documentArb, eventArb, (document, event) => {
        expect(outcome(run({ ...document, mode: "shadow" }, event))).toEqual(outcome(evaluate(null, event)));
      }),
    );
  });
});
