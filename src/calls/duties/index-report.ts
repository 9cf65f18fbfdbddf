/**
 * The call index hears of every change: the object sends its entry (a whole entry with its version; the
 * index keeps the highest) right after the change, and from the alarm if that send failed or the instance
 * died before it. A round still pending is reported only once it has lasted INDEX_PENDING_REPORT_MS, so a
 * quick hangup costs one report, its outcome. The confirmation is remembered, not written: a new instance
 * sends the latest entry again, which the index ignores if it has it.
 */
import { toIndexReport } from "../record";
import { pendingRound } from "../stored-call";
import { INDEX_PENDING_REPORT_MS, INDEX_RETRY_MS } from "../timings";
import type { Duty } from "./duty";

export const indexReportDuty: Duty = {
  name: "index",
  afterChange: true,
  dueAt(call) {
    if (call.index.reported >= call.version) return null;
    if (call.index.retry_at) return Date.parse(call.index.retry_at);
    const pending = pendingRound(call);
    return pending ? Date.parse(pending.requested_at) + INDEX_PENDING_REPORT_MS : Date.parse(call.updated_at);
  },
  async run(ctx) {
    while (ctx.call().index.reported < ctx.call().version) {
      const report = toIndexReport(ctx.call());
      try {
        await ctx.env.CALL_INDEX.send(report, { contentType: "json" });
      } catch {
        ctx.remember({ ...ctx.call(), index: { ...ctx.call().index, retry_at: new Date(Date.now() + INDEX_RETRY_MS).toISOString() } });
        return;
      }
      const call = ctx.call();
      ctx.remember({ ...call, index: { reported: Math.max(call.index.reported, report.version), retry_at: null } });
    }
  },
};
