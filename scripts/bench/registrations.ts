/**
 * What making a call known costs (issues 22 and 23), in the timed workerd, compared in interleaved rounds
 * (./compare.ts) at 16 concurrent, each request about a new call: a registration with `POST /v1/calls`; the
 * same under a `concurrency` rule, whose counter object is asked before the answer; a signed Twilio status
 * callback about a call never seen, on a connection that watches every call, which registers it; a callback
 * that changes a call it registered (answered); and that callback again, which changes nothing.
 */
import { measureComparison, type Goal } from "./compare";
import type { Measurement } from "./report";
import type { Side } from "./stack";

const PLAN = { full: { concurrency: 16, rounds: 6, requestsPerRound: 100 }, quick: { concurrency: 16, rounds: 1, requestsPerRound: 16 } };
const WARMUP = { full: { concurrency: 16, rounds: 1, requestsPerRound: 50 }, quick: { concurrency: 16, rounds: 1, requestsPerRound: 8 } };
const goal = (name: string, side: string, reference: string, limit: number): Goal => ({ name: `${name}, p50 at 16 concurrent`, side, reference, concurrency: 16, measure: "p50", limit });

export function measureRegistrations(sides: Record<"registration" | "cappedRegistration" | "event" | "answered" | "duplicate", Side>, quick: boolean): Promise<Measurement> {
  const { registration, cappedRegistration, event, answered, duplicate } = sides;
  return measureComparison(
    {
      title: "Registrations and provider events",
      lead:
        "`POST /v1/calls` without and under a `concurrency` rule; signed Twilio status callbacks on a connection with `watch: \"all\"`: `initiated` about a call never seen, " +
        "`in-progress` about a call its `initiated` registered before the round, and that same `in-progress` callback again (a re-send).",
      notes: ["A round's untimed callbacks are sent just before it, so the call's object is as warm for both callback rows."],
      sides: [registration, cappedRegistration, event, answered, duplicate],
      reference: registration.name,
      plans: [quick ? PLAN.quick : PLAN.full],
      warmup: quick ? WARMUP.quick : WARMUP.full,
      goals: [
        goal("event-registered call ÷ POST /v1/calls registration", event.name, registration.name, 1.2),
        goal("a callback that changes a call ÷ the same callback again", answered.name, duplicate.name, 1.1),
        goal("registration under a concurrency rule ÷ one without stateful rules", cappedRegistration.name, registration.name, 1.3),
      ],
    },
    quick,
  );
}
