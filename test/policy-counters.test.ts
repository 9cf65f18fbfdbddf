/**
 * The policy counters on their real Durable Objects (src/counters/): exact under a burst, idempotent
 * per call, a release frees a place at once, velocity's sliding window at its edges, the audit that
 * brings counts back to the calls really live after a crash, and `POST /v1/policies/evaluate` reading
 * counts without changing them.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { acquireCounts, readCounts, releaseCounts, type Holder } from "../src/counters/client";
import { AUDIT_RETRY_MS, REAUDIT_MS, type PolicyCounter } from "../src/counters/counter-object";
import { CounterStore } from "../src/counters/counter-store";
import { policyCounterObject } from "../src/objects";
import { compilePolicy } from "../src/policy/compile";
import { countersFor, type CounterNeed } from "../src/policy/counters";
import { evaluate } from "../src/policy/evaluate";
import { validatePolicy } from "../src/policy/schema";
import type { Decision, PolicyEvent } from "../src/policy/types";
import { asTenant, createConnection, createTenant } from "./helpers";

const holder = (callId: string, connection = "trunk"): Holder => ({ tenant: "acme", connection, call_id: callId });
const concurrency = (key: string): CounterNeed => ({ kind: "concurrency", rule: "cap", key });

const CAP_POLICY = (() => {
  const validation = validatePolicy({ rules: [{ id: "cap", kind: "concurrency", max_live: 100, per: "connection" }] });
  if (validation.kind === "invalid") throw new Error("invalid test policy");
  return compilePolicy(validation.document, "sha256:0000000000000000");
})();

function registration(callId: string, connection: string): PolicyEvent {
  return { kind: "call", tenant: "acme", connection, provider: "sandbox", call: { call_id: callId }, now: Date.now() };
}

/** What the call object will do at registration: counters, places, decision. */
async function register(callId: string, connection: string): Promise<Decision> {
  const event = registration(callId, connection);
  const needs = countersFor(CAP_POLICY, event);
  return evaluate(CAP_POLICY, event, await acquireCounts(env, holder(callId, connection), needs));
}

describe("concurrency: exact under any concurrency", () => {
  const connection = "burst";
  const ids = Array.from({ length: 500 }, (_, i) => `burst-${i}`);
  let decisions: Decision[] = [];

  it("500 registrations at once against max_live 100 admit exactly 100 and hang up exactly 400", async () => {
    decisions = await Promise.all(ids.map((id) => register(id, connection)));
    const counts = decisions.map((decision) => decision.matched[0]!.count!).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 500 }, (_, i) => i + 1)); // each call its own place, none shared
    expect(decisions.filter((decision) => decision.terminate === null)).toHaveLength(100);
    expect(decisions.filter((decision) => decision.terminate?.rule === "cap")).toHaveLength(400);
    const refused = decisions.find((decision) => decision.matched[0]!.count === 101)!;
    expect(refused.matched[0]!.detail).toBe("101st live call on connection burst, over the limit of 100.");
  });

  it("taking a place again (a re-evaluation, a retried registration) counts no call twice", async () => {
    const again = await Promise.all(ids.map((id) => register(id, connection)));
    expect(again.map((decision) => decision.matched[0]!.count)).toEqual(decisions.map((decision) => decision.matched[0]!.count));
    expect(await readCounts(env, [concurrency(`connection:acme/${connection}`)])).toEqual({ cap: 501 });
  });

  it("a call that ends frees its place at once, exactly once; earlier calls ending move later ones up", async () => {
    const place = (decision: Decision) => decision.matched[0]!.count!;
    const byPlace = ids.slice().sort((a, b) => place(decisions[ids.indexOf(a)]!) - place(decisions[ids.indexOf(b)]!));
    const need = [concurrency(`connection:acme/${connection}`)];
    // The 400 hung up end, and so does the 1st admitted call, released twice.
    await Promise.all(byPlace.slice(100).map((id) => releaseCounts(env, holder(id, connection), need)));
    await releaseCounts(env, holder(byPlace[0]!, connection), need);
    await releaseCounts(env, holder(byPlace[0]!, connection), need);
    expect(await readCounts(env, need)).toEqual({ cap: 100 }); // 99 live: a new call would be the 100th
    expect(await readCounts(env, need, holder(byPlace[99]!, connection))).toEqual({ cap: 99 });

    const next = await register("burst-next", connection);
    expect(next).toMatchObject({ terminate: null, matched: [{ effect: "counted", count: 100 }] });
    const over = await register("burst-over", connection);
    expect(over).toMatchObject({ terminate: { rule: "cap" }, matched: [{ effect: "terminate", count: 101 }] });
  });
});

describe("velocity: a sliding window, at its edges", () => {
  const spec = { kind: "velocity" as const, window_ms: 60_000 };
  const stub = () => policyCounterObject(env, { kind: "velocity", rule: "pump", key: "to:+15550001" });

  it("counts the registrations of the last window_seconds; one exactly window_seconds old has left", async () => {
    await runInDurableObject(stub(), (_object, state) => {
      const store = new CounterStore(state.storage.sql);
      const t0 = 1_000_000;
      expect(store.acquire(holder("v1"), spec, t0, Infinity)).toBe(1);
      expect(store.acquire(holder("v2"), spec, t0 + 1, Infinity)).toBe(2);
      expect(store.acquire(holder("v3"), spec, t0 + 59_999, Infinity)).toBe(3); // v1 is 59.999 s old: still in
      expect(store.acquire(holder("v4"), spec, t0 + 60_000, Infinity)).toBe(3); // v1 is 60 s old: out; v2, v3 and itself
      expect(store.acquire(holder("v5"), spec, t0 + 60_001, Infinity)).toBe(3); // v2 out too; v3, v4 and itself
      expect(store.acquire(holder("v3"), spec, t0 + 200_000, Infinity)).toBe(3); // a call's count is its registration's
      expect(store.peek(null, spec, t0 + 119_999)).toBe(3); // v4 and v5 are in the window: a new call would be 3rd
      expect(store.peek(null, spec, t0 + 120_000)).toBe(2); // v4 is 60 s old: out
      expect(store.peek(null, spec, t0 + 120_001)).toBe(1);
    });
  });

  it("every registration counts, whatever became of its call; released ones are dropped once out of the window", async () => {
    await runInDurableObject(stub(), (_object, state) => {
      const store = new CounterStore(state.storage.sql);
      const t0 = 5_000_000;
      for (const id of ["w1", "w2", "w3"]) store.acquire(holder(id), spec, t0, Infinity);
      for (const id of ["w1", "w2", "w3"]) store.release(`acme/trunk/${id}`, spec, t0 + 1);
      expect(store.peek(null, spec, t0 + 2)).toBe(4); // hung up or ended, they still count in the window
      store.prune(spec, t0 + 60_000);
      const rows = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entry WHERE holder LIKE 'acme/trunk/w%'").one().n;
      expect(rows).toBe(0); // storage is bounded by the window
    });
  });

  it("through the object: the 4th registration within the window is over max_calls 3", async () => {
    const validation = validatePolicy({ rules: [{ id: "pump2", kind: "velocity", max_calls: 3, window_seconds: 3600, per: "to" }] });
    if (validation.kind === "invalid") throw new Error("invalid test policy");
    const policy = compilePolicy(validation.document, "sha256:0000000000000001");
    const decide = async (callId: string) => {
      const event: PolicyEvent = { kind: "call", tenant: "acme", connection: "trunk", provider: "sandbox", call: { call_id: callId, to: "+15550002" }, now: Date.now() };
      return evaluate(policy, event, await acquireCounts(env, holder(callId), countersFor(policy, event)));
    };
    const first = await Promise.all(["p1", "p2", "p3"].map(decide));
    expect(first.every((decision) => decision.terminate === null)).toBe(true);
    expect(await decide("p4")).toMatchObject({
      terminate: { rule: "pump2" },
      matched: [{ effect: "terminate", count: 4, detail: "4th call to +15550002 registered within 3600 s, over the limit of 3." }],
    });
    expect((await decide("p2")).terminate).toBeNull(); // p2 again: still the 2nd
  });
});

describe("crash safety: the audit brings counts back to the calls really live", () => {
  const need = [concurrency("connection:acme/crashy")];
  const stub = () => policyCounterObject(env, need[0]!);

  it("frees the places of calls whose objects say they are not live, keeps the live ones and those it cannot ask", async () => {
    // Places taken by registrations whose call objects crashed before storing them, and by live calls.
    await acquireCounts(env, holder("live-1", "crashy"), need);
    await acquireCounts(env, holder("lost-1", "crashy"), need);
    await acquireCounts(env, holder("live-2", "crashy"), need);
    await acquireCounts(env, holder("lost-2", "crashy"), need);
    await acquireCounts(env, holder("unreachable", "crashy"), need);
    expect(await readCounts(env, need)).toEqual({ cap: 6 });

    const answers = await runInDurableObject(stub(), async (object: PolicyCounter, state) => {
      state.storage.sql.exec("UPDATE entry SET audit_at = 0"); // the grace period has passed
      // The call objects' answers (src/counters/live-call.ts): live, never registered, unreachable.
      Object.assign(object, {
        isLive: async (call: Holder) => {
          if (call.call_id === "unreachable") throw new Error("call object overloaded");
          return call.call_id.startsWith("live");
        },
      });
      const before = Date.now();
      await object.alarm();
      return { before, rows: state.storage.sql.exec<{ call_id: string; audit_at: number }>("SELECT call_id, audit_at FROM entry ORDER BY seq").toArray() };
    });
    expect(answers.rows.map((row) => row.call_id)).toEqual(["live-1", "live-2", "unreachable"]);
    expect(answers.rows[0]!.audit_at).toBeGreaterThanOrEqual(answers.before + REAUDIT_MS);
    expect(answers.rows[2]!.audit_at).toBeLessThan(answers.before + REAUDIT_MS);
    expect(answers.rows[2]!.audit_at).toBeGreaterThanOrEqual(answers.before + AUDIT_RETRY_MS);
    expect(await readCounts(env, need)).toEqual({ cap: 4 });
    expect(await readCounts(env, need, holder("live-2", "crashy"))).toEqual({ cap: 2 }); // moved up from 3rd
  });

  it("sets an alarm for the first audit when a place is taken", async () => {
    const alarm = await runInDurableObject(stub(), (_object, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
  });
});

describe("POST /v1/policies/evaluate reads counts and changes none", () => {
  it("answers the count a new call would see, or a holding call's own, and takes no place", async () => {
    const tenant = await createTenant("counted");
    await createConnection("counted", "main", "sandbox");
    const need = [{ kind: "concurrency" as const, rule: "trunk-cap", key: "connection:counted/main" }];
    for (const id of ["e1", "e2", "e3"]) await acquireCounts(env, { tenant: "counted", connection: "main", call_id: id }, need);

    const policy = { rules: [{ id: "trunk-cap", kind: "concurrency", max_live: 3, per: "connection", mode: "shadow" }] };
    const ask = async (call: Record<string, unknown>) => {
      const res = await asTenant(tenant.key, "POST", "/v1/policies/evaluate", { kind: "call", connection: "main", call, policy });
      expect(res.status).toBe(200);
      return (await res.json<{ decision: Decision }>()).decision;
    };
    const newcomer = await ask({});
    expect(newcomer.matched).toEqual([
      { id: "trunk-cap", kind: "concurrency", shadow: true, effect: "terminate", count: 4, detail: "Would hang up (4th live call on connection main, over the limit of 3)." },
    ]);
    expect(newcomer.terminate).toBeNull(); // shadow cuts nothing
    expect((await ask({})).matched[0]!.count).toBe(4); // asking took no place
    expect((await ask({ call_id: "e2" })).matched[0]).toMatchObject({ effect: "counted", count: 2 });
  });
});
