/**
 * Vonage: the hangup in its dialect with a freshly signed RS256 JWT, the private-key checks, its
 * answers, and the fake (which verifies the signature with the public key) end to end.
 */
import { describe, expect, it, vi } from "vitest";
import { getProvider } from "../registry";
import { sendHangup } from "../send-hangup";
import { vonage } from ".";
import { VONAGE_FAKE_AUTH } from "./fake";
import { VONAGE_TEST_PRIVATE_KEY, VONAGE_TEST_PUBLIC_KEY } from "./test-key";
import { fakeProviderUrl, providerRequests, scriptProvider } from "../../../test/helpers";
import { QUICK_RETRIES, TEST_SCOPE, answerOf, confirmationTable, expectNoCredential, operationId } from "../testing/kit";

const APPLICATION_ID = "aaaaaaaa-0000-4000-8000-000000000001";
const CREDENTIALS = { application_id: APPLICATION_ID, private_key: VONAGE_TEST_PRIVATE_KEY };

/** A P-256 key, test-only: a well-formed PKCS#8 key that is not RSA. */
const EC_TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQguriT9ETkXCDc6jV6
YmkpBr6XpMhzr339GiGx96BVa+KhRANCAARZ7wBnYELo0Cq+ZuYOU5unObc1vwmw
83L/q/KbSWQsW++SneLapEIaA3AFdDrhdsrft/5RhUwATGIvw4Q/EfO5
-----END PRIVATE KEY-----`;

const RSASSA_SHA256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };

function input(callId: string, overrides: Partial<Parameters<typeof vonage.buildRequest>[0]> = {}) {
  return { callId, operationId: operationId(), credentials: CREDENTIALS, baseUrl: vonage.defaultBaseUrl, scope: TEST_SCOPE, ...overrides };
}

function pemToDer(pem: string): Uint8Array {
  const base64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function derToPem(der: Uint8Array): string {
  const base64 = btoa(String.fromCharCode(...der));
  return `-----BEGIN PRIVATE KEY-----\n${base64.replace(/(.{64})/g, "$1\n")}\n-----END PRIVATE KEY-----`;
}

function base64UrlDecode(part: string): Uint8Array {
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

/** The token's header and claims, and whether the test key's public half verifies its signature. */
async function openJwt(authorization: string | undefined) {
  const [header = "", claims = "", signature = ""] = (authorization ?? "").replace(/^Bearer /, "").split(".");
  const publicKey = await crypto.subtle.importKey("spki", pemToDer(VONAGE_TEST_PUBLIC_KEY), RSASSA_SHA256, false, ["verify"]);
  const verified = await crypto.subtle.verify(RSASSA_SHA256, publicKey, base64UrlDecode(signature), new TextEncoder().encode(`${header}.${claims}`));
  const decode = (part: string) => JSON.parse(new TextDecoder().decode(base64UrlDecode(part))) as Record<string, unknown>;
  return { header: decode(header), claims: decode(claims), verified };
}

/**
 * The test key with its inner RSAPrivateKey SEQUENCE tag changed: the armour, the base64, the outer
 * structure and the rsaEncryption identifier are all intact, but WebCrypto cannot import it.
 */
function keyThatShapesRightButDoesNotImport(): string {
  const der = pemToDer(VONAGE_TEST_PRIVATE_KEY);
  // 4 bytes of outer SEQUENCE header, 19 of version + algorithm + OCTET STRING tag, 3 of its length.
  const innerSequenceTag = 4 + 19 + 3;
  expect(der[innerSequenceTag]).toBe(0x30);
  der[innerSequenceTag] = 0x31;
  return derToPem(der);
}

function keyProblems(privateKey: string): string[] {
  const parsed = vonage.credentials.safeParse({ application_id: APPLICATION_ID, private_key: privateKey });
  const keyMaterial = privateKey.slice(40, 80);
  for (const issue of parsed.error?.issues ?? []) if (keyMaterial.length > 0) expect(issue.message).not.toContain(keyMaterial);
  return (parsed.error?.issues ?? []).map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("vonage: building the request", () => {
  it("is registered under its name", () => {
    expect(getProvider("vonage")).toBe(vonage);
  });

  it("PUTs {action: hangup} with a fresh RS256 JWT for the application", async () => {
    const before = Math.floor(Date.now() / 1000);
    const request = await vonage.buildRequest(input("63f61863-4a51-4f6b-86e1-46edebcf9356"));
    expect(request).toMatchObject({
      method: "PUT",
      url: "https://api.nexmo.com/v1/calls/63f61863-4a51-4f6b-86e1-46edebcf9356",
      headers: { authorization: expect.stringMatching(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/), "content-type": "application/json" },
      body: JSON.stringify({ action: "hangup" }),
    });
    expect(Object.keys(request.headers).sort()).toEqual(["authorization", "content-type"]);

    const { header, claims, verified } = await openJwt(request.headers.authorization);
    expect(verified).toBe(true);
    expect(header).toEqual({ alg: "RS256", typ: "JWT" });
    expect(claims).toEqual({ application_id: APPLICATION_ID, iat: expect.any(Number), exp: expect.any(Number), jti: expect.any(String) });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(300);
  });

  it("signs a new token, with a new jti, for every hangup", async () => {
    const first = await openJwt((await vonage.buildRequest(input("c1"))).headers.authorization);
    const second = await openJwt((await vonage.buildRequest(input("c1"))).headers.authorization);
    expect(first.claims.jti).not.toBe(second.claims.jti);
  });

  it("imports a key once per isolate", async () => {
    // The same key with other line endings is another text, so it is not cached yet.
    const privateKey = VONAGE_TEST_PRIVATE_KEY.replace(/\n/g, "\r\n");
    const importKey = vi.spyOn(crypto.subtle, "importKey");
    try {
      await vonage.buildRequest(input("c1", { credentials: { ...CREDENTIALS, private_key: privateKey } }));
      await vonage.buildRequest(input("c2", { credentials: { ...CREDENTIALS, private_key: privateKey } }));
      expect(importKey).toHaveBeenCalledTimes(1);
    } finally {
      importKey.mockRestore();
    }
  });

  it("keeps the path of base_url and percent-encodes the uuid", async () => {
    const request = await vonage.buildRequest(input("a/b c", { baseUrl: "http://127.0.0.1:9000/vg" }));
    expect(request.url).toBe("http://127.0.0.1:9000/vg/v1/calls/a%2Fb%20c");
  });

  it.each(["", "  ", ".", ".."])("refuses the uuid %j", async (callId) => {
    await expect(vonage.buildRequest(input(callId))).rejects.toThrow(/without a specific call id/);
  });

  it("a key that does not import rejects clearly, without quoting the key", async () => {
    const privateKey = keyThatShapesRightButDoesNotImport();
    const error = await Promise.resolve(vonage.buildRequest(input("c1", { credentials: { ...CREDENTIALS, private_key: privateKey } }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/private key could not be imported/);
    expect((error as Error).message).not.toContain(privateKey.slice(40, 80));
  });
});

describe("vonage: credentials", () => {
  it("accept an application id and a PKCS#8 RSA private key", () => {
    expect(vonage.credentials.safeParse(CREDENTIALS).success).toBe(true);
    expect(vonage.credentials.safeParse({ ...CREDENTIALS, private_key: `\n${VONAGE_TEST_PRIVATE_KEY}\n` }).success).toBe(true);
  });

  it("name each missing field", () => {
    expect(vonage.credentials.safeParse({}).error?.issues.map((i) => i.path.join(".")).sort()).toEqual(["application_id", "private_key"]);
    expect(vonage.credentials.safeParse({ ...CREDENTIALS, api_key: "x" }).success).toBe(false);
  });

  it("refuse what is not an RSA PKCS#8 PEM, saying why", () => {
    expect(keyProblems("not a key")).toEqual([expect.stringMatching(/^private_key: must be a PEM private key/)]);
    expect(keyProblems(VONAGE_TEST_PRIVATE_KEY.replace(/PRIVATE KEY/g, "RSA PRIVATE KEY"))).toEqual([expect.stringMatching(/^private_key: must be PKCS#8 .*openssl pkcs8/)]);
    expect(keyProblems(VONAGE_TEST_PUBLIC_KEY)).toEqual([expect.stringMatching(/^private_key: must be a PEM private key/)]);
    expect(keyProblems(VONAGE_TEST_PRIVATE_KEY.replace(/\n[^\n]+\n-----END/, "\n!!!!\n-----END"))).toEqual([expect.stringMatching(/^private_key: must be a PEM private key/)]);
    expect(keyProblems(derToPem(pemToDer(VONAGE_TEST_PRIVATE_KEY).slice(0, 600)))).toEqual([expect.stringMatching(/^private_key: .*damaged or truncated/)]);
    expect(keyProblems(EC_TEST_KEY)).toEqual([expect.stringMatching(/^private_key: must be an RSA key/)]);
  });
});

describe("vonage: what confirms a hangup (the table in src/providers/README.md)", () => {
  confirmationTable(vonage, [
    { answer: "204 no body", status: 204, reads: { status: "terminated" } },
    { answer: "200 empty body", status: 200, body: "", reads: { status: "terminated" } },
    { answer: "200 its error object", status: 200, body: { type: "https://developer.nexmo.com/api-errors#not-found", title: "Not Found" }, reads: { status: "failed", code: "not-found", retryable: false } },
    { answer: '200 {error: "…"}', status: 200, body: { error: "x" }, reads: { status: "failed", retryable: false } },
    { answer: "200 {} (a body where none is documented)", status: 200, body: {}, reads: { status: "failed", retryable: false, detail: expect.stringContaining("not confirmed") } },
    { answer: "200 []", status: 200, body: [], reads: { status: "failed", retryable: false } },
    { answer: "200 text", status: 200, body: "OK", reads: { status: "failed", retryable: false } },
  ]);
});

describe("vonage: reading the answer", () => {
  it("204 is a hangup", () => {
    expect(vonage.readResponse(answerOf(204))).toMatchObject({ status: "terminated" });
  });

  it("404 is not_found: Vonage gives one answer for ended and unknown uuids", () => {
    const body = { type: "https://developer.nexmo.com/api-errors#not-found", title: "Not Found", detail: "Call not found", instance: "x" };
    expect(vonage.readResponse(answerOf(404, body))).toMatchObject({ status: "not_found", code: "not-found" });
    expect(vonage.readResponse(answerOf(404, ""))).toMatchObject({ status: "not_found" });
  });

  it("401 and 403 are rejected credentials, never retried", () => {
    for (const status of [401, 403]) {
      const body = { type: "https://developer.nexmo.com/api-errors#unauthorized", title: "Unauthorized", detail: "…" };
      const reading = vonage.readResponse(answerOf(status, body));
      expect(reading).toMatchObject({ status: "failed", credentialsRejected: true, retryable: false, code: "unauthorized" });
      expectNoCredential(reading, CREDENTIALS);
    }
  });

  it("429 and 5xx are retried; 400 is a refusal", () => {
    expect(vonage.readResponse(answerOf(429, "", { "retry-after": "1" }))).toMatchObject({ status: "failed", retryable: true, retryAfterMs: 1000 });
    expect(vonage.readResponse(answerOf(503, ""))).toMatchObject({ status: "failed", retryable: true });
    expect(vonage.readResponse(answerOf(400, { type: "https://developer.nexmo.com/api-errors#bad-request", title: "Bad Request" }))).toMatchObject({
      status: "failed",
      retryable: false,
      code: "bad-request",
    });
  });
});

describe("vonage: against the fake provider (which checks the JWT with the public key)", () => {
  const live = () => input(crypto.randomUUID(), { credentials: VONAGE_FAKE_AUTH, baseUrl: `${fakeProviderUrl()}/vg` });

  it("hangs up a live call once; the second hangup reads 404", async () => {
    const hangup = live();
    expect(await sendHangup(vonage, hangup, QUICK_RETRIES)).toMatchObject({ reading: { status: "terminated" }, httpStatus: 204 });
    expect(await sendHangup(vonage, hangup, QUICK_RETRIES)).toMatchObject({ reading: { status: "not_found" }, httpStatus: 404 });

    const [request] = await providerRequests(hangup.callId);
    expect(request).toMatchObject({ method: "PUT", path: `/vg/v1/calls/${hangup.callId}`, headers: { "content-type": "application/json" } });
    expect(JSON.parse(request?.body ?? "")).toEqual({ action: "hangup" });
    expect((await openJwt(request?.headers.authorization)).claims.application_id).toBe(VONAGE_FAKE_AUTH.application_id);
  });

  it.each(["ended", "unknown"])("a call id starting %s- is not_found", async (prefix) => {
    const result = await sendHangup(vonage, { ...live(), callId: `${prefix}-${crypto.randomUUID()}` }, QUICK_RETRIES);
    expect(result.reading.status).toBe("not_found");
  });

  it("a token for another application is refused: failed once, not retried", async () => {
    const result = await sendHangup(vonage, { ...live(), credentials: { ...VONAGE_FAKE_AUTH, application_id: APPLICATION_ID } }, QUICK_RETRIES);
    expect(result.reading).toMatchObject({ status: "failed", credentialsRejected: true });
    expect(result.attempts).toHaveLength(1);
  });

  it("retries a 503 and then hangs up", async () => {
    const hangup = live();
    await scriptProvider(hangup.callId, [{ status: 503 }]);
    const result = await sendHangup(vonage, hangup, QUICK_RETRIES);
    expect(result.reading.status).toBe("terminated");
    expect(result.attempts.map((a) => a.http_status)).toEqual([503, 204]);
  });

  it("a key that does not import sends nothing", async () => {
    const hangup = { ...live(), credentials: { ...VONAGE_FAKE_AUTH, private_key: keyThatShapesRightButDoesNotImport() } };
    await expect(sendHangup(vonage, hangup, QUICK_RETRIES)).rejects.toThrow(/private key could not be imported/);
    expect(await providerRequests(hangup.callId)).toEqual([]);
  });
});
