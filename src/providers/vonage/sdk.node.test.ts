/**
 * Vonage's own SDK (`@vonage/server-sdk`) as a peer: `voice.hangupCall(uuid)` against the fake (its
 * `apiHost` option), compared with the gateway's hangup, JWT claims included; and `@vonage/jwt`
 * `verifySignature` against the gateway's callback verifier.
 */
import { Auth } from "@vonage/auth";
import { verifySignature } from "@vonage/jwt";
import { Vonage } from "@vonage/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStatus } from "../read-status";
import { sendHangup } from "../send-hangup";
import { jwtParts, oddCallId, startPeer, wireView, type Peer } from "../testing/sdk-peer";
import { vonageSignature } from "../testing/signers";
import { vonage } from ".";
import { vonageCallbacks } from "./callbacks";
import { VONAGE_FAKE_AUTH } from "./fake";
import { vonageStatusRead } from "./status";
import { TEST_SCOPE } from "../testing/kit";

let peer: Peer;

beforeAll(async () => {
  peer = await startPeer();
});

afterAll(() => peer.fake.close());

describe("vonage: the gateway's hangup reads as the SDK's", () => {
  it("method, raw and decoded path, content type and body match; the JWT carries the same claims, signed alike", async () => {
    const client = new Vonage(new Auth({ applicationId: VONAGE_FAKE_AUTH.application_id, privateKey: VONAGE_FAKE_AUTH.private_key }), { apiHost: peer.fake.url });
    const sdkCall = oddCallId("sdk");
    await client.voice.hangupCall(sdkCall);

    const gatewayCall = oddCallId("gw");
    const result = await sendHangup(vonage, { callId: gatewayCall, operationId: "op-1", credentials: VONAGE_FAKE_AUTH, baseUrl: peer.fake.url, scope: TEST_SCOPE });
    expect(result.reading.status).toBe("terminated");

    const sdkRequest = await peer.requestFor(sdkCall);
    const gatewayRequest = await peer.requestFor(gatewayCall);
    const sdk = wireView(sdkRequest);
    const gateway = wireView(gatewayRequest);
    expect({ ...gateway, auth: "compared below" }).toEqual({
      ...sdk,
      rawPath: sdk.rawPath.replace(sdkCall, gatewayCall),
      decodedPath: sdk.decodedPath.replace(sdkCall, gatewayCall),
      auth: "compared below",
    });
    expect(sdk).toMatchObject({ method: "PUT", rawPath: `/v1/calls/${sdkCall}`, contentType: "application/json", body: { action: "hangup" } });

    const sdkJwt = jwtParts(sdkRequest.headers.authorization!);
    const gatewayJwt = jwtParts(gatewayRequest.headers.authorization!);
    expect(gatewayJwt.header).toEqual(sdkJwt.header);
    expect(Object.keys(gatewayJwt.claims).sort()).toEqual(Object.keys(sdkJwt.claims).sort());
    expect(gatewayJwt.claims.application_id).toBe(sdkJwt.claims.application_id);
    // The one difference: the SDK's tokens live 900 s, the gateway's 300 s (enough for every retry).
    expect(Number(sdkJwt.claims.exp) - Number(sdkJwt.claims.iat)).toBe(900);
    expect(Number(gatewayJwt.claims.exp) - Number(gatewayJwt.claims.iat)).toBe(300);
  });
});

describe("vonage: the gateway's status read reads as the SDK's", () => {
  it("method, raw and decoded path, content type and (no) body match `voice.getCall(uuid)`; the JWT carries the same claims", async () => {
    const client = new Vonage(new Auth({ applicationId: VONAGE_FAKE_AUTH.application_id, privateKey: VONAGE_FAKE_AUTH.private_key }), { apiHost: peer.fake.url });
    const sdkCall = oddCallId("sdk");
    expect((await client.voice.getCall(sdkCall)).status).toBe("answered");
    const gatewayCall = oddCallId("gw");
    expect((await readStatus(vonageStatusRead, { callId: gatewayCall, credentials: VONAGE_FAKE_AUTH, baseUrl: peer.fake.url })).reading).toEqual({ kind: "live" });

    const sdkRequest = await peer.requestFor(sdkCall);
    const gatewayRequest = await peer.requestFor(gatewayCall);
    const sdk = wireView(sdkRequest);
    expect({ ...wireView(gatewayRequest), auth: "compared below" }).toEqual({
      ...sdk,
      rawPath: sdk.rawPath.replace(sdkCall, gatewayCall),
      decodedPath: sdk.decodedPath.replace(sdkCall, gatewayCall),
      auth: "compared below",
    });
    expect(sdk).toMatchObject({ method: "GET", rawPath: `/v1/calls/${sdkCall}`, contentType: "none", body: "" });
    const sdkJwt = jwtParts(sdkRequest.headers.authorization!);
    const gatewayJwt = jwtParts(gatewayRequest.headers.authorization!);
    expect(gatewayJwt.header).toEqual(sdkJwt.header);
    expect(Object.keys(gatewayJwt.claims).sort()).toEqual(Object.keys(sdkJwt.claims).sort());
    // The gateway's read token lives 60 s (one request), the SDK's 900 s.
    expect(Number(gatewayJwt.claims.exp) - Number(gatewayJwt.claims.iat)).toBe(60);
  });
});

describe("vonage: signed webhooks, @vonage/jwt verifySignature against the gateway's verifier", () => {
  const secret = "vonage-signature-secret";
  const body = JSON.stringify({ uuid: "63f61863-4a51-4f6b-86e1-46edebcf9356", status: "completed" });
  const asRequest = (token: string) => ({ url: "https://gw.example/cb", headers: new Headers({ authorization: `Bearer ${token}` }), mediaType: "application/json", body });
  const credentials = { ...VONAGE_FAKE_AUTH, signature_secret: secret };

  it("both accept a token Vonage would sign; both refuse one signed with another secret", async () => {
    const token = await vonageSignature(secret, body);
    expect(verifySignature(token, secret)).toBe(true);
    expect(await vonageCallbacks.verify(asRequest(token), credentials)).toBe("authentic");

    const forged = await vonageSignature("another-secret", body);
    expect(verifySignature(forged, secret)).toBe(false);
    expect(await vonageCallbacks.verify(asRequest(forged), credentials)).toBe("forged");
  });

  it("the SDK checks only the signature; the gateway also holds the token to this body (payload_hash)", async () => {
    const forAnotherBody = await vonageSignature(secret, JSON.stringify({ uuid: "another", status: "completed" }));
    expect(verifySignature(forAnotherBody, secret)).toBe(true);
    expect(await vonageCallbacks.verify(asRequest(forAnotherBody), credentials)).toBe("forged");
  });
});
