/**
 * Tenants, their API keys and their connections, as KV records (shapes in docs/storage-schema.md).
 * Credentials and webhook secrets are sealed before they are written and opened only where used.
 */
import type { Env } from "../env";
import { kvKey } from "../storage-keys";
import { seal, unseal, type Sealed } from "./credentials-cipher";

export interface TenantRecord {
  id: string;
  name?: string;
  webhook?: { url: string; secret: Sealed };
  created_at: string;
  updated_at: string;
}

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name?: string;
  hash: string;
  created_at: string;
}

export type CallbackMode = "signed" | "unsigned-ok";

export interface ConnectionRecord {
  id: string;
  tenant: string;
  provider: string;
  base_url?: string;
  callbacks: CallbackMode;
  credentials: Sealed;
  created_at: string;
  updated_at: string;
}

/** What a connection looks like from outside: everything but the credentials. */
export type PublicConnection = Omit<ConnectionRecord, "credentials">;

export function publicConnection({ credentials: _sealed, ...rest }: ConnectionRecord): PublicConnection {
  return rest;
}

const credentialsContext = (tenant: string, connection: string) => `connection:${tenant}/${connection}`;
const webhookContext = (tenant: string) => `webhook:${tenant}`;

export async function getTenant(env: Env, tenant: string): Promise<TenantRecord | null> {
  return env.GATEWAY_KV.get<TenantRecord>(kvKey.tenant(tenant), "json");
}

export async function putTenant(env: Env, record: TenantRecord): Promise<void> {
  await env.GATEWAY_KV.put(kvKey.tenant(record.id), JSON.stringify(record));
}

export function sealWebhookSecret(env: Env, tenant: string, secret: string): Promise<Sealed> {
  return seal(env.CREDENTIALS_KEY, webhookContext(tenant), secret);
}

export function openWebhookSecret(env: Env, tenant: string, sealed: Sealed): Promise<string> {
  return unseal<string>(env.CREDENTIALS_KEY, webhookContext(tenant), sealed);
}

export async function putApiKey(env: Env, record: ApiKeyRecord): Promise<void> {
  await env.GATEWAY_KV.put(kvKey.apiKeyHash(record.hash), JSON.stringify(record));
  await env.GATEWAY_KV.put(kvKey.tenantKey(record.tenant, record.id), JSON.stringify(record));
}

export async function getApiKeyByHash(env: Env, hash: string): Promise<ApiKeyRecord | null> {
  return env.GATEWAY_KV.get<ApiKeyRecord>(kvKey.apiKeyHash(hash), "json");
}

/** Removes a key; the hash index goes first so that the key stops authenticating before anything else. */
export async function deleteApiKey(env: Env, tenant: string, keyId: string): Promise<boolean> {
  const record = await env.GATEWAY_KV.get<ApiKeyRecord>(kvKey.tenantKey(tenant, keyId), "json");
  if (!record) return false;
  await env.GATEWAY_KV.delete(kvKey.apiKeyHash(record.hash));
  await env.GATEWAY_KV.delete(kvKey.tenantKey(tenant, keyId));
  return true;
}

export async function getConnection(env: Env, tenant: string, connection: string): Promise<ConnectionRecord | null> {
  return env.GATEWAY_KV.get<ConnectionRecord>(kvKey.connection(tenant, connection), "json");
}

export async function putConnection(env: Env, record: ConnectionRecord): Promise<void> {
  await env.GATEWAY_KV.put(kvKey.connection(record.tenant, record.id), JSON.stringify(record));
}

export async function deleteConnection(env: Env, tenant: string, connection: string): Promise<boolean> {
  if (!(await getConnection(env, tenant, connection))) return false;
  await env.GATEWAY_KV.delete(kvKey.connection(tenant, connection));
  return true;
}

export function sealCredentials(env: Env, tenant: string, connection: string, credentials: unknown): Promise<Sealed> {
  return seal(env.CREDENTIALS_KEY, credentialsContext(tenant, connection), credentials);
}

export function openCredentials<T>(env: Env, record: ConnectionRecord): Promise<T> {
  return unseal<T>(env.CREDENTIALS_KEY, credentialsContext(record.tenant, record.id), record.credentials);
}
