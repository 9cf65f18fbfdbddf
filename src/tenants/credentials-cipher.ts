/**
 * Provider credentials (and webhook secrets) at rest: AES-256-GCM under CREDENTIALS_KEY, a fresh
 * 96-bit IV per write, and the record's own address as additional data, so a ciphertext copied to
 * another tenant's or connection's key does not decrypt.
 *
 * Every hangup opens its connection's credentials, so what was opened is kept per isolate, keyed by
 * exactly what was opened (address, IV and ciphertext) and checked against the CREDENTIALS_KEY in force:
 * credentials replaced or rotated are a different key, so a stale value is never served, and a changed
 * CREDENTIALS_KEY opens nothing it did not open itself.
 */
import { BoundedMap } from "../bounded-map";
import { fromBase64, randomBytes, toBase64 } from "../bytes";
import { NotConfigured } from "../errors";

export interface Sealed {
  v: 1;
  iv: string;
  ct: string;
}

/** Imported keys by CREDENTIALS_KEY value: one in use, and room for the previous ones of a rotation or two. */
export const KEY_CACHE_ENTRIES = 4;
const keyCache = new BoundedMap<string, Promise<CryptoKey>>(KEY_CACHE_ENTRIES);

/** Opened values kept per isolate: one per connection in use (and per tenant's webhook secret). */
export const OPENED_CACHE_ENTRIES = 1_000;
const openedCache = new BoundedMap<string, { secret: string; value: unknown }>(OPENED_CACHE_ENTRIES);

/** Shared by every caller, so nobody may change it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function importKey(secret: string | undefined): Promise<CryptoKey> {
  if (!secret) {
    throw new NotConfigured("CREDENTIALS_KEY is not set, so credentials cannot be stored or read.");
  }
  let key = keyCache.get(secret);
  if (!key) {
    const raw = fromBase64(secret.trim());
    if (raw?.length !== 32) throw new NotConfigured("CREDENTIALS_KEY must be the base64 of exactly 32 bytes.");
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keyCache.set(secret, key);
  }
  return key;
}

export async function seal(secret: string | undefined, context: string, value: unknown): Promise<Sealed> {
  const key = await importKey(secret);
  const iv = randomBytes(12);
  const plaintext = new TextEncoder().encode(JSON.stringify(value));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) }, key, plaintext);
  return { v: 1, iv: toBase64(iv), ct: toBase64(ct) };
}

/** The value sealed there, read-only (frozen): it may be shared with other callers in this isolate. */
export async function unseal<T>(secret: string | undefined, context: string, sealed: Sealed): Promise<T> {
  const cacheKey = `${context}\n${sealed.iv}\n${sealed.ct}`;
  const opened = openedCache.get(cacheKey);
  if (secret !== undefined && opened?.secret === secret) return opened.value as T;
  const key = await importKey(secret);
  const iv = fromBase64(sealed.iv);
  const ct = fromBase64(sealed.ct);
  try {
    if (iv && ct) {
      const plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) }, key, ct);
      const value = deepFreeze(JSON.parse(new TextDecoder().decode(plaintext)) as T);
      openedCache.set(cacheKey, { secret: secret!, value });
      return value;
    }
  } catch {
    // Wrong key (rotated CREDENTIALS_KEY) or tampered record: said below, without detail.
  }
  throw new NotConfigured("Stored credentials cannot be decrypted with the current CREDENTIALS_KEY.");
}
