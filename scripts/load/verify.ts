/**
 * What the load run checks for each call, from three sources that must agree: what the gateway told the
 * caller, what it stored, and what the provider saw. Pure: the run gathers the evidence, this judges it.
 */
import { isDeepStrictEqual } from "node:util";
import type { CallAtProvider } from "./flaky-provider";

export interface Outcome {
  status: string;
  attempts: number;
  [field: string]: unknown;
}

/** The answer to the caller's hangup request. */
export type Told = { httpStatus: number; outcome: Outcome | null } | { error: string };

/** The call's record, as GET /v1/calls/{id} answers it (null: 404). */
export interface Stored {
  hangup: { status: string; outcome: Outcome | null } | null;
  events: { type: string }[];
  /** Every attempt of every round; `http_status` null when none came back (timed out, connection lost). */
  attempts?: { http_status: number | null }[];
}

/** Every way a call can go wrong, in the order the run reports them. */
export const PROBLEMS = ["no_answer", "lost", "mismatch", "duplicate_hangup", "untruthful", "attempts_miscounted"] as const;
export type Problem = (typeof PROBLEMS)[number];

export function problemsOf(told: Told, stored: Stored | null, atProvider: CallAtProvider): Problem[] {
  const problems: Problem[] = [];
  const answered = "httpStatus" in told && told.httpStatus === 200 && told.outcome !== null ? told.outcome : null;
  const outcome = stored?.hangup?.status === "completed" ? stored.hangup.outcome : null;
  const completions = stored?.events.filter((e) => e.type === "hangup.completed").length ?? 0;

  if (!answered) problems.push("no_answer");
  if (!outcome || completions !== 1) problems.push("lost");
  if (answered && outcome && !isDeepStrictEqual(answered, outcome)) problems.push("mismatch");
  // An attempt the provider carried out but whose answer never came back (a stalled machine: past the
  // attempt's timeout) leaves the gateway unable to know: it asks again, hears "no such call", and may not
  // claim `terminated`, which nothing confirmed (the contract). That is the one excuse, and it is in the record.
  const unanswered = stored?.attempts?.some((attempt) => attempt.http_status === null) ?? false;
  if (atProvider.hangups > 1 || (atProvider.requestsAfterHangup > 0 && !unanswered)) problems.push("duplicate_hangup");
  const reported = answered ?? outcome;
  if (reported) {
    // Every call of the run is live: the provider hung it up exactly when the gateway says terminated.
    const terminated = reported.status === "terminated";
    if (terminated ? atProvider.hangups !== 1 : atProvider.hangups > 0 && !unanswered) problems.push("untruthful");
    if (reported.attempts !== atProvider.requests) problems.push("attempts_miscounted");
  }
  return problems;
}
