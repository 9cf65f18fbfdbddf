/**
 * A call's lifecycle as a pure state machine: forward only, the same fact twice changes nothing, a late
 * fact about an earlier state only fills what is still unknown, and each of answered and ended is learned once.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyFact, newLifecycle, type Lifecycle, type LifecycleFact } from "../src/calls/lifecycle";
import { LIFECYCLE_STATES } from "../src/providers/lifecycle/vocabulary";

const T0 = Date.parse("2026-06-01T10:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const fresh = () => newLifecycle(at(0), null, at(0));

function feed(facts: LifecycleFact[], start: Lifecycle = fresh()) {
  let lifecycle = start;
  const learned: string[] = [];
  for (const fact of facts) {
    const step = applyFact(lifecycle, fact);
    lifecycle = step.lifecycle;
    learned.push(...step.learned);
  }
  return { lifecycle, learned };
}

describe("the lifecycle", () => {
  it("moves forward through ringing and answered to ended, learning the answer and the end once", () => {
    const { lifecycle, learned } = feed([
      { state: "ringing", at: at(1) },
      { state: "answered", at: at(5) },
      { state: "ended", at: at(65), cause: "completed", endedBy: "callee", providerCause: "NORMAL_CLEARING", source: "callback" },
    ]);
    expect(lifecycle).toMatchObject({ state: "ended", answered_at: at(5), ended_at: at(65), duration_seconds: 60, cause: "completed", ended_by: "callee", source: "callback" });
    expect(lifecycle.timeline.map((s) => s.state)).toEqual(["initiated", "ringing", "answered", "ended"]);
    expect(learned).toEqual(["answered", "ended"]);
  });

  it("never moves back: an answer arriving after the end changes nothing", () => {
    const ended = feed([{ state: "ended", at: at(30), cause: "no_answer", endedBy: "unknown", source: "callback" }]);
    const late = applyFact(ended.lifecycle, { state: "answered", at: at(10) });
    expect(late.lifecycle).toBe(ended.lifecycle);
    expect(late.learned).toEqual([]);
    expect(ended.lifecycle.duration_seconds).toBeNull();
  });

  it("an end that carries the answer time (Plivo's hangup) teaches the answer, then the end", () => {
    const { lifecycle, learned } = feed([{ state: "ended", at: at(90), answeredAt: at(30), durationSeconds: 60, cause: "completed", endedBy: "caller", source: "callback" }]);
    expect(learned).toEqual(["answered", "ended"]);
    expect(lifecycle).toMatchObject({ answered_at: at(30), duration_seconds: 60 });
  });

  it("a second end is not an end: it only fills what the first did not say", () => {
    const byGateway = feed([{ state: "ended", at: at(20), cause: "unknown", endedBy: "unknown", source: "hangup" }]);
    const later = applyFact(byGateway.lifecycle, { state: "ended", at: at(21), cause: "completed", endedBy: "caller", providerCause: "NORMAL_CLEARING", source: "callback" });
    expect(later.learned).toEqual([]);
    expect(later.lifecycle).toMatchObject({ source: "hangup", ended_at: at(20), cause: "completed", ended_by: "caller", provider_cause: "NORMAL_CLEARING" });
    const cut = feed([{ state: "ended", at: at(20), cause: "completed", endedBy: "gateway", source: "hangup" }]);
    expect(applyFact(cut.lifecycle, { state: "ended", at: at(21), cause: "completed", endedBy: "callee", source: "callback" }).lifecycle.ended_by).toBe("gateway");
  });

  it("any order, any repetition of facts: the state is the furthest one seen, each thing learned at most once", () => {
    const fact = fc.record({
      state: fc.constantFrom(...LIFECYCLE_STATES),
      at: fc.integer({ min: 0, max: 600 }).map(at),
    }) as fc.Arbitrary<LifecycleFact>;
    fc.assert(
      fc.property(fc.array(fact, { maxLength: 12 }), (facts) => {
        const { lifecycle, learned } = feed(facts);
        const furthest = Math.max(0, ...facts.map((f) => LIFECYCLE_STATES.indexOf(f.state)));
        expect(lifecycle.state).toBe(LIFECYCLE_STATES[furthest]);
        expect(learned.filter((l) => l === "ended").length).toBe(lifecycle.state === "ended" ? 1 : 0);
        expect(learned.filter((l) => l === "answered").length).toBeLessThanOrEqual(1);
        // The same facts again teach nothing more.
        expect(feed(facts, lifecycle).learned).toEqual([]);
      }),
    );
  });
});
