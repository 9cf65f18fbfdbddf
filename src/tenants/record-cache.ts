/**
 * A short per-isolate cache of KV records read on every request (tenant and connection records), so
 * that a warm isolate answers a hangup with one KV read, the API key's. A cached copy is at most
 * RECORD_CACHE_MS old; a write through src/tenants/store.ts forgets it in the isolate that wrote, so a
 * change applies at once there, within RECORD_CACHE_MS on the other isolates of that location, and
 * within KV's propagation time elsewhere (the same reach as the active policy's cache). Misses are not
 * cached: a record created elsewhere is used as soon as KV has it.
 */
import { BoundedMap } from "../bounded-map";

export const RECORD_CACHE_MS = 5_000;
/** Entries per namespace; the one read longest ago goes first. */
export const RECORD_CACHE_ENTRIES = 1_000;

interface Entry {
  value: unknown;
  readAt: number;
}

/** Keyed by namespace, so that two KV bindings (or a test's own) never share entries. */
const caches = new WeakMap<KVNamespace, Map<string, Entry>>();
/** Bumped by every forget: a read that started before a write must not cache what it read. */
let generation = 0;

function cacheOf(namespace: KVNamespace): Map<string, Entry> {
  let cache = caches.get(namespace);
  if (!cache) caches.set(namespace, (cache = new BoundedMap(RECORD_CACHE_ENTRIES)));
  return cache;
}

export async function cachedRead<T>(namespace: KVNamespace, key: string, read: () => Promise<T | null>, now = Date.now()): Promise<T | null> {
  const cache = cacheOf(namespace);
  const hit = cache.get(key);
  if (hit && now - hit.readAt < RECORD_CACHE_MS) return structuredClone(hit.value) as T;
  const started = generation;
  const value = await read();
  cache.delete(key);
  if (value !== null && started === generation) cache.set(key, { value: structuredClone(value), readAt: now });
  return value;
}

/** Call after a write: the entry goes, and any read still in flight will not cache what it read. */
export function forgetCached(namespace: KVNamespace, key: string): void {
  generation++;
  caches.get(namespace)?.delete(key);
}
