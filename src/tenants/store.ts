/**
 * Tenants, their API keys and their connections, as KV records (shapes in docs/storage-schema.md).
 * Credentials and webhook secrets are sealed before they are written and opened only where used.
 *
 * `getTenant` and `getConnection` are on every hangup's path, so they answer from a short per-isolate
 * cache (./record-cache.ts, at most RECORD_CACHE_MS old); writes through this module invalidate it in
 * the same isolate. The admin API reads with `readTenant`/`readConnection`, straight from KV, so that
 * an update never starts from a cached copy. API keys are never cached: revoking or disabling works at
 * once where it was done.
 */
import type { Scope } from "../auth/scopes";
import { getProvider } from "../providers/registry";
import { kvKey } from "../storage-keys";
import type { WebhookEventType } from "../webhooks/event-types";
import { seal, unseal, type Sealed } from "./credentials-cipher";
import { cachedRead, forgetCached } from "./record-cache";

export interface TenantRecord {
  id: string;
  name?: string;
  /** `events`: the message types it receives; absent, the default (the hangup types). */
  webhook?: { url: string; secret: Sealed; events?: WebhookEventType[] };
  /** A disabled tenant's keys answer 401 (the flag is copied into each key record, which auth reads). */
  disabled?: boolean;
  created_at: string;
  updated_at: string;
}

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name?: string;
  hash: string;
  /** What the key may do (src/auth/scopes.ts); absent: every scope (keys issued without a list, or before scopes). */
  scopes?: Scope[];
  created_at: string;
  /** Set on every key of a disabled tenant: the one KV read of authentication sees it. */
  disabled?: boolean;
  /** Only on the tombstone left under `tenant:{tenant}:key:{id}` by revocation (the hash index is gone). */
  revoked_at?: string;
}

export type CallbackMode = "signed" | "unsigned-ok";

/** Which calls the gateway watches on a connection: those registered (`POST /v1/calls`), or every call its provider's events name. */
export const WATCH_MODES = ["registered", "all"] as const;
export type WatchMode = (typeof WATCH_MODES)[number];

export interface ConnectionRecord {
  id: string;
  tenant: string;
  provider: string;
  base_url?: string;
  callbacks: CallbackMode;
  watch: WatchMode;
  /** Read watched calls' status at the provider when its events go missing (only where it documents such a read). */
  reconcile: boolean;
  credentials: Sealed;
  created_at: string;
  updated_at: string;
}

/** Does the provider document reading one call's status? Only then may, and by default does, a connection reconcile. */
export function providerReconciles(provider: string): boolean {
  return getProvider(provider)?.status !== undefined;
}

/** A record as stored: those written before `watch` and `reconcile` existed lack them. */
type StoredConnection = Omit<ConnectionRecord, "watch" | "reconcile"> & Partial<Pick<ConnectionRecord, "watch" | "reconcile">>;

/** A record without `watch` or `reconcile` reads with their defaults. */
function withDefaults(stored: StoredConnection): ConnectionRecord {
  return { ...stored, watch: stored.watch ?? "registered", reconcile: stored.reconcile ?? providerReconciles(stored.provider) };
}

/** What a connection looks like from outside: everything but the credentials. */
export type PublicConnection = Omit<ConnectionRecord, "credentials">;

export function publicConnection({ credentials: _sealed, ...rest }: ConnectionRecord): PublicConnection {
  return rest;
}

const credentialsContext = (tenant: string, connection: string) => `connection:${tenant}/${connection}`;
const webhookContext = (tenant: string) => `webhook:${tenant}`;

/** The tenant record, from this isolate's cache when it is fresh enough (hot paths). */
export async function getTenant(env: Env, tenant: string): Promise<TenantRecord | null> {
  return cachedRead(env.GATEWAY_KV, kvKey.tenant(tenant), () => readTenant(env, tenant));
}

/** The tenant record straight from KV (the admin API, which writes what it read). */
export async function readTenant(env: Env, tenant: string): Promise<TenantRecord | null> {
  return env.GATEWAY_KV.get<TenantRecord>(kvKey.tenant(tenant), "json");
}

export async function putTenant(env: Env, record: TenantRecord): Promise<void> {
  await env.GATEWAY_KV.put(kvKey.tenant(record.id), JSON.stringify(record));
  forgetCached(env.GATEWAY_KV, kvKey.tenant(record.id));
}

export function sealWebhookSecret(env: Env, tenant: string, secret: string): Promise<Sealed> {
  return seal(env.CREDENTIALS_KEY, webhookContext(tenant), secret);
}

export function openWebhookSecret(env: Env, tenant: string, sealed: Sealed): Promise<string> {
  return unseal<string>(env.CREDENTIALS_KEY, webhookContext(tenant), sealed);
}

/** Stores a new key: its hash record (with the tenant's disabled flag, if set) and its own record. */
export async function putApiKey(env: Env, record: ApiKeyRecord): Promise<void> {
  const { disabled: _disabled, ...own } = record;
  await env.GATEWAY_KV.put(kvKey.apiKeyHash(record.hash), JSON.stringify(record));
  await env.GATEWAY_KV.put(kvKey.tenantKey(record.tenant, record.id), JSON.stringify(own));
}

/** Authentication's one KV read: the key's record, which also says whether its tenant is disabled. */
export async function getApiKeyByHash(env: Env, hash: string): Promise<ApiKeyRecord | null> {
  return env.GATEWAY_KV.get<ApiKeyRecord>(kvKey.apiKeyHash(hash), "json");
}

/** Every key the tenant was issued, revoked ones (tombstones) included, oldest first. */
export async function listApiKeys(env: Env, tenant: string): Promise<ApiKeyRecord[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page: KVNamespaceListResult<unknown> = await env.GATEWAY_KV.list({ prefix: kvKey.tenantKey(tenant, ""), ...(cursor ? { cursor } : {}) });
    names.push(...page.keys.map((key) => key.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  const records = await Promise.all(names.map((name) => env.GATEWAY_KV.get<ApiKeyRecord>(name, "json")));
  return records.filter((r): r is ApiKeyRecord => r !== null).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}

/**
 * Revokes a key. The key's own record becomes a tombstone with `revoked_at` (so that the key list can
 * show it) before the hash index that authentication reads is deleted; `setKeysDisabled` checks for
 * the tombstone after it writes, so the two never bring a revoked key back. False when there is no
 * such key, or it was already revoked.
 */
export async function revokeApiKey(env: Env, tenant: string, keyId: string, now = new Date().toISOString()): Promise<boolean> {
  const record = await env.GATEWAY_KV.get<ApiKeyRecord>(kvKey.tenantKey(tenant, keyId), "json");
  if (!record || record.revoked_at) return false;
  const { disabled: _disabled, ...kept } = record;
  await env.GATEWAY_KV.put(kvKey.tenantKey(tenant, keyId), JSON.stringify({ ...kept, revoked_at: now } satisfies ApiKeyRecord));
  await env.GATEWAY_KV.delete(kvKey.apiKeyHash(record.hash));
  return true;
}

/**
 * Copies the tenant's disabled state into the hash record of each of its live keys, the record
 * authentication reads: so disabling stops every key at once where it was done (and within KV
 * propagation elsewhere) without a second read per request.
 */
export async function setKeysDisabled(env: Env, tenant: string, disabled: boolean): Promise<void> {
  const live = (await listApiKeys(env, tenant)).filter((key) => !key.revoked_at);
  await Promise.all(
    live.map(async ({ disabled: _old, ...key }) => {
      await env.GATEWAY_KV.put(kvKey.apiKeyHash(key.hash), JSON.stringify(disabled ? { ...key, disabled: true } : key));
      // A revocation that ran meanwhile has left its tombstone: the write above must not revive the key.
      const now = await env.GATEWAY_KV.get<ApiKeyRecord>(kvKey.tenantKey(tenant, key.id), "json");
      if (!now || now.revoked_at) await env.GATEWAY_KV.delete(kvKey.apiKeyHash(key.hash));
    }),
  );
}

/** The connection record, from this isolate's cache when it is fresh enough (hot paths). */
export async function getConnection(env: Env, tenant: string, connection: string): Promise<ConnectionRecord | null> {
  return cachedRead(env.GATEWAY_KV, kvKey.connection(tenant, connection), () => readConnection(env, tenant, connection));
}

/** The connection record straight from KV (the admin API). */
export async function readConnection(env: Env, tenant: string, connection: string): Promise<ConnectionRecord | null> {
  const stored = await env.GATEWAY_KV.get<StoredConnection>(kvKey.connection(tenant, connection), "json");
  return stored && withDefaults(stored);
}

export async function putConnection(env: Env, record: ConnectionRecord): Promise<void> {
  await env.GATEWAY_KV.put(kvKey.connection(record.tenant, record.id), JSON.stringify(record));
  forgetCached(env.GATEWAY_KV, kvKey.connection(record.tenant, record.id));
}

export async function deleteConnection(env: Env, tenant: string, connection: string): Promise<boolean> {
  if (!(await readConnection(env, tenant, connection))) return false;
  await env.GATEWAY_KV.delete(kvKey.connection(tenant, connection));
  forgetCached(env.GATEWAY_KV, kvKey.connection(tenant, connection));
  return true;
}

export function sealCredentials(env: Env, tenant: string, connection: string, credentials: unknown): Promise<Sealed> {
  return seal(env.CREDENTIALS_KEY, credentialsContext(tenant, connection), credentials);
}

export function openCredentials<T>(env: Env, record: ConnectionRecord): Promise<T> {
  return unseal<T>(env.CREDENTIALS_KEY, credentialsContext(record.tenant, record.id), record.credentials);
}
