/**
 * What a call's object reads about its tenant before it folds news or a finished round into the call:
 * which webhook messages the tenant wants (`webhook.events`; none without a webhook). Read through the
 * per-isolate record cache; an unreadable tenant is read as wanting the default messages (the delivery
 * reads it again).
 */
import { getTenant } from "../tenants/store";
import { DEFAULT_WEBHOOK_EVENTS, type WebhookEventType } from "../webhooks/event-types";

export interface TenantFacts {
  /** The message types the tenant's webhook receives; empty when it has no webhook. */
  webhookEvents: ReadonlySet<WebhookEventType>;
}

export async function tenantFacts(env: Env, tenant: string): Promise<TenantFacts> {
  try {
    const webhook = (await getTenant(env, tenant))?.webhook;
    return { webhookEvents: new Set(webhook ? (webhook.events ?? DEFAULT_WEBHOOK_EVENTS) : []) };
  } catch {
    return { webhookEvents: new Set(DEFAULT_WEBHOOK_EVENTS) };
  }
}
