/**
 * Provider credentials (and webhook secrets) at rest: AES-256-GCM under CREDENTIALS_KEY, a fresh
 * 96-bit IV per write, and the record's own address as additional data, so a ciphertext copied to
 * another tenant's or connection's key does not decrypt.
 */
import { fromBase64, randomBytes, toBase64 } from "../bytes";
import { NotConfigured } from "../errors";

export interface Sealed {
  v: 1;
  iv: string;
  ct: string;
}

const keyCache = new Map<string, Promise<CryptoKey>>();

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

export async function unseal<T>(secret: string | undefined, context: string, sealed: Sealed): Promise<T> {
  const key = await importKey(secret);
  const iv = fromBase64(sealed.iv);
  const ct = fromBase64(sealed.ct);
  try {
    if (iv && ct) {
      const plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) }, key, ct);
      return JSON.parse(new TextDecoder().decode(plaintext)) as T;
    }
  } catch {
    // Wrong key (rotated CREDENTIALS_KEY) or tampered record: said below, without detail.
  }
  throw new NotConfigured("Stored credentials cannot be decrypted with the current CREDENTIALS_KEY.");
}
