/**
 * The watch: a registered call is judged again at its deadline, at least every POLICY_RECHECK_MS (so a
 * publish reaches calls already registered), and at the watch's end, and hung up when the policy says so.
 */
import { watchWakeAt } from "../judge";
import { pendingRound, watchedRegistration } from "../stored-call";
import type { Duty } from "./duty";
import { judgeAndEnforce } from "./enforce";

export const watchDuty: Duty = {
  name: "watch",
  dueAt(call) {
    const registration = watchedRegistration(call);
    return registration && !pendingRound(call) ? watchWakeAt(registration) : null;
  },
  run: (ctx) => judgeAndEnforce(ctx, { waitForRetry: true }),
};
