/**
 * The automatic retry: while the watch wants the call ended, a failed round — whoever asked for it (the
 * policy, an API request, a bulk job) — is followed by another, the first within 30 s, then with growing
 * backoff never more than 5 minutes apart (./timings.ts), until an outcome is final, the call is reported
 * ended, the policy stops asking, or the watch ends. An open circuit delays a retry to just after its
 * cool-down (the reading's `retryAfterMs`); it never ends the retrying.
 */
import { appendEvent } from "../events";
import { pendingRound, watchedRegistration } from "../stored-call";
import { nextAutomaticRetryAt } from "../timings";
import type { Duty } from "./duty";
import { judgeAndEnforce } from "./enforce";

export const retryDuty: Duty = {
  name: "retry",
  dueAt(call) {
    return call.retry && watchedRegistration(call) && !pendingRound(call) ? Date.parse(call.retry.next_at) : null;
  },
  // Each retry judges the call first: a rule withdrawn meanwhile stops the retrying.
  run: (ctx) => judgeAndEnforce(ctx, { waitForRetry: false }),
  settle(call, outcome, { now, sent }) {
    if (outcome.status !== "failed") return call.retry ? { ...call, retry: null } : call;
    if (!watchedRegistration(call)?.decision.terminate) return call;
    const failures = (call.retry?.failures ?? 0) + 1;
    const notBefore = sent.reading.retryAfterMs === undefined ? null : now + sent.reading.retryAfterMs;
    const nextAt = new Date(nextAutomaticRetryAt(failures, now, notBefore)).toISOString();
    return appendEvent(
      { ...call, retry: { failures, next_at: nextAt, round: outcome.round } },
      { at: new Date(now).toISOString(), type: "hangup.retry_scheduled", data: { round: outcome.round, failures, next_at: nextAt } },
    );
  },
};
