/**
 * What a call's object reads about its tenant while the provider works, so that a finished round can be
 * folded into the call in one write: whether the tenant wants a webhook for it. Read through the
 * per-isolate record cache; an unreadable tenant is read as wanting it (the delivery reads it again).
 */
import { getTenant } from "../tenants/store";

export interface TenantFacts {
  /** The tenant has a webhook: outcome messages are queued for it (else recorded as not configured). */
  webhook: boolean;
}

export async function tenantFacts(env: Env, tenant: string): Promise<TenantFacts> {
  try {
    return { webhook: Boolean((await getTenant(env, tenant))?.webhook) };
  } catch {
    return { webhook: true };
  }
}
