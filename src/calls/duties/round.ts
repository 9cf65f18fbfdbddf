/**
 * The round duty: a pending round whose lease ran out was left by an instance that died mid-round, so it
 * is sent again with the same operation id (the provider can tell a repeat; nothing is ever reported
 * terminated without it saying so). While the instance that started it lives, the alarm at its lease
 * finds it in flight and waits for it.
 */
import { pendingRound } from "../stored-call";
import type { Duty } from "./duty";

export const roundDuty: Duty = {
  name: "round",
  dueAt(call) {
    const round = pendingRound(call);
    if (!round) return null;
    return Date.parse(round.lease_until ?? round.requested_at);
  },
  run: (ctx) => ctx.resumeRound(),
};
