/**
 * Reconciliation's status reads, paced per connection: however many watched calls fall silent at once
 * (a provider that stopped sending events for all of them), together they read at most
 * STATUS_READS_PER_SECOND a second from the provider, through the connection's ProviderPace object.
 */
import { providerPaceObject } from "../objects";
import { askAgainAt } from "./grant";

/** A tenth of the smallest hangup pace we know a provider documents (Plivo's 60 requests a second). */
export const STATUS_READS_PER_SECOND = 10;

export type ReadSlot = { kind: "now" } | { kind: "later"; at: number };

/** Waits for this read's slot when it is within the pace's horizon (a few seconds); else says when to ask again. */
export async function takeReadSlot(env: Env, tenant: string, connection: string): Promise<ReadSlot> {
  const block = await providerPaceObject(env, tenant, connection, "status-reads").reserve(1, STATUS_READS_PER_SECOND);
  if (block.count === 0) return { kind: "later", at: askAgainAt(block) };
  const wait = block.first_at - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return { kind: "now" };
}
