/** Vonage callbacks: HS256 JWTs made in the test with `jose`, as Vonage signs its webhooks. */
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import type { CallbackRequest } from "../callbacks/types";
import { vonageSignature } from "../testing/signers";
import { vonage } from ".";
import { vonageCallbacks } from "./callbacks";
import { VONAGE_FAKE_AUTH } from "./fake";

const SECRET = "vonage-signature-secret-for-tests";
const BODY = JSON.stringify({ uuid: "63f61863-4a51-4f6b-86e1-46edebcf9356", status: "completed", direction: "outbound" });
const credentials = { ...VONAGE_FAKE_AUTH, signature_secret: SECRET };

function request(authorization: string | undefined, body = BODY): CallbackRequest {
  return { url: "https://gw.example/callbacks/t/c", headers: new Headers(authorization ? { authorization } : {}), mediaType: "application/json", body };
}

describe("vonage callbacks: verify", () => {
  it("a JWT signed with the secret whose payload_hash is the body's SHA-256 is authentic", async () => {
    expect(await vonageCallbacks.verify(request(`Bearer ${await vonageSignature(SECRET, BODY)}`), credentials)).toBe("authentic");
  });

  it("another body, another secret, no token, an expired token or another algorithm is forged", async () => {
    const token = await vonageSignature(SECRET, BODY);
    expect(await vonageCallbacks.verify(request(`Bearer ${token}`, BODY.replace("completed", "answered")), credentials)).toBe("forged");
    expect(await vonageCallbacks.verify(request(`Bearer ${await vonageSignature("another-secret", BODY)}`), credentials)).toBe("forged");
    expect(await vonageCallbacks.verify(request(undefined), credentials)).toBe("forged");
    expect(await vonageCallbacks.verify(request(`Basic ${token}`), credentials)).toBe("forged");
    const expired = await vonageSignature(SECRET, BODY, { exp: Math.floor(Date.now() / 1000) - 10 });
    expect(await vonageCallbacks.verify(request(`Bearer ${expired}`), credentials)).toBe("forged");
    const noHash = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setIssuedAt().sign(new TextEncoder().encode(SECRET));
    expect(await vonageCallbacks.verify(request(`Bearer ${noHash}`), credentials)).toBe("forged");
    const unsignedToken = `${btoa(JSON.stringify({ alg: "none" }))}.${token.split(".")[1]}.`;
    expect(await vonageCallbacks.verify(request(`Bearer ${unsignedToken}`), credentials)).toBe("forged");
  });

  it("without a signature_secret there is nothing to check with: uncheckable", async () => {
    expect(await vonageCallbacks.verify(request(`Bearer ${await vonageSignature(SECRET, BODY)}`), VONAGE_FAKE_AUTH)).toBe("uncheckable");
  });
});

describe("vonage credentials: signature_secret", () => {
  it("is optional, and when given must not be empty", () => {
    expect(vonage.credentials.safeParse(VONAGE_FAKE_AUTH).success).toBe(true);
    expect(vonage.credentials.safeParse(credentials).success).toBe(true);
    expect(vonage.credentials.safeParse({ ...VONAGE_FAKE_AUTH, signature_secret: "" }).success).toBe(false);
  });
});
