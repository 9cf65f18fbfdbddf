/**
 * Freeing the call's places in the policy's counters (concurrency, velocity) once it is no longer watched —
 * whatever ended it: a final hangup, a signal, a provider event, a status read, the watch running out. Run
 * right after the change that ends the watch, so a place is free at once; from the alarm until it succeeds
 * if a counter cannot be reached. Freeing twice changes nothing, so a crash mid-way only repeats it.
 */
import { releaseCounts } from "../../counters/client";
import { watchedRegistration } from "../stored-call";
import type { Duty } from "./duty";

export const releaseDuty: Duty = {
  name: "release",
  afterChange: true,
  dueAt: (call) => (call.places.length && !watchedRegistration(call) ? Date.parse(call.updated_at) : null),
  async run(ctx) {
    const call = ctx.call();
    if (!call.places.length || watchedRegistration(call)) return;
    await releaseCounts(ctx.env, { tenant: call.tenant, connection: call.connection, call_id: call.call_id }, call.places);
    ctx.save({ ...ctx.call(), places: [] });
  },
};
