/**
 * The rules that decide where, when, how many and how often calls run — destinations, calling_hours,
 * concurrency, velocity — as pure functions inside workerd (its ICU, its Intl): their validation at
 * publish, the numbering plan, the destination zones, the calling window across daylight-saving
 * changes and midnight, the counters an event needs, and how they combine with shadow and protect.
 */
import { describe, expect, it } from "vitest";
import { compilePolicy, type CompiledPolicy } from "../src/policy/compile";
import { countersFor } from "../src/policy/counters";
import { DESTINATION_ZONES } from "../src/policy/destination-zones";
import { evaluate } from "../src/policy/evaluate";
import { isTimeZone } from "../src/policy/local-time";
import { evaluateNaive } from "../src/policy/naive";
import { countryOf } from "../src/policy/numbering";
import { validatePolicy } from "../src/policy/schema";
import type { Counts, PolicyEvent } from "../src/policy/types";
import { admin, expectProblem } from "./helpers";

function compile(document: unknown): CompiledPolicy {
  const validation = validatePolicy(document);
  if (validation.kind === "invalid") throw new Error(`invalid test policy: ${JSON.stringify(validation.errors)}`);
  return compilePolicy(validation.document, "sha256:0123456789abcdef");
}

function call(now: string, details: PolicyEvent["call"] = {}, overrides: Partial<PolicyEvent> = {}): PolicyEvent {
  return { kind: "call", tenant: "acme", connection: "main", provider: "twilio", now: Date.parse(now), call: details, ...overrides };
}

describe("validation at publish", () => {
  const BAD = {
    rules: [
      { id: "dest", kind: "destinations", deny: ["+882", "country:XX", "country:us", "44"] },
      { id: "dest-empty", kind: "destinations" },
      { id: "cap", kind: "concurrency", max_live: 0, per: "tenant" },
      { id: "cap-negative", kind: "concurrency", max_live: -5, per: "trunk" },
      { id: "hours", kind: "calling_hours", time_zone: "Mars/Olympus_Mons", from: "25:00", until: "21:00" },
      { id: "hours-empty", kind: "calling_hours", time_zone: "Europe/Paris", from: "08:00", until: "08:00", days: ["mon", "funday"] },
      { id: "pump", kind: "velocity", max_calls: 0, window_seconds: -1, per: "to" },
    ],
  };

  it("reports every problem with its path", () => {
    const validation = validatePolicy(BAD);
    expect(validation.kind).toBe("invalid");
    const paths = validation.kind === "invalid" ? validation.errors.map((error) => error.path) : [];
    expect(paths).toEqual([
      "rules.0.deny.1",
      "rules.0.deny.2",
      "rules.0.deny.3",
      "rules.1",
      "rules.2.max_live",
      "rules.3.max_live",
      "rules.3.per",
      "rules.4.time_zone",
      "rules.4.from",
      "rules.5.days.1",
      "rules.5.until",
      "rules.6.max_calls",
      "rules.6.window_seconds",
    ]);
    const messages = validation.kind === "invalid" ? Object.fromEntries(validation.errors.map((error) => [error.path, error.message])) : {};
    expect(messages["rules.0.deny.1"]).toMatch(/^unknown country code "XX"/);
    expect(messages["rules.4.from"]).toMatch(/HH:MM/);
    expect(messages["rules.5.until"]).toMatch(/must differ from `from`/);
  });

  it("PUT /admin/policies answers 422 with those paths and leaves the active policy as it was", async () => {
    const good = { rules: [{ id: "hours", kind: "calling_hours", time_zone: "America/New_York", from: "08:00", until: "21:00" }] };
    expect((await admin("PUT", "/admin/policies", good)).status).toBe(200);
    const problem = await expectProblem(await admin("PUT", "/admin/policies", BAD), 422, "invalid_request");
    expect((problem.errors as { path: string }[]).map((error) => error.path)).toContain("rules.4.time_zone");
    const active = await (await admin("GET", "/admin/policies")).json<{ document: unknown }>();
    expect(active.document).toEqual(good);
  });

  it("accepts IANA zones the runtime knows, and nothing else", () => {
    expect(["UTC", "America/New_York", "Asia/Kolkata", "America/Argentina/Buenos_Aires", "Etc/GMT+5"].every(isTimeZone)).toBe(true);
    expect(["Mars/Olympus_Mons", "+01:00", "EST5EDT!", ""].some(isTimeZone)).toBe(false);
  });
});

describe("the numbering plan", () => {
  it("gives a number the country its calling code and leading digits belong to", () => {
    expect(countryOf("+18765551234")).toBe("JM");
    expect(countryOf("+14155550100")).toBe("US");
    expect(countryOf("+16135550100")).toBe("CA");
    expect(countryOf("+77011234567")).toBe("KZ");
    expect(countryOf("+74951234567")).toBe("RU");
    expect(countryOf("+442071838750")).toBe("GB");
    expect(countryOf("+5372345678")).toBe("CU");
  });

  it("international networks belong to no country; a short number still has its calling code's", () => {
    expect(countryOf("+88216123456")).toBeNull();
    expect(countryOf("+883510012345")).toBeNull();
    expect(countryOf("+1")).toBeNull();
    expect(countryOf("+44770")).toBe("GB");
  });

  it("every destination zone is one this runtime knows", () => {
    const unknown = Object.entries(DESTINATION_ZONES).filter(([, zone]) => !isTimeZone(zone));
    expect(unknown).toEqual([]);
    expect(DESTINATION_ZONES).toMatchObject({ US: "America/New_York", RU: "Europe/Moscow", BR: "America/Sao_Paulo", AU: "Australia/Sydney", JM: "America/Jamaica" });
  });
});

describe("calling_hours against a fixed clock", () => {
  const NEW_YORK = compile({ rules: [{ id: "tcpa", kind: "calling_hours", time_zone: "America/New_York", from: "08:00", until: "21:00" }] });
  const OVERNIGHT = compile({
    rules: [{ id: "night", kind: "calling_hours", time_zone: "America/New_York", from: "22:00", until: "06:00", days: ["sat"] }],
  });

  it("closes at 21:00 local on each side of the spring change (EST, then EDT)", () => {
    expect(evaluate(NEW_YORK, call("2026-03-07T15:00:00Z")).deadline).toBe("2026-03-08T02:00:00.000Z");
    expect(evaluate(NEW_YORK, call("2026-03-08T15:00:00Z")).deadline).toBe("2026-03-09T01:00:00.000Z");
  });

  it("and on each side of the autumn change (EDT, then EST)", () => {
    expect(evaluate(NEW_YORK, call("2026-10-31T15:00:00Z")).deadline).toBe("2026-11-01T01:00:00.000Z");
    expect(evaluate(NEW_YORK, call("2026-11-01T15:00:00Z")).deadline).toBe("2026-11-02T02:00:00.000Z");
  });

  it("a window over midnight belongs to the day it opens on, and spans the change", () => {
    // Saturday 7 March 22:00 EST to Sunday 06:00 EDT: six hours of real time.
    const saturdayNight = evaluate(OVERNIGHT, call("2026-03-08T04:00:00Z"));
    expect(saturdayNight).toMatchObject({ terminate: null, deadline: "2026-03-08T10:00:00.000Z" });
    // Sunday 23:00: Sunday's window does not open; Saturday's closed at 06:00.
    const sundayNight = evaluate(OVERNIGHT, call("2026-03-09T03:00:00Z"));
    expect(sundayNight.terminate).toEqual({ rule: "night", reason: "policy:night" });
    expect(sundayNight.matched[0]!.detail).toBe("It is 23:00 on sun in America/New_York, outside the calling window 22:00–06:00 (sat).");
  });

  it("at the close the call is hung up, as an alarm set for the deadline must", () => {
    expect(evaluate(NEW_YORK, call("2026-03-09T00:59:59Z")).terminate).toBeNull();
    expect(evaluate(NEW_YORK, call("2026-03-09T01:00:00Z")).terminate?.rule).toBe("tcpa");
  });
});

describe("counters an event needs", () => {
  const POLICY = compile({
    rules: [
      { id: "trunk", kind: "concurrency", max_live: 2, per: "connection" },
      { id: "country", kind: "concurrency", max_live: 2, per: "to_country", mode: "shadow" },
      { id: "caller", kind: "concurrency", max_live: 2, per: "from", match: { tenants: ["globex"] } },
      { id: "pump", kind: "velocity", max_calls: 2, window_seconds: 60, per: "to" },
    ],
  });

  it("one per counted rule that applies and has its number, shadow ones included", () => {
    expect(countersFor(POLICY, call("2026-01-01T12:00:00Z", { to: "+18765551234" }))).toEqual([
      { kind: "concurrency", rule: "trunk", key: "connection:acme/main" },
      { kind: "concurrency", rule: "country", key: "to_country:JM" },
      { kind: "velocity", rule: "pump", key: "to:+18765551234", window_ms: 60_000 },
    ]);
    expect(countersFor(POLICY, call("2026-01-01T12:00:00Z", { to: "+88216123456" })).map((need) => need.rule)).toEqual(["trunk", "pump"]);
    expect(countersFor(POLICY, call("2026-01-01T12:00:00Z", {}, { kind: "hangup" }))).toEqual([]);
    expect(countersFor(null, call("2026-01-01T12:00:00Z"))).toEqual([]);
  });

  it("a shadow rule over its limit cuts nothing and says what it would have done", () => {
    const decision = evaluate(POLICY, call("2026-01-01T12:00:00Z", { to: "+5372345678" }), { trunk: 1, country: 3, pump: 1 });
    expect(decision.terminate).toBeNull();
    expect(decision.matched.find((rule) => rule.id === "country")).toEqual({
      id: "country",
      kind: "concurrency",
      shadow: true,
      effect: "terminate",
      count: 3,
      detail: "Would hang up (3rd live call to CU, over the limit of 2).",
    });
  });

  it("the index decides as every rule in order does", () => {
    const events = ["+18765551234", "+88216123456", undefined].flatMap((to) =>
      ["acme", "globex"].map((tenant) => call("2026-01-01T12:00:00Z", { ...(to ? { to } : {}), from: "+14155550100" }, { tenant })),
    );
    const counts: Counts = { trunk: 3, country: 1, caller: 5, pump: 2 };
    for (const event of events) expect(evaluate(POLICY, event, counts)).toEqual(evaluateNaive(POLICY, event, counts));
  });
});
