/**
 * Twilio's own SDK (`twilio`) as a peer: `client.calls(sid).update({ status: "completed" })` against the fake
 * (the SDK's `api` domain pointed at it), compared with the gateway's hangup of another call.
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStatus } from "../read-status";
import { sendHangup } from "../send-hangup";
import { oddCallId, startPeer, wireView, type Peer } from "../testing/sdk-peer";
import { twilio } from ".";
import { twilioCallbacks } from "./callbacks";
import { TWILIO_FAKE_AUTH } from "./fake";
import { twilioStatusRead } from "./status";
import { TEST_SCOPE } from "../testing/kit";

const require = createRequire(import.meta.url);
let peer: Peer;

beforeAll(async () => {
  peer = await startPeer();
});

afterAll(() => peer.fake.close());

describe("twilio: the gateway's hangup reads as the SDK's", () => {
  it("method, raw and decoded path, Basic auth, content type and body match Twilio's SDK", async () => {
    const client = require("twilio")(TWILIO_FAKE_AUTH.account_sid, TWILIO_FAKE_AUTH.auth_token);
    client.api.baseUrl = peer.fake.url;
    const sdkCall = oddCallId("CAsdk");
    const updated = await client.calls(sdkCall).update({ status: "completed" });
    expect(updated.status).toBe("completed");

    const gatewayCall = oddCallId("CAgw");
    const result = await sendHangup(twilio, { callId: gatewayCall, operationId: "op-1", credentials: TWILIO_FAKE_AUTH, baseUrl: peer.fake.url, scope: TEST_SCOPE });
    expect(result.reading.status).toBe("terminated");

    const sdk = wireView(await peer.requestFor(sdkCall));
    const gateway = wireView(await peer.requestFor(gatewayCall));
    expect(gateway).toEqual({ ...sdk, rawPath: sdk.rawPath.replace(sdkCall, gatewayCall), decodedPath: sdk.decodedPath.replace(sdkCall, gatewayCall) });
    expect(sdk).toMatchObject({
      method: "POST",
      rawPath: `/2010-04-01/Accounts/${TWILIO_FAKE_AUTH.account_sid}/Calls/${sdkCall}.json`,
      auth: `Basic ${TWILIO_FAKE_AUTH.account_sid}:${TWILIO_FAKE_AUTH.auth_token}`,
      contentType: "application/x-www-form-urlencoded",
      body: { Status: "completed" },
    });
  });
});

describe("twilio: the gateway's status read reads as the SDK's", () => {
  it("method, raw and decoded path, Basic auth, content type and (no) body match `calls(sid).fetch()`", async () => {
    const client = require("twilio")(TWILIO_FAKE_AUTH.account_sid, TWILIO_FAKE_AUTH.auth_token);
    client.api.baseUrl = peer.fake.url;
    const sdkCall = oddCallId("CAsdk");
    const fetched = await client.calls(sdkCall).fetch();
    expect(fetched.status).toBe("in-progress");

    const gatewayCall = oddCallId("CAgw");
    const result = await readStatus(twilioStatusRead, { callId: gatewayCall, credentials: TWILIO_FAKE_AUTH, baseUrl: peer.fake.url });
    expect(result.reading).toEqual({ kind: "live" });

    const sdk = wireView(await peer.requestFor(sdkCall));
    const gateway = wireView(await peer.requestFor(gatewayCall));
    expect(gateway).toEqual({
      ...sdk,
      rawPath: sdk.rawPath.replace(sdkCall, gatewayCall),
      decodedPath: sdk.decodedPath.replace(sdkCall, gatewayCall),
    });
    expect(sdk).toMatchObject({
      method: "GET",
      rawPath: `/2010-04-01/Accounts/${TWILIO_FAKE_AUTH.account_sid}/Calls/${sdkCall}.json`,
      auth: `Basic ${TWILIO_FAKE_AUTH.account_sid}:${TWILIO_FAKE_AUTH.auth_token}`,
      contentType: "none",
      body: "",
    });
  });
});

describe("twilio: callback signatures, the SDK's helpers against the gateway's verifier", () => {
  const token = TWILIO_FAKE_AUTH.auth_token;
  const url = "https://hangup.example.com/callbacks/acme/twilio?leg=a&b=2";
  const params = { CallSid: "CA123", CallStatus: "completed", AccountSid: TWILIO_FAKE_AUTH.account_sid, To: "+14155550100", Caller: "+14155550199" };
  const asRequest = (signature: string, form = params) => ({
    url,
    headers: new Headers({ "x-twilio-signature": signature }),
    mediaType: "application/x-www-form-urlencoded",
    body: new URLSearchParams(form).toString(),
  });

  it("the gateway accepts the signature the SDK computes, and the SDK validates it; a changed parameter fails both", async () => {
    const sdk = require("twilio");
    const signature = sdk.getExpectedTwilioSignature(token, url, params);
    expect(sdk.validateRequest(token, signature, url, params)).toBe(true);
    expect(await twilioCallbacks.verify(asRequest(signature), TWILIO_FAKE_AUTH)).toBe("authentic");

    const changed = { ...params, CallStatus: "in-progress" };
    expect(sdk.validateRequest(token, signature, url, changed)).toBe(false);
    expect(await twilioCallbacks.verify(asRequest(signature, changed), TWILIO_FAKE_AUTH)).toBe("forged");
  });
});
