/**
 * Retention: `CALL_RETENTION_DAYS` after its last change, a call that nothing can change by itself any more
 * (settled, or no longer watched) tells the call index it is gone, then deletes all it stored, its alarm
 * included. Only once the index and the tenant have heard everything else.
 */
import { toIndexReport } from "../record";
import { retainedUntil } from "../stored-call";
import { nextDeliveryAt } from "../../webhooks/outbox";
import type { Duty } from "./duty";

export const retentionDuty: Duty = {
  name: "retention",
  onlyWhenDue: true,
  dueAt(call, _now, config) {
    if (call.index.reported < call.version || nextDeliveryAt(call.outbox) !== null) return null;
    return retainedUntil(call, config.retentionMs);
  },
  async run(ctx) {
    const call = ctx.call();
    await ctx.env.CALL_INDEX.send({ ...toIndexReport(call), version: Math.max(call.version + 1, Date.now()), deleted: true }, { contentType: "json" });
    await ctx.deleteAll();
  },
};
