/**
 * The webhooks of one call, as a bounded outbox: each finished round may queue one message
 * (`call.hangup.completed` for a final outcome, `call.hangup.failed` for a failed round), and each fact of
 * the call's story one more (`call.started`, `call.answered`, `call.ended`). They are delivered in the
 * order they were queued (a message waits for the one before it), from
 * the call object's alarm with the retry schedule of ./retry-schedule.ts. Pure functions; the delivery
 * itself is ./deliver.ts, run by the call object's outbox duty (src/calls/duties/outbox.ts).
 */
import { nextWebhookAttemptAt } from "./retry-schedule";
import type { HangupOutcome } from "../vocabulary";
import type { WebhookEventType } from "./event-types";

export type WebhookStatus = "pending" | "delivered" | "failed" | "not_configured" | "superseded";

/** One POST to the tenant's webhook. Neither the signature nor the secret is kept. */
export interface WebhookDelivery {
  n: number;
  attempted_at: string;
  duration_ms: number;
  /** The receiver's status; null when it could not be reached or did not answer in time. */
  http_status: number | null;
  error: string | null;
  /** When the next attempt is due after this failed one; null after a success or the last attempt. */
  next_attempt_at: string | null;
}

export interface OutboxMessage {
  /** The `webhook-id` header: the same on every attempt. */
  id: string;
  type: WebhookEventType;
  /** The exact body POSTed on every attempt. */
  body: string;
  status: WebhookStatus;
  next_attempt_at: string | null;
  deliveries: WebhookDelivery[];
}

/** Messages a call keeps; beyond it the oldest settled ones go (and an undelivered older failure is superseded). */
export const MAX_OUTBOX_MESSAGES = 10;

/** A message whose body and id never change: `wanted` is whether the tenant receives this type at all. */
export function newMessage(id: string, type: WebhookEventType, timestamp: string, data: object, wanted: boolean): OutboxMessage {
  return {
    id,
    type,
    body: JSON.stringify({ type, timestamp, data }),
    status: wanted ? "pending" : "not_configured",
    next_attempt_at: wanted ? timestamp : null,
    deliveries: [],
  };
}

export function outcomeType(outcome: HangupOutcome): WebhookEventType {
  return outcome.status === "failed" ? "call.hangup.failed" : "call.hangup.completed";
}

/** One message per round: its id comes from the round's operation id, stable across restarts. */
export function outcomeMessage(operationId: string, outcome: HangupOutcome, wanted: boolean): OutboxMessage {
  return newMessage(`msg_${operationId}`, outcomeType(outcome), outcome.completed_at, outcome, wanted);
}

/**
 * The outbox with `message` queued. A newer failure makes an older failure still undelivered pointless
 * (it says the same with fewer attempts), so that one is superseded rather than sent late.
 */
export function enqueue(outbox: OutboxMessage[], message: OutboxMessage): OutboxMessage[] {
  const isHangup = message.type === "call.hangup.completed" || message.type === "call.hangup.failed";
  const next = outbox.map((m) =>
    isHangup && m.status === "pending" && m.type === "call.hangup.failed" && m.id !== message.id ? { ...m, status: "superseded" as const, next_attempt_at: null } : m,
  );
  if (next.some((m) => m.id === message.id)) return next;
  next.push(message);
  while (next.length > MAX_OUTBOX_MESSAGES) {
    const settled = next.findIndex((m) => m.status !== "pending");
    next.splice(settled === -1 ? 0 : settled, 1);
  }
  return next;
}

/** The first message still to deliver: the tenant hears a call's facts in the order they were learned. */
function head(outbox: OutboxMessage[]): OutboxMessage | null {
  return outbox.find((m) => m.status === "pending" && m.next_attempt_at !== null) ?? null;
}

export function dueMessage(outbox: OutboxMessage[], by: number): OutboxMessage | null {
  const first = head(outbox);
  return first && Date.parse(first.next_attempt_at!) <= by ? first : null;
}

export function nextDeliveryAt(outbox: OutboxMessage[]): number | null {
  const first = head(outbox);
  return first ? Date.parse(first.next_attempt_at!) : null;
}

/** The message after one delivery attempt: delivered, pending its next attempt, or failed for good. */
export function afterDelivery(
  message: OutboxMessage,
  attempt: { attempted_at: number; delivered: boolean; http_status: number | null; error: string | null; duration_ms: number },
): OutboxMessage {
  const nextAt = attempt.delivered ? null : nextWebhookAttemptAt(message.deliveries.length + 1, attempt.attempted_at);
  const next_attempt_at = nextAt === null ? null : new Date(nextAt).toISOString();
  return {
    ...message,
    status: attempt.delivered ? "delivered" : nextAt === null ? "failed" : "pending",
    next_attempt_at,
    deliveries: [
      ...message.deliveries,
      {
        n: message.deliveries.length + 1,
        attempted_at: new Date(attempt.attempted_at).toISOString(),
        duration_ms: attempt.duration_ms,
        http_status: attempt.http_status,
        error: attempt.error,
        next_attempt_at,
      },
    ],
  };
}

/** The tenant has no webhook (any more): the message is settled without a delivery. */
export function notConfigured(message: OutboxMessage): OutboxMessage {
  return { ...message, status: "not_configured", next_attempt_at: null };
}
