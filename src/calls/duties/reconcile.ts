/**
 * Reconciliation: events go missing (a provider gives up retrying, a URL is misconfigured), so a watched
 * call the provider has said nothing about for `RECONCILE_AFTER_SECONDS`, and every watched call shortly
 * before its watch would end, is read at its provider. Ended (or unknown there): the call ends, with the
 * provider's cause when it gives one. Live: it stays watched, and a watch about to end is extended. A read
 * that fails changes nothing and is tried again with a growing backoff, never more than
 * `RECONCILE_AFTER_SECONDS` apart. Reads are paced per connection, so calls that fall silent together do
 * not ask the provider all at once. One read at a time per call (the kernel runs a duty once at a time);
 * every read goes in the record.
 */
import { appendEvent } from "../events";
import { readCallStatus } from "../read-call-status";
import { watchEndsAt, watchedRegistration, pendingRound, type Reconciliation, type StoredCall } from "../stored-call";
import { learn } from "../story";
import { tenantFacts } from "../tenant-facts";
import { MAX_RECONCILIATIONS, RECONCILE_BEFORE_WATCH_END_MS, WATCH_EXTENSION_MS, reconcileRetryDelayMs } from "../timings";
import type { Duty } from "./duty";

const iso = (ms: number) => new Date(ms).toISOString();

function lastReadAt(call: StoredCall): number {
  const last = call.reconcile.reads.at(-1);
  return last ? Date.parse(last.at) : 0;
}

export const reconcileDuty: Duty = {
  name: "reconcile",
  dueAt(call, _now, config) {
    const registration = watchedRegistration(call);
    if (!registration || !call.reconcile.enabled || pendingRound(call)) return null;
    if (call.reconcile.retry_at) return Date.parse(call.reconcile.retry_at);
    const heard = Math.max(Date.parse(registration.registered_at), call.provider_heard_at ? Date.parse(call.provider_heard_at) : 0, lastReadAt(call));
    const beforeEnd = watchEndsAt(registration) - RECONCILE_BEFORE_WATCH_END_MS;
    return Math.min(heard + config.reconcileAfterMs, lastReadAt(call) < beforeEnd ? beforeEnd : Infinity);
  },
  async run(ctx) {
    const [answer, facts] = await Promise.all([readCallStatus(ctx.env, ctx.call(), (promise) => ctx.waitUntil(promise)), tenantFacts(ctx.env, ctx.call().tenant)]);
    const now = Date.now();
    let call = ctx.call();
    if (answer.kind === "not_reconciled") {
      ctx.save({ ...call, reconcile: { ...call.reconcile, enabled: false, retry_at: null } });
      return;
    }
    if (answer.kind === "paced") {
      ctx.save({ ...call, reconcile: { ...call.reconcile, retry_at: iso(answer.at) } });
      return;
    }
    const { reading } = answer;
    const read: Reconciliation = { at: iso(now), http_status: answer.httpStatus, said: reading.kind };
    const reads = [...call.reconcile.reads, read].slice(-MAX_RECONCILIATIONS);
    if (reading.kind === "error") {
      const failures = call.reconcile.failures + 1;
      const wait = Math.max(reconcileRetryDelayMs(failures, ctx.config.reconcileAfterMs), reading.retryAfterMs ?? 0);
      ctx.save({ ...call, reconcile: { ...call.reconcile, failures, retry_at: iso(now + wait), reads } });
      return;
    }
    call = { ...call, reconcile: { ...call.reconcile, failures: 0, retry_at: null, reads } };
    if (reading.kind === "live") {
      const registration = watchedRegistration(call);
      if (registration && watchEndsAt(registration) - now <= 2 * RECONCILE_BEFORE_WATCH_END_MS) {
        const until = iso(now + WATCH_EXTENSION_MS);
        call = appendEvent({ ...call, registration: { ...registration, extended_until: until } }, { at: iso(now), type: "watch.extended", data: { until, reason: "the provider says the call is live" } });
      }
      ctx.save(call);
      return;
    }
    const fact =
      reading.kind === "ended"
        ? { state: "ended" as const, at: reading.endedAt ?? iso(now), endedAt: reading.endedAt, answeredAt: reading.answeredAt, durationSeconds: reading.durationSeconds, cause: reading.cause, endedBy: reading.endedBy, providerCause: reading.providerCause, source: "reconcile" as const }
        : { state: "ended" as const, at: iso(now), cause: "unknown" as const, endedBy: "unknown" as const, source: "reconcile" as const };
    ctx.save(learn(call, fact, facts, iso(now)));
  },
};
