/**
 * Provider status callbacks: authenticated by the provider's own signature (checked here against the
 * providers' published examples and signatures computed independently), never by a bearer key. A
 * forged or unsigned callback changes nothing; a valid one saying the call ended ends its watch.
 */
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { alarmInDays } from "./call-object-kit";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { plivoCallbacks, plivoSigningString } from "../src/providers/plivo/callbacks";
import { twilioCallbacks } from "../src/providers/twilio/callbacks";
import type { CallbackRequest } from "../src/providers/callbacks/types";
import { callObject } from "../src/objects";
import { app } from "../src/app";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { TELNYX_FAKE_AUTH } from "../src/providers/telnyx/fake";
import { telnyxKeys, telnyxSignature, vonageSignature, type TelnyxKeys } from "../src/providers/testing/signers";
import { VONAGE_FAKE_AUTH } from "../src/providers/vonage/fake";
import { TWILIO_FAKE_AUTH } from "../src/providers/twilio/fake";
import { BASE, asTenant, createConnection, createTenant, expectProblem, fakeProviderUrl, getCall, send, uniqueCallId } from "./helpers";

const FORM = "application/x-www-form-urlencoded";

let acme: { key: string };
let telnyxAccount: TelnyxKeys;
const VONAGE_SECRET = "vonage-signature-secret";

beforeAll(async () => {
  acme = await createTenant("acme");
  telnyxAccount = await telnyxKeys();
  const base_url = fakeProviderUrl();
  const telnyxSigned = { ...TELNYX_FAKE_AUTH, public_key: telnyxAccount.publicKey };
  await createConnection("acme", "telnyx", "telnyx", telnyxSigned, { base_url });
  await createConnection("acme", "telnyx-signed-open", "telnyx", telnyxSigned, { base_url, callbacks: "unsigned-ok" });
  await createConnection("acme", "telnyx-open", "telnyx", TELNYX_FAKE_AUTH, { base_url, callbacks: "unsigned-ok" });
  await createConnection("acme", "vonage", "vonage", { ...VONAGE_FAKE_AUTH, signature_secret: VONAGE_SECRET }, { base_url, callbacks: "unsigned-ok" });
  await createConnection("acme", "twilio", "twilio", TWILIO_FAKE_AUTH, { base_url });
  await createConnection("acme", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url });
  await createConnection("acme", "tryvox", "tryvox", { auth_id: "acct", api_key: "tvx_sk_test" }, { base_url });
  await createConnection("acme", "tryvox-open", "tryvox", { auth_id: "acct", api_key: "tvx_sk_test" }, { base_url, callbacks: "unsigned-ok" });
  await createConnection("acme", "sandbox", "sandbox");
});

interface CallRecord {
  state: string;
  events: { type: string; data: Record<string, unknown> }[];
}

/** Independent of the gateway's code: base64 HMAC of `message` with `secret`. */
async function hmac(hash: "SHA-1" | "SHA-256", secret: string, message: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash }, false, ["sign"]);
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)))));
}

function callbackRequest(url: string, headers: Record<string, string>, body: string, mediaType = FORM): CallbackRequest {
  return { url, headers: new Headers(headers), mediaType, body };
}

async function registerCall(connection: string): Promise<string> {
  const callId = uniqueCallId();
  const res = await asTenant(acme.key, "POST", "/v1/calls", { call_id: callId, connection });
  expect(res.status).toBe(201);
  return callId;
}

async function record(callId: string, connection: string): Promise<CallRecord> {
  return (await getCall(acme.key, callId, connection)).json<CallRecord>();
}

function postCallback(path: string, body: string, headers: Record<string, string>): Promise<Response> {
  return send(path, { method: "POST", headers, body });
}

/** A Twilio status callback for the call, signed as Twilio signs (URL + params sorted by name, HMAC-SHA1). */
async function twilioCallback(callId: string, status: string, token: string = TWILIO_FAKE_AUTH.auth_token): Promise<Response> {
  const path = "/callbacks/acme/twilio";
  const params = { AccountSid: TWILIO_FAKE_AUTH.account_sid, CallSid: callId, CallStatus: status, Direction: "outbound-api", To: "+14155550100" };
  const signed = BASE + path + Object.keys(params).sort().map((name) => name + params[name as keyof typeof params]).join("");
  return postCallback(path, new URLSearchParams(params).toString(), { "content-type": FORM, "x-twilio-signature": await hmac("SHA-1", token, signed) });
}

/** A Plivo hangup callback, signed per Plivo V3: url + "?" + params sorted as name+value, "." nonce, HMAC-SHA256. */
async function plivoCallback(callId: string, signatures: (signed: string) => Promise<string[]>): Promise<Response> {
  const path = "/callbacks/acme/plivo?region=eu";
  const params = { CallStatus: "completed", CallUUID: callId, Event: "Hangup", HangupCause: "NORMAL_CLEARING" };
  const nonce = "21471628893451847536";
  const signed = `${BASE}/callbacks/acme/plivo?region=eu.CallStatuscompletedCallUUID${callId}EventHangupHangupCauseNORMAL_CLEARING.${nonce}`;
  return postCallback(path, new URLSearchParams(params).toString(), {
    "content-type": FORM,
    "x-plivo-signature-v3-nonce": nonce,
    "x-plivo-signature-v3": (await signatures(signed)).join(","),
  });
}

describe("signature schemes, as the providers document them", () => {
  it("Twilio: the example in Twilio's security documentation verifies, and a changed parameter does not", async () => {
    const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const params = { CallSid: "CA1234567890ABCDE", Caller: "+14158675309", Digits: "1234", From: "+14158675309", To: "+18005551212" };
    const request = callbackRequest(url, { "x-twilio-signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8=" }, new URLSearchParams(params).toString());
    expect(await twilioCallbacks.verify!(request, { account_sid: "AC1", auth_token: "12345" })).toBe("authentic");
    const tampered = { ...request, body: new URLSearchParams({ ...params, Digits: "1235" }).toString() };
    expect(await twilioCallbacks.verify!(tampered, { account_sid: "AC1", auth_token: "12345" })).toBe("forged");
  });

  it("Plivo V3: the URL, its sorted query, the sorted POST params and the nonce", () => {
    const params = [["To", "+1555"], ["CallUUID", "abc"], ["From", "+1444"]] as const;
    expect(plivoSigningString("https://example.com/hangup?b=2&a=1", params, "n1")).toBe("https://example.com/hangup?a=1&b=2.CallUUIDabcFrom+1444To+1555.n1");
    expect(plivoSigningString("https://example.com/hangup", params, "n1")).toBe("https://example.com/hangup?CallUUIDabcFrom+1444To+1555.n1");
    expect(plivoSigningString("https://example.com/hangup?a=1", [], "n1")).toBe("https://example.com/hangup?a=1.n1");
    expect(plivoSigningString("https://example.com/hangup", [], "n1")).toBe("https://example.com/hangup.n1");
  });

  it("Plivo V3: any of several comma-separated signatures, in either header, may match", async () => {
    const url = "https://example.com/hangup";
    const body = "CallUUID=abc&Event=Hangup";
    const valid = await hmac("SHA-256", "token", "https://example.com/hangup?CallUUIDabcEventHangup.n1");
    const credentials = { auth_id: "MA1", auth_token: "token" };
    const verify = (headers: Record<string, string>) => plivoCallbacks.verify!(callbackRequest(url, { "x-plivo-signature-v3-nonce": "n1", ...headers }, body), credentials);
    expect(await verify({ "x-plivo-signature-v3": `bm90IGl0,${valid}` })).toBe("authentic");
    expect(await verify({ "x-plivo-signature-v3": "bm90IGl0", "x-plivo-signature-ma-v3": valid })).toBe("authentic");
    expect(await verify({ "x-plivo-signature-v3": "bm90IGl0" })).toBe("forged");
    expect(await plivoCallbacks.verify!(callbackRequest(url, { "x-plivo-signature-v3": valid }, body), credentials)).toBe("forged");
  });
});

describe("POST /callbacks/{tenant}/{connection}", () => {
  it("a valid Twilio callback saying the call completed ends it and its watch: only the retention alarm is left", async () => {
    const callId = await registerCall("twilio");
    const res = await twilioCallback(callId, "completed");
    expect(res.status).toBe(204);
    const after = await record(callId, "twilio");
    expect(after.state).toBe("ended");
    expect(after.events.map((e) => e.type)).toEqual(["call.registered", "callback.received", "call.ended"]);
    expect(after.events[2]?.data).toMatchObject({ source: "callback", status: "completed" });
    expect(await alarmInDays(callObject(env, "acme", "twilio", callId))).toBeGreaterThan(29.9);
  });

  it("a valid callback for a call in progress is acknowledged and only recorded", async () => {
    const callId = await registerCall("twilio");
    expect((await twilioCallback(callId, "in-progress")).status).toBe(204);
    const after = await record(callId, "twilio");
    expect(after.state).toBe("live");
    expect(after.events.at(-1)).toMatchObject({ type: "callback.received", data: { status: "in-progress", ended: false } });
  });

  it("a forged or unsigned Twilio callback is 401 and changes nothing", async () => {
    const callId = await registerCall("twilio");
    await expectProblem(await twilioCallback(callId, "completed", "not-the-auth-token"), 401, "unauthorized");
    const unsigned = await postCallback("/callbacks/acme/twilio", `CallSid=${callId}&CallStatus=completed`, { "content-type": FORM });
    await expectProblem(unsigned, 401, "unauthorized");
    const after = await record(callId, "twilio");
    expect(after.state).toBe("live");
    expect(after.events.map((e) => e.type)).toEqual(["call.registered"]);
  });

  it("a valid Plivo hangup callback ends the call; a forged one is 401", async () => {
    const forgedCall = await registerCall("plivo");
    await expectProblem(await plivoCallback(forgedCall, async () => ["bm90IGl0"]), 401, "unauthorized");
    expect((await record(forgedCall, "plivo")).state).toBe("live");

    const callId = await registerCall("plivo");
    const res = await plivoCallback(callId, async (signed) => ["c29tZSBvdGhlciB0b2tlbg==", await hmac("SHA-256", PLIVO_FAKE_AUTH.auth_token, signed)]);
    expect(res.status).toBe(204);
    expect((await record(callId, "plivo")).state).toBe("ended");
  });

  it("an unsigned provider's callback is accepted only from a connection set to unsigned-ok", async () => {
    const body = (callId: string) => JSON.stringify({ call_uuid: callId, status: "completed", end_reason: "api-hangup" });
    const headers = { "content-type": "application/json" };

    const refused = await registerCall("tryvox");
    await expectProblem(await postCallback("/callbacks/acme/tryvox", body(refused), headers), 401, "unauthorized");
    expect((await record(refused, "tryvox")).state).toBe("live");

    const accepted = await registerCall("tryvox-open");
    expect((await postCallback("/callbacks/acme/tryvox-open", body(accepted), headers)).status).toBe(204);
    expect((await record(accepted, "tryvox-open")).state).toBe("ended");
  });

  it("Telnyx: a callback signed by the connection's public_key ends the call; bad or stale is 401 even on unsigned-ok", async () => {
    const body = (callId: string) => JSON.stringify({ data: { event_type: "call.hangup", payload: { call_control_id: callId } } });
    const json = { "content-type": "application/json" };

    const forged = await registerCall("telnyx-signed-open");
    const otherKey = await telnyxSignature(await telnyxKeys(), body(forged));
    await expectProblem(await postCallback("/callbacks/acme/telnyx-signed-open", body(forged), { ...json, ...otherKey }), 401, "unauthorized");
    const stale = await telnyxSignature(telnyxAccount, body(forged), Math.floor(Date.now() / 1000) - 301);
    await expectProblem(await postCallback("/callbacks/acme/telnyx-signed-open", body(forged), { ...json, ...stale }), 401, "unauthorized");
    await expectProblem(await postCallback("/callbacks/acme/telnyx-signed-open", body(forged), json), 401, "unauthorized");
    expect((await record(forged, "telnyx-signed-open")).state).toBe("live");

    const signed = await registerCall("telnyx");
    const res = await postCallback("/callbacks/acme/telnyx", body(signed), { ...json, ...(await telnyxSignature(telnyxAccount, body(signed))) });
    expect(res.status).toBe(204);
    expect((await record(signed, "telnyx")).state).toBe("ended");

    // Without a public_key the connection cannot check: unsigned-ok decides, as for any unsigned provider.
    const open = await registerCall("telnyx-open");
    expect((await postCallback("/callbacks/acme/telnyx-open", body(open), json)).status).toBe(204);
    expect((await record(open, "telnyx-open")).state).toBe("ended");
  });

  it("Vonage: a JWT by the connection's signature_secret over this body ends the call; anything else is 401 even on unsigned-ok", async () => {
    const body = (callId: string) => JSON.stringify({ uuid: callId, status: "completed" });
    const json = { "content-type": "application/json" };

    const forged = await registerCall("vonage");
    const wrongSecret = await vonageSignature("not-the-secret", body(forged));
    await expectProblem(await postCallback("/callbacks/acme/vonage", body(forged), { ...json, authorization: `Bearer ${wrongSecret}` }), 401, "unauthorized");
    const otherBody = await vonageSignature(VONAGE_SECRET, body("another-call"));
    await expectProblem(await postCallback("/callbacks/acme/vonage", body(forged), { ...json, authorization: `Bearer ${otherBody}` }), 401, "unauthorized");
    await expectProblem(await postCallback("/callbacks/acme/vonage", body(forged), json), 401, "unauthorized");
    expect((await record(forged, "vonage")).state).toBe("live");

    const signed = await registerCall("vonage");
    const res = await postCallback("/callbacks/acme/vonage", body(signed), { ...json, authorization: `Bearer ${await vonageSignature(VONAGE_SECRET, body(signed))}` });
    expect(res.status).toBe(204);
    expect((await record(signed, "vonage")).state).toBe("ended");
  });

  it("behind a proxy, PUBLIC_URL + the path and query is the URL checked, not the one the Worker saw", async () => {
    const callId = await registerCall("twilio");
    const publicUrl = "https://hangup.example.com/gateway";
    const params = { CallSid: callId, CallStatus: "completed" };
    // Twilio signed the public URL; the Worker is reached under another host and without the prefix.
    const signedFor = (url: string) => hmac("SHA-1", TWILIO_FAKE_AUTH.auth_token, url + `CallSid${callId}CallStatuscompleted`);
    const viaProxy = async (signature: string, vars: Record<string, string>) => {
      const request = new Request(`http://10.0.0.7:8787/callbacks/acme/twilio?leg=a`, {
        method: "POST",
        headers: { "content-type": FORM, "x-twilio-signature": signature },
        body: new URLSearchParams(params).toString(),
      });
      const ctx = createExecutionContext();
      const res = await app.fetch(request, { ...env, ...vars }, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    const publicSignature = await signedFor(`${publicUrl}/callbacks/acme/twilio?leg=a`);
    // Without PUBLIC_URL the signature over the public URL cannot match what the Worker saw.
    await expectProblem(await viaProxy(publicSignature, {}), 401, "unauthorized");
    expect((await record(callId, "twilio")).state).toBe("live");
    // With it, the URL the Worker saw no longer counts: signing that one is refused.
    await expectProblem(await viaProxy(await signedFor("http://10.0.0.7:8787/callbacks/acme/twilio?leg=a"), { PUBLIC_URL: publicUrl }), 401, "unauthorized");
    expect((await viaProxy(publicSignature, { PUBLIC_URL: `${publicUrl}/` })).status).toBe(204);
    expect((await record(callId, "twilio")).state).toBe("ended");
  });

  it("a PUBLIC_URL that is not an http(s) URL is a configuration problem (503), never a pass", async () => {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`${BASE}/callbacks/acme/tryvox-open`, { method: "POST", body: "{}" }), { ...env, PUBLIC_URL: "hangup.example.com" }, ctx);
    await expectProblem(res, 503, "not_configured");
  });

  it("a callback about a call the gateway never saw is acknowledged and stores nothing", async () => {
    const callId = uniqueCallId();
    expect((await twilioCallback(callId, "completed")).status).toBe(204);
    await expectProblem(await getCall(acme.key, callId, "twilio"), 404);
  });

  it("unknown tenants, unknown connections, providers without callbacks and bad signatures get one identical 401", async () => {
    const headers = { "content-type": FORM };
    const body = "CallSid=CA1&CallStatus=completed";
    const refusals = await Promise.all([
      postCallback("/callbacks/nobody/twilio", body, headers),
      postCallback("/callbacks/acme/nothing", body, headers),
      postCallback("/callbacks/acme/sandbox", body, headers),
      postCallback("/callbacks/acme/tryvox", body, headers),
      postCallback("/callbacks/acme/twilio", body, { ...headers, "x-twilio-signature": "bm90IGl0" }),
      postCallback("/callbacks/acme/twilio", body, headers),
    ]);
    const answers = await Promise.all(refusals.map(async (res) => ({ status: res.status, type: res.headers.get("content-type"), body: await res.text() })));
    expect(answers[0]).toMatchObject({ status: 401, type: "application/problem+json" });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });

  it("a valid callback that names no call is 422; an oversized one is 413", async () => {
    await expectProblem(await postCallback("/callbacks/acme/tryvox-open", JSON.stringify({ status: "completed" }), { "content-type": "application/json" }), 422);
    await expectProblem(await postCallback("/callbacks/acme/tryvox-open", "x".repeat(64 * 1024), { "content-type": "application/json" }), 413);
  });
});
