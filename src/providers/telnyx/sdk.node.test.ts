/**
 * Telnyx's own SDK (`telnyx`) as a peer: `calls.actions.hangup(id, { command_id })` against the fake (its
 * `baseURL` option), compared with the gateway's hangup; and its webhook verification helper against the
 * gateway's verifier, with a key pair made here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Telnyx from "telnyx";
import { TelnyxWebhook } from "telnyx/lib/webhooks";
import { readStatus } from "../read-status";
import { sendHangup } from "../send-hangup";
import { oddCallId, startPeer, wireView, type Peer } from "../testing/sdk-peer";
import { telnyxKeys, telnyxSignature } from "../testing/signers";
import { telnyx } from ".";
import { telnyxCallbacks } from "./callbacks";
import { TELNYX_FAKE_AUTH } from "./fake";
import { telnyxStatusRead } from "./status";
import { TEST_SCOPE } from "../testing/kit";

let peer: Peer;

beforeAll(async () => {
  peer = await startPeer();
});

afterAll(() => peer.fake.close());

describe("telnyx: the gateway's hangup reads as the SDK's", () => {
  it("method, raw and decoded path, Bearer key, content type and body match Telnyx's SDK", async () => {
    const client = new Telnyx({ apiKey: TELNYX_FAKE_AUTH.api_key, baseURL: `${peer.fake.url}/v2`, maxRetries: 0 });
    const sdkCall = oddCallId("v3");
    await client.calls.actions.hangup(sdkCall, { command_id: "op-sdk" });

    const gatewayCall = oddCallId("v3");
    const result = await sendHangup(telnyx, { callId: gatewayCall, operationId: "op-gw", credentials: TELNYX_FAKE_AUTH, baseUrl: peer.fake.url, scope: TEST_SCOPE });
    expect(result.reading.status).toBe("terminated");

    const sdk = wireView(await peer.requestFor(sdkCall));
    const gateway = wireView(await peer.requestFor(gatewayCall));
    expect(gateway).toEqual({
      ...sdk,
      rawPath: sdk.rawPath.replace(sdkCall, gatewayCall),
      decodedPath: sdk.decodedPath.replace(sdkCall, gatewayCall),
      body: { command_id: "op-gw" },
    });
    expect(sdk).toMatchObject({
      method: "POST",
      rawPath: `/v2/calls/${sdkCall}/actions/hangup`,
      auth: `Bearer ${TELNYX_FAKE_AUTH.api_key}`,
      contentType: "application/json",
      body: { command_id: "op-sdk" },
    });
  });
});

describe("telnyx: the gateway's status read reads as the SDK's", () => {
  it("method, raw and decoded path, Bearer key, content type and (no) body match `calls.retrieveStatus(id)`", async () => {
    const client = new Telnyx({ apiKey: TELNYX_FAKE_AUTH.api_key, baseURL: `${peer.fake.url}/v2`, maxRetries: 0 });
    const sdkCall = oddCallId("v3");
    expect((await client.calls.retrieveStatus(sdkCall)).data?.is_alive).toBe(true);
    const gatewayCall = oddCallId("v3");
    expect((await readStatus(telnyxStatusRead, { callId: gatewayCall, credentials: TELNYX_FAKE_AUTH, baseUrl: peer.fake.url })).reading).toEqual({ kind: "live" });

    const sdk = wireView(await peer.requestFor(sdkCall));
    expect(wireView(await peer.requestFor(gatewayCall))).toEqual({
      ...sdk,
      rawPath: sdk.rawPath.replace(sdkCall, gatewayCall),
      decodedPath: sdk.decodedPath.replace(sdkCall, gatewayCall),
    });
    expect(sdk).toMatchObject({ method: "GET", rawPath: `/v2/calls/${sdkCall}`, auth: `Bearer ${TELNYX_FAKE_AUTH.api_key}`, contentType: "none", body: "" });
  });
});

describe("telnyx: webhook signatures, the SDK's helper against the gateway's verifier", () => {
  const body = JSON.stringify({ data: { event_type: "call.hangup", payload: { call_control_id: "v3:abc" } } });
  const asRequest = (headers: Record<string, string>, text = body) => ({ url: "https://gw.example/cb", headers: new Headers(headers), mediaType: "application/json", body: text });

  it("both accept what Telnyx would sign, and both refuse a changed body, another key, a stale timestamp", async () => {
    const keys = await telnyxKeys();
    const sdk = new TelnyxWebhook(keys.publicKey);
    const credentials = { api_key: "K", public_key: keys.publicKey };
    const signed = await telnyxSignature(keys, body);
    await expect(sdk.verify(body, signed)).resolves.toBeUndefined();
    expect(await telnyxCallbacks.verify(asRequest(signed), credentials)).toBe("authentic");

    const changed = body.replace("hangup", "answered");
    await expect(sdk.verify(changed, signed)).rejects.toThrow();
    expect(await telnyxCallbacks.verify(asRequest(signed, changed), credentials)).toBe("forged");

    const otherKey = await telnyxSignature(await telnyxKeys(), body);
    await expect(sdk.verify(body, otherKey)).rejects.toThrow();
    expect(await telnyxCallbacks.verify(asRequest(otherKey), credentials)).toBe("forged");

    const stale = await telnyxSignature(keys, body, Math.floor(Date.now() / 1000) - 301);
    await expect(sdk.verify(body, stale)).rejects.toThrow(/too old/);
    expect(await telnyxCallbacks.verify(asRequest(stale), credentials)).toBe("forged");
  });

  it("the SDK refuses the public_key values the credentials schema refuses", () => {
    for (const bad of [btoa("x".repeat(31)), "not base64!"]) {
      expect(() => new TelnyxWebhook(bad)).toThrow();
      expect(telnyx.credentials.safeParse({ api_key: "K", public_key: bad }).success).toBe(false);
    }
  });
});
