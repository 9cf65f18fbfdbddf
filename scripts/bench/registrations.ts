/**
 * What making a call known costs (issues 22 and 23), in the timed workerd, compared in interleaved rounds
 * (./compare.ts) at 16 concurrent, each request about a new call: a registration with `POST /v1/calls`; the
 * same under a `concurrency` rule, whose counter object is asked before the answer; a signed Twilio status
 * callback about a call never seen, on a connection that watches every call, which registers it; and that
 * callback again for a call it already registered, a callback that changes nothing.
 */
import { measureComparison, type Goal } from "./compare";
import type { Measurement } from "./report";
import type { Side } from "./stack";

const PLAN = { full: { concurrency: 16, rounds: 6, requestsPerRound: 100 }, quick: { concurrency: 16, rounds: 1, requestsPerRound: 16 } };
const WARMUP = { full: { concurrency: 16, rounds: 1, requestsPerRound: 50 }, quick: { concurrency: 16, rounds: 1, requestsPerRound: 8 } };
const goal = (name: string, side: string, reference: string, limit: number): Goal => ({ name: `${name}, p50 at 16 concurrent`, side, reference, concurrency: 16, measure: "p50", limit });

export function measureRegistrations(sides: Record<"registration" | "cappedRegistration" | "event" | "eventAgain", Side>, quick: boolean): Promise<Measurement> {
  const { registration, cappedRegistration, event, eventAgain } = sides;
  return measureComparison(
    {
      title: "Registrations and provider events",
      lead: "`POST /v1/calls` without and under a `concurrency` rule; a signed Twilio `initiated` callback about a call never seen (`watch: \"all\"`), and the same again.",
      notes: [],
      sides: [registration, cappedRegistration, event, eventAgain],
      reference: registration.name,
      plans: [quick ? PLAN.quick : PLAN.full],
      warmup: quick ? WARMUP.quick : WARMUP.full,
      goals: [
        goal("event-registered call ÷ POST /v1/calls registration", event.name, registration.name, 1.2),
        goal("a callback that registers its call ÷ the same callback again", event.name, eventAgain.name, 1.1),
        goal("registration under a concurrency rule ÷ one without stateful rules", cappedRegistration.name, registration.name, 1.3),
      ],
    },
    quick,
  );
}
