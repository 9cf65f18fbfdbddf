/**
 * How Telnyx and Vonage sign their callbacks, done independently of the gateway's verifiers (WebCrypto and
 * `jose` directly, keys made in the test), so that a test can sign as the provider would. Runs in workerd
 * and in Node alike: the SDK cross-checks use these too.
 */
import { SignJWT } from "jose";

function toBase64(bytes: ArrayBuffer | Uint8Array): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

export interface TelnyxKeys {
  /** As the Telnyx portal shows it: base64 of the raw 32-byte key. */
  publicKey: string;
  privateKey: CryptoKey;
}

export async function telnyxKeys(): Promise<TelnyxKeys> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const raw = (await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer;
  return { publicKey: toBase64(raw), privateKey: pair.privateKey };
}

/** The headers Telnyx sends with `body`: the Ed25519 signature of `{timestamp}|{body}`. */
export async function telnyxSignature(keys: TelnyxKeys, body: string, timestamp = Math.floor(Date.now() / 1000)): Promise<Record<string, string>> {
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, keys.privateKey, new TextEncoder().encode(`${timestamp}|${body}`));
  return { "telnyx-signature-ed25519": toBase64(signature), "telnyx-timestamp": String(timestamp) };
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Vonage's signed-webhook JWT for `body`: HS256 with the signature secret, `payload_hash` the body's SHA-256. */
export async function vonageSignature(secret: string, body: string, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ api_key: "abcd1234", application_id: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", payload_hash: await sha256Hex(body), ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .sign(new TextEncoder().encode(secret));
}
