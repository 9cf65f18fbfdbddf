/**
 * Plivo's own SDK (`plivo`) as a peer: it hangs up one call, the gateway another, on the same fake, and the
 * two requests must read the same to Plivo. The SDK hard-codes `https://api.plivo.com` for voice requests,
 * so the test points only the origin of its axios requests at the fake; method, path, headers and body
 * are the SDK's own.
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStatus } from "../read-status";
import { sendHangup } from "../send-hangup";
import { oddCallId, startPeer, wireView, type Peer } from "../testing/sdk-peer";
import { createHmac } from "node:crypto";
import { plivo } from ".";
import { plivoCallbacks, plivoSigningString } from "./callbacks";
import { PLIVO_FAKE_AUTH } from "./fake";
import { plivoStatusRead } from "./status";
import { TEST_SCOPE } from "../testing/kit";

const require = createRequire(import.meta.url);
let peer: Peer;
let restoreAdapter: () => void;

beforeAll(async () => {
  peer = await startPeer();
  const axios = require(require.resolve("axios", { paths: [require.resolve("plivo")] }));
  const http = axios.getAdapter("http");
  const previous = axios.defaults.adapter;
  axios.defaults.adapter = (config: { url: string }) => http({ ...config, url: config.url.replace("https://api.plivo.com", peer.fake.url) });
  restoreAdapter = () => (axios.defaults.adapter = previous);
});

afterAll(async () => {
  restoreAdapter();
  await peer.fake.close();
});

describe("plivo: the gateway's hangup reads as the SDK's", () => {
  it("method, raw and decoded path, Basic auth, content type and body match Plivo's SDK", async () => {
    const { Client } = require("plivo");
    const sdkCall = oddCallId("sdk");
    await expect(new Client(PLIVO_FAKE_AUTH.auth_id, PLIVO_FAKE_AUTH.auth_token).calls.hangup(sdkCall)).resolves.toBe(true);

    const gatewayCall = oddCallId("gw");
    const result = await sendHangup(plivo, { callId: gatewayCall, operationId: "op-1", credentials: PLIVO_FAKE_AUTH, baseUrl: peer.fake.url, scope: TEST_SCOPE });
    expect(result.reading.status).toBe("terminated");

    const sdk = wireView(await peer.requestFor(sdkCall));
    const gateway = wireView(await peer.requestFor(gatewayCall));
    expect(gateway).toEqual({ ...sdk, rawPath: sdk.rawPath.replace(sdkCall, gatewayCall), decodedPath: sdk.decodedPath.replace(sdkCall, gatewayCall) });
    expect(sdk).toMatchObject({
      method: "DELETE",
      rawPath: `/v1/Account/${PLIVO_FAKE_AUTH.auth_id}/Call/${sdkCall}/`,
      auth: `Basic ${PLIVO_FAKE_AUTH.auth_id}:${PLIVO_FAKE_AUTH.auth_token}`,
      // The SDK sends its (empty) parameters as JSON on every voice request, DELETE included.
      contentType: "application/json",
      body: {},
    });
  });
});

describe("plivo: the gateway's status read reads as the SDK's", () => {
  const client = () => new (require("plivo").Client)(PLIVO_FAKE_AUTH.auth_id, PLIVO_FAKE_AUTH.auth_token);
  const asRead = (view: ReturnType<typeof wireView>, from: string, to: string) => ({
    ...view,
    rawPath: view.rawPath.replace(from, to),
    decodedPath: view.decodedPath.replace(from, to),
    // Plivo's SDK labels every voice request's (here empty) parameters as JSON, GETs included; a GET carries no body to label.
    contentType: "none",
  });

  it("the live-call read: `calls.getLiveCall(id)`, the same but for the slash before `?status=live` the contract writes", async () => {
    const sdkCall = oddCallId("sdk");
    expect((await client().calls.getLiveCall(sdkCall)).callStatus).toBe("in-progress");
    const gatewayCall = oddCallId("gw");
    expect((await readStatus(plivoStatusRead, { callId: gatewayCall, credentials: PLIVO_FAKE_AUTH, baseUrl: peer.fake.url })).reading).toEqual({ kind: "live" });

    const sdkRequest = await peer.requestFor(sdkCall);
    const gatewayRequest = await peer.requestFor(gatewayCall);
    expect(sdkRequest.path).toBe(`/v1/Account/${PLIVO_FAKE_AUTH.auth_id}/Call/${sdkCall}?status=live`);
    expect(gatewayRequest.path).toBe(`/v1/Account/${PLIVO_FAKE_AUTH.auth_id}/Call/${gatewayCall}/?status=live`);
    const sdk = asRead(wireView(sdkRequest), sdkCall, gatewayCall);
    expect(wireView(gatewayRequest)).toEqual({ ...sdk, rawPath: `${sdk.rawPath}/`, decodedPath: `${sdk.decodedPath}/` });
    expect(sdk).toMatchObject({ method: "GET", auth: `Basic ${PLIVO_FAKE_AUTH.auth_id}:${PLIVO_FAKE_AUTH.auth_token}`, body: "" });
  });

  it("the detail record: `calls.get(id)`, the same request; both read the same record", async () => {
    const sdkCall = oddCallId("ended-sdk");
    const record = await client().calls.get(sdkCall);
    expect(record).toMatchObject({ hangupCauseName: "Normal Hangup", hangupSource: "Callee" });
    const gatewayCall = oddCallId("ended-gw");
    const result = await readStatus(plivoStatusRead, { callId: gatewayCall, credentials: PLIVO_FAKE_AUTH, baseUrl: peer.fake.url });
    expect(result.reading).toMatchObject({ kind: "ended", providerCause: record.hangupCauseName, endedBy: "callee", durationSeconds: record.callDuration });

    const sdk = asRead(wireView(await peer.requestFor(sdkCall)), sdkCall, gatewayCall);
    const [, detail] = (await (await fetch(`${peer.fake.url}/__requests?call=${encodeURIComponent(gatewayCall)}`)).json()) as Parameters<typeof wireView>[0][];
    expect(wireView(detail!)).toEqual(sdk);
    expect(sdk).toMatchObject({ method: "GET", rawPath: `/v1/Account/${PLIVO_FAKE_AUTH.auth_id}/Call/${gatewayCall}/` });
  });
});

describe("plivo: callback signatures (V3), the SDK's validateV3Signature against the gateway's verifier", () => {
  const token = PLIVO_FAKE_AUTH.auth_token;
  const nonce = "21471628893451847536";
  const params = { CallUUID: "abc-123", CallStatus: "completed", Event: "Hangup", From: "+14155550100" };
  const signed = (url: string, form: Record<string, string>) =>
    createHmac("sha256", token).update(plivoSigningString(url, Object.entries(form), nonce)).digest("base64");
  const asRequest = (url: string, signature: string, form = params) => ({
    url,
    headers: new Headers({ "x-plivo-signature-v3": signature, "x-plivo-signature-v3-nonce": nonce }),
    mediaType: "application/x-www-form-urlencoded",
    body: new URLSearchParams(form).toString(),
  });

  for (const url of ["https://hangup.example.com/callbacks/acme/plivo", "https://hangup.example.com/callbacks/acme/plivo?region=eu&a=1"]) {
    it(`both accept the same signature for ${url.includes("?") ? "a URL with a query" : "a URL without a query"}, and both refuse a changed parameter`, async () => {
      const { validateV3Signature } = require("plivo");
      const signature = signed(url, params);
      expect(validateV3Signature("POST", url, nonce, token, signature, params)).toBe(true);
      expect(await plivoCallbacks.verify(asRequest(url, signature), PLIVO_FAKE_AUTH)).toBe("authentic");

      const changed = { ...params, CallStatus: "in-progress" };
      expect(validateV3Signature("POST", url, nonce, token, signature, changed)).toBe(false);
      expect(await plivoCallbacks.verify(asRequest(url, signature, changed), PLIVO_FAKE_AUTH)).toBe("forged");
    });
  }
});
