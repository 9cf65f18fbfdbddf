/** Telnyx callbacks: Ed25519 signatures made in the test with a fresh key pair, as Telnyx signs them. */
import { beforeAll, describe, expect, it } from "vitest";
import type { CallbackRequest } from "../callbacks/types";
import { telnyxKeys, telnyxSignature, type TelnyxKeys } from "../testing/signers";
import { telnyx } from ".";
import { TELNYX_TOLERANCE_SECONDS, telnyxCallbacks } from "./callbacks";

const BODY = JSON.stringify({ data: { event_type: "call.hangup", payload: { call_control_id: "v3:abc", hangup_cause: "normal_clearing" } } });
let keys: TelnyxKeys;

beforeAll(async () => {
  keys = await telnyxKeys();
});

function request(headers: Record<string, string>, body = BODY): CallbackRequest {
  return { url: "https://gw.example/callbacks/t/c", headers: new Headers(headers), mediaType: "application/json", body };
}

const credentials = () => ({ api_key: "KEY", public_key: keys.publicKey });

describe("telnyx callbacks: verify", () => {
  it("a signature by the connection's key over timestamp|body is authentic", async () => {
    expect(await telnyxCallbacks.verify(request(await telnyxSignature(keys, BODY)), credentials())).toBe("authentic");
  });

  it("another body, another key, a missing header or a malformed signature is forged", async () => {
    const signed = await telnyxSignature(keys, BODY);
    expect(await telnyxCallbacks.verify(request(signed, BODY.replace("hangup", "answered")), credentials())).toBe("forged");
    expect(await telnyxCallbacks.verify(request(await telnyxSignature(await telnyxKeys(), BODY)), credentials())).toBe("forged");
    expect(await telnyxCallbacks.verify(request({ "telnyx-timestamp": signed["telnyx-timestamp"]! }), credentials())).toBe("forged");
    expect(await telnyxCallbacks.verify(request({ "telnyx-signature-ed25519": signed["telnyx-signature-ed25519"]! }), credentials())).toBe("forged");
    expect(await telnyxCallbacks.verify(request({ ...signed, "telnyx-signature-ed25519": "bm90IGl0" }), credentials())).toBe("forged");
    // The timestamp is signed too: moving it breaks the signature.
    expect(await telnyxCallbacks.verify(request({ ...signed, "telnyx-timestamp": String(Number(signed["telnyx-timestamp"]) + 1) }), credentials())).toBe("forged");
  });

  it("accepts a timestamp up to 300 s away either way, and refuses one further", async () => {
    const now = new Date();
    const at = (offset: number) => Math.floor(now.getTime() / 1000) + offset;
    for (const offset of [-TELNYX_TOLERANCE_SECONDS, TELNYX_TOLERANCE_SECONDS - 1]) {
      expect(await telnyxCallbacks.verify(request(await telnyxSignature(keys, BODY, at(offset))), credentials(), now)).toBe("authentic");
    }
    for (const offset of [-TELNYX_TOLERANCE_SECONDS - 2, TELNYX_TOLERANCE_SECONDS + 2]) {
      expect(await telnyxCallbacks.verify(request(await telnyxSignature(keys, BODY, at(offset))), credentials(), now)).toBe("forged");
    }
  });

  it("without a public_key there is nothing to check with: uncheckable", async () => {
    expect(await telnyxCallbacks.verify(request(await telnyxSignature(keys, BODY)), { api_key: "KEY" })).toBe("uncheckable");
  });

  it("reads the call's lifecycle event", () => {
    expect(telnyxCallbacks.parse(request({}))).toMatchObject({ callId: "v3:abc", providerStatus: "call.hangup", state: "ended", cause: "completed" });
  });
});

describe("telnyx credentials: public_key", () => {
  it("is optional, and when given must be base64 of 32 bytes", () => {
    expect(telnyx.credentials.safeParse({ api_key: "K" }).success).toBe(true);
    expect(telnyx.credentials.safeParse({ api_key: "K", public_key: keys.publicKey }).success).toBe(true);
    for (const bad of ["", "not base64!", btoa("x".repeat(31)), btoa("x".repeat(33)), "-----BEGIN PUBLIC KEY-----"]) {
      const parsed = telnyx.credentials.safeParse({ api_key: "K", public_key: bad });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/base64 of 32 bytes/);
    }
  });
});
