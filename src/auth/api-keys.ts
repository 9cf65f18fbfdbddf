/**
 * Tenant API keys. A key is `hgw_<id>_<secret>`: the fixed prefix lets secret scanners recognise a leaked
 * key, the id names it for revocation, and only its SHA-256 is ever stored.
 */
import { randomBytes, sha256Hex, toBase64Url } from "../bytes";

export const API_KEY_PREFIX = "hgw_";
const API_KEY_PATTERN = /^hgw_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/;
const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export function newKeyId(): string {
  return Array.from(randomBytes(12), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join("");
}

export function newApiKey(id: string): string {
  return `${API_KEY_PREFIX}${id}_${toBase64Url(randomBytes(32))}`;
}

export function looksLikeApiKey(value: string): boolean {
  return API_KEY_PATTERN.test(value);
}

export const hashApiKey = sha256Hex;
