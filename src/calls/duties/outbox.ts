/**
 * The webhook outbox: every finished round queues a message for the tenant (in the same write as the
 * outcome), as does every fact of the call's story (../story.ts), and the alarm delivers what is due, in
 * order, one message at a time, reading the tenant's webhook at
 * each attempt so that a corrected URL or a rotated secret applies to retries. Delivery never stands in
 * the hangup's way: the outcome is answered first, the alarm (due at once) delivers.
 */
import { getTenant, openWebhookSecret } from "../../tenants/store";
import { deliverWebhook, type DeliveryResult } from "../../webhooks/deliver";
import { afterDelivery, dueMessage, enqueue, nextDeliveryAt, notConfigured, outcomeMessage, outcomeType } from "../../webhooks/outbox";
import type { Duty } from "./duty";

export const outboxDuty: Duty = {
  name: "outbox",
  dueAt: (call) => nextDeliveryAt(call.outbox),
  async run(ctx) {
    // An alarm that rings early (a retry, a test) still delivers the earliest message.
    const by = Math.max(Date.now(), nextDeliveryAt(ctx.call().outbox) ?? 0);
    for (let message = dueMessage(ctx.call().outbox, by); message; message = dueMessage(ctx.call().outbox, by)) {
      const webhook = (await getTenant(ctx.env, ctx.call().tenant))?.webhook;
      let settled = notConfigured(message);
      if (webhook) {
        const attemptedAt = Date.now();
        let result: DeliveryResult;
        try {
          result = await deliverWebhook(webhook.url, await openWebhookSecret(ctx.env, ctx.call().tenant, webhook.secret), message);
        } catch {
          result = { delivered: false, http_status: null, error: "the webhook secret could not be opened or used; nothing was sent", duration_ms: 0 };
        }
        settled = afterDelivery(message, { attempted_at: attemptedAt, ...result });
      }
      const latest = ctx.call();
      ctx.save({ ...latest, outbox: latest.outbox.map((m) => (m.id === settled.id ? settled : m)) });
    }
  },
  settle(call, outcome, { facts }) {
    // A watched call being retried tells the tenant of the first failure of a run, then of its end.
    const quietRetry = outcome.status === "failed" && outcome.source === "policy" && (call.retry?.failures ?? 0) > 1;
    if (quietRetry) return call;
    const operationId = call.rounds.find((round) => round.n === outcome.round)?.operation_id ?? crypto.randomUUID();
    return { ...call, outbox: enqueue(call.outbox, outcomeMessage(operationId, outcome, facts.webhookEvents.has(outcomeType(outcome)))) };
  },
};
