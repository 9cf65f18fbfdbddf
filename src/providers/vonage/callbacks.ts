/**
 * Vonage Voice event webhooks: JSON with the call's `uuid` and `status`, read by ./lifecycle.ts.
 * With signed webhooks on, Vonage sends `Authorization: Bearer <JWT>`, HS256 with the account's signature
 * secret, whose `payload_hash` claim is the hex SHA-256 of the body (so the JWT vouches for this body, not
 * just for the sender). `exp`/`nbf` are honoured when present; no age is imposed on `iat`, since Vonage
 * documents none and may redeliver. A connection holding that `signature_secret` has its callbacks checked with `jose`;
 * one without it can only accept them with `callbacks: "unsigned-ok"`.
 */
import { jwtVerify } from "jose";
import { verdict, type CallbackDialect } from "../callbacks/types";
import { vonageEvent } from "./lifecycle";

function signatureSecret(credentials: unknown): string | undefined {
  const secret = (credentials as { signature_secret?: unknown } | null)?.signature_secret;
  return typeof secret === "string" && secret !== "" ? secret : undefined;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export const vonageCallbacks: CallbackDialect = {
  async verify(request, credentials, now = new Date()) {
    const secret = signatureSecret(credentials);
    if (!secret) return "uncheckable";
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    if (!token) return "forged";
    try {
      const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
        algorithms: ["HS256"],
        currentDate: now,
      });
      return verdict(typeof payload.payload_hash === "string" && payload.payload_hash.toLowerCase() === (await sha256Hex(request.body)));
    } catch {
      return "forged";
    }
  },

  parse(request) {
    return vonageEvent(request.body);
  },
};
