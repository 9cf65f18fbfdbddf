/**
 * Provider status callbacks: authenticated by the provider's own signature (checked here against the
 * providers' published examples and signatures computed independently), never by a bearer key. A
 * forged or unsigned callback changes nothing; a valid one saying the call ended ends its watch.
 */
import { alarmInDays } from "./call-object-kit";
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { plivoCallbacks, plivoSigningString } from "../src/callbacks/plivo";
import { twilioCallbacks } from "../src/callbacks/twilio";
import type { CallbackRequest } from "../src/callbacks/types";
import { callStub } from "../src/calls/call-stub";
import { PLIVO_FAKE_AUTH } from "./fake-provider/plivo";
import { TWILIO_FAKE_AUTH } from "./fake-provider/twilio";
import { BASE, asTenant, createConnection, createTenant, expectProblem, fakeProviderUrl, getCall, send, uniqueCallId } from "./helpers";

const FORM = "application/x-www-form-urlencoded";

let acme: { key: string };

beforeAll(async () => {
  acme = await createTenant("acme");
  const base_url = fakeProviderUrl();
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
    expect(await twilioCallbacks.verify!(request, { account_sid: "AC1", auth_token: "12345" })).toBe(true);
    const tampered = { ...request, body: new URLSearchParams({ ...params, Digits: "1235" }).toString() };
    expect(await twilioCallbacks.verify!(tampered, { account_sid: "AC1", auth_token: "12345" })).toBe(false);
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
    expect(await verify({ "x-plivo-signature-v3": `bm90IGl0,${valid}` })).toBe(true);
    expect(await verify({ "x-plivo-signature-v3": "bm90IGl0", "x-plivo-signature-ma-v3": valid })).toBe(true);
    expect(await verify({ "x-plivo-signature-v3": "bm90IGl0" })).toBe(false);
    expect(await plivoCallbacks.verify!(callbackRequest(url, { "x-plivo-signature-v3": valid }, body), credentials)).toBe(false);
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
    expect(await alarmInDays(callStub(env, "acme", "twilio", callId))).toBeGreaterThan(29.9);
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

  it("a callback about a call the gateway never saw is acknowledged and stores nothing", async () => {
    const callId = uniqueCallId();
    expect((await twilioCallback(callId, "completed")).status).toBe(204);
    await expectProblem(await getCall(acme.key, callId, "twilio"), 404);
  });

  it("unknown tenants, connections and providers without callbacks are 404", async () => {
    const headers = { "content-type": "application/json" };
    await expectProblem(await postCallback("/callbacks/nobody/twilio", "{}", headers), 404, "not_found");
    await expectProblem(await postCallback("/callbacks/acme/nothing", "{}", headers), 404, "not_found");
    await expectProblem(await postCallback("/callbacks/acme/sandbox", "{}", headers), 404, "not_found");
  });

  it("a valid callback that names no call is 422; an oversized one is 413", async () => {
    await expectProblem(await postCallback("/callbacks/acme/tryvox-open", JSON.stringify({ status: "completed" }), { "content-type": "application/json" }), 422);
    await expectProblem(await postCallback("/callbacks/acme/tryvox-open", "x".repeat(64 * 1024), { "content-type": "application/json" }), 413);
  });
});
