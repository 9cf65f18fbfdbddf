/**
 * The outcome webhook's message: the contract's `{ type, timestamp, data }` body, built once when the
 * outcome is stored and kept byte for byte, so every retry carries the same body under the same
 * `webhook-id` (receivers deduplicate on it).
 */
import type { CallOutcome } from "../calls/model";

export const HANGUP_COMPLETED_EVENT = "call.hangup.completed";

export interface WebhookMessage {
  /** The `webhook-id` header. */
  id: string;
  body: string;
}

/** One message per hangup: its id comes from the hangup's operation id, stable across restarts. */
export function outcomeMessage(operationId: string, outcome: CallOutcome): WebhookMessage {
  return {
    id: `msg_${operationId}`,
    body: JSON.stringify({ type: HANGUP_COMPLETED_EVENT, timestamp: outcome.completed_at, data: outcome }),
  };
}
