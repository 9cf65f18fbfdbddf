/**
 * The Vonage application's private key: checked synchronously (so the credentials schema can refuse a bad
 * key when the connection is saved), imported once per isolate with `jose` (importing RSA keys is the slow
 * part), and used to sign the RS256 JWT every hangup carries. No message here ever quotes the key.
 */
import { SignJWT, importPKCS8, type CryptoKey as JoseKey } from "jose";
import { BoundedMap } from "../../bounded-map";
import { fromBase64 } from "../../bytes";
import { Unsendable } from "../../errors";

const PKCS8_PEM = /^-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----$/;
const PKCS1_PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----";

/**
 * What a PKCS#8 RSA key holds right after its outer SEQUENCE header: version 0, then the algorithm
 * identifier rsaEncryption (OID 1.2.840.113549.1.1.1) with NULL parameters, then the key's OCTET STRING.
 */
const PKCS8_RSA_PREFIX = [0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x04];

/** Distinct keys kept imported in one isolate (the one imported longest ago goes first); a gateway serves few provider applications. */
export const MAX_IMPORTED_KEYS = 64;

const UNUSABLE_KEY = "the private key could not be imported as an RSA key (PKCS#8)";

const importedKeys = new BoundedMap<string, Promise<JoseKey>>(MAX_IMPORTED_KEYS);

/** The DER bytes of a PKCS#8 PEM, or undefined when the text is not one. */
function pkcs8Der(pem: string): Uint8Array | undefined {
  const body = PKCS8_PEM.exec(pem.trim())?.[1];
  if (body === undefined) return undefined;
  return fromBase64(body.replace(/\s+/g, "")) ?? undefined;
}

/** The length of the DER header of the outer SEQUENCE, if its declared length covers exactly the bytes. */
function outerSequenceHeaderLength(der: Uint8Array): number | undefined {
  if (der[0] !== 0x30 || der.length < 2) return undefined;
  const first = der[1]!;
  if (first < 0x80) return first + 2 === der.length ? 2 : undefined;
  const lengthBytes = first & 0x7f;
  if (lengthBytes === 0 || lengthBytes > 4) return undefined;
  let length = 0;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + (der[2 + i] ?? 0);
  return 2 + lengthBytes + length === der.length ? 2 + lengthBytes : undefined;
}

/**
 * Why this text is not an RSA private key in PKCS#8 PEM, or undefined when it looks like one. Checks the
 * armour, the base64 and the DER structure up to the algorithm; the key material itself is checked by
 * the import when the first token is signed.
 */
export function describePrivateKeyProblem(pem: string): string | undefined {
  const text = pem.trim();
  if (text.startsWith(PKCS1_PEM_HEADER)) {
    return "must be PKCS#8 (BEGIN PRIVATE KEY), not PKCS#1 (BEGIN RSA PRIVATE KEY); convert it with `openssl pkcs8 -topk8 -nocrypt`";
  }
  const der = pkcs8Der(text);
  if (!der) return "must be a PEM private key: -----BEGIN PRIVATE KEY----- base64 -----END PRIVATE KEY-----";
  const header = outerSequenceHeaderLength(der);
  if (header === undefined) return "is not a well-formed PKCS#8 key (its DER structure is damaged or truncated)";
  if (!PKCS8_RSA_PREFIX.every((byte, i) => der[header + i] === byte)) return "must be an RSA key (PKCS#8 rsaEncryption)";
  return undefined;
}

function importSigningKey(pem: string): Promise<JoseKey> {
  return importPKCS8(pem.trim(), "RS256").catch(() => {
    throw new Unsendable(UNUSABLE_KEY);
  });
}

/** The imported key for this PEM, imported at most once per isolate while it stays in the cache. */
function signingKey(pem: string): Promise<JoseKey> {
  const cached = importedKeys.get(pem);
  if (cached) return cached;
  const imported = importSigningKey(pem);
  importedKeys.set(pem, imported);
  // A key that does not import is not kept: the caller sees the failure, and nothing stale remains.
  imported.catch(() => importedKeys.delete(pem));
  return imported;
}

/** Vonage's application claims, as its SDK (`@vonage/jwt` tokenGenerate) sets them. */
export interface ApplicationClaims {
  application_id: string;
  iat: number;
  exp: number;
  jti: string;
}

/** `header.claims.signature`, signed RS256 with the PEM's key. Rejects with a message that never quotes the key. */
export async function signApplicationJwt({ application_id, iat, exp, jti }: ApplicationClaims, privateKeyPem: string): Promise<string> {
  const key = await signingKey(privateKeyPem);
  return new SignJWT({ application_id }).setProtectedHeader({ alg: "RS256", typ: "JWT" }).setIssuedAt(iat).setExpirationTime(exp).setJti(jti).sign(key);
}
