/**
 * One delivery attempt of an outcome webhook: POST the stored body to the tenant's URL with the
 * Standard Webhooks headers, signed afresh (the timestamp is the attempt's, as receivers check it
 * against their clock), and wait at most WEBHOOK_TIMEOUT_MS. Only a 2xx counts as delivered; redirects
 * are not followed, so the signed request goes nowhere but the configured URL. What is reported back
 * for the record never contains the signature or the secret.
 */
import { signWebhook } from "./sign";

export const WEBHOOK_TIMEOUT_MS = 10_000;
const USER_AGENT = "hangup-gateway-webhooks";

export interface DeliveryResult {
  delivered: boolean;
  http_status: number | null;
  /** Why it failed, in words fit for the record; null when delivered. */
  error: string | null;
  duration_ms: number;
}

/** The message: its `webhook-id` and the exact body, the same on every attempt. */
export interface WebhookMessage {
  id: string;
  body: string;
}

export async function deliverWebhook(url: string, secret: string, message: WebhookMessage): Promise<DeliveryResult> {
  const started = Date.now();
  const timestamp = Math.floor(started / 1000);
  const headers = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "webhook-id": message.id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signWebhook(secret, message.id, timestamp, message.body),
  };
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: message.body,
      redirect: "manual",
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    // The receiver's body is not used; cancelling it frees the connection.
    await response.body?.cancel();
    const delivered = response.status >= 200 && response.status < 300;
    return { delivered, http_status: response.status, error: delivered ? null : `the receiver answered ${response.status}`, duration_ms: Date.now() - started };
  } catch (error) {
    const timedOut = error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
    return {
      delivered: false,
      http_status: null,
      error: timedOut ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` : "the receiver could not be reached",
      duration_ms: Date.now() - started,
    };
  }
}
