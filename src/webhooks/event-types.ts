/**
 * The messages a tenant can receive at its webhook (`webhook.events` chooses which). The hangup types are
 * the default, so tenants that never chose keep receiving exactly what they did; the `call.*` types tell
 * each call's story, whatever the provider (CONTRACT.md, "Webhooks to the tenant").
 */
export const WEBHOOK_EVENT_TYPES = ["call.hangup.completed", "call.hangup.failed", "call.started", "call.answered", "call.ended"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEventType[] = ["call.hangup.completed", "call.hangup.failed"];
