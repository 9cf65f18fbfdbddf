/**
 * End to end through the call objects themselves: calls registered, flagged and hung up through the API
 * are listed within the 10 s lag bound (each change reaches the index through the CALL_INDEX queue), and
 * a bulk hangup of registered calls stops them through their own objects, whose records say so. Each
 * entry carries its call's lifecycle (state and cause) however the gateway learned it: the provider's
 * signed events, its own hangup, the tenant's signal.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { TWILIO_FAKE_AUTH } from "../src/providers/twilio/fake";
import { waitForList, type Listed } from "./call-index-kit";
import { BASE, asTenant, createConnection, createTenant, fakeProviderUrl, getCall, hangup, send, uniqueCallId } from "./helpers";

let acme: { key: string };

beforeAll(async () => {
  acme = await createTenant("acme");
  await createConnection("acme", "sandbox", "sandbox");
  await createConnection("acme", "twilio-all", "twilio", TWILIO_FAKE_AUTH, { base_url: fakeProviderUrl(), watch: "all" });
});

/** A Twilio status callback, signed as Twilio signs it (URL + params sorted by name, HMAC-SHA1 with the auth token). */
async function twilioEvent(callId: string, status: string, extra: Record<string, string> = {}): Promise<void> {
  const path = "/callbacks/acme/twilio-all";
  const params: Record<string, string> = {
    AccountSid: TWILIO_FAKE_AUTH.account_sid,
    CallSid: callId,
    CallStatus: status,
    From: "+14155550100",
    To: "+442071838750",
    Timestamp: new Date().toUTCString().replace("GMT", "+0000"),
    ...extra,
  };
  const signed = BASE + path + Object.keys(params).sort().map((name) => name + params[name]).join("");
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(TWILIO_FAKE_AUTH.auth_token), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const signature = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(signed)))));
  const res = await send(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }, body: new URLSearchParams(params).toString() });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

const entry = (calls: Listed[], callId: string) => calls.find((c) => c.call_id === callId);

async function register(callId: string, flags: string[] = []): Promise<void> {
  const res = await asTenant(acme.key, "POST", "/v1/calls", { call_id: callId, connection: "sandbox", to: "+14155550100", flags });
  expect(res.status, await res.clone().text()).toBe(201);
}

describe("the index follows the calls", () => {
  it("a registered call is listed live within 10 s, and ended with its outcome within 10 s of its hangup", async () => {
    const callId = uniqueCallId("live");
    await register(callId);
    const listedIn = await waitForList(acme.key, "state=live&registered=true", (calls) => calls.some((c) => c.call_id === callId));
    expect(listedIn).toBeLessThan(10_000);

    expect((await hangup(acme.key, callId, { connection: "sandbox", reason: "e2e" })).status).toBe(200);
    // Listed with who cut it and why.
    const endedIn = await waitForList(acme.key, "state=ended&status=terminated", (calls) =>
      calls.some((c) => c.call_id === callId && c.hangup_source === "api" && c.hangup_reason === "e2e"),
    );
    expect(endedIn).toBeLessThan(10_000);
    expect((await waitForList(acme.key, "state=live", (calls) => !calls.some((c) => c.call_id === callId)))).toBeLessThan(10_000);
  });

  it("a call known only from its provider's events is listed with its lifecycle as it moves, and found by it", async () => {
    const callId = `CA${crypto.randomUUID().replaceAll("-", "")}`;
    await twilioEvent(callId, "ringing");
    const ringing = await waitForList(acme.key, "lifecycle_state=ringing", (calls) => entry(calls, callId)?.registered === true);
    expect(ringing).toBeLessThan(10_000);
    await twilioEvent(callId, "in-progress");
    await waitForList(acme.key, "lifecycle_state=answered&state=live", (calls) => entry(calls, callId)?.cause === null);
    expect(await waitForList(acme.key, "lifecycle_state=ringing", (calls) => !entry(calls, callId))).toBeLessThan(10_000);
    await twilioEvent(callId, "busy", { CallDuration: "0" });
    await waitForList(acme.key, "cause=busy&lifecycle_state=ended", (calls) => entry(calls, callId)?.state === "ended");
    expect(await waitForList(acme.key, "cause=completed", (calls) => !entry(calls, callId))).toBeLessThan(10_000);
    const record = await (await getCall(acme.key, callId, "twilio-all")).json<{ lifecycle: { state: string; cause: string } }>();
    expect(record.lifecycle).toMatchObject({ state: "ended", cause: "busy" });
  });

  it("a hangup and a signal end the listed lifecycle too, each with its cause", async () => {
    const cut = uniqueCallId("live");
    const signalled = uniqueCallId("live");
    await register(cut);
    await register(signalled);
    await waitForList(acme.key, "lifecycle_state=initiated&connection=sandbox", (calls) => !!entry(calls, cut) && !!entry(calls, signalled));
    expect((await hangup(acme.key, cut, { connection: "sandbox", reason: "e2e" })).status).toBe(200);
    const res = await asTenant(acme.key, "POST", `/v1/calls/${signalled}/signals`, { connection: "sandbox", ended: true });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    // Cut by the gateway: completed. Said over by the tenant, who does not say why: unknown.
    await waitForList(acme.key, "lifecycle_state=ended&cause=completed", (calls) => entry(calls, cut)?.hangup_status === "terminated");
    await waitForList(acme.key, "lifecycle_state=ended&cause=unknown", (calls) => entry(calls, signalled)?.state === "ended");
    await waitForList(acme.key, "lifecycle_state=initiated", (calls) => !entry(calls, cut) && !entry(calls, signalled));
  });

  it("a flag signalled on a call is listed within 10 s", async () => {
    const callId = uniqueCallId("live");
    await register(callId);
    const res = await asTenant(acme.key, "POST", `/v1/calls/${callId}/signals`, { connection: "sandbox", flags: ["E2E-Flag"] });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    expect(await waitForList(acme.key, "flag=e2e-flag", (calls) => calls.some((c) => c.call_id === callId))).toBeLessThan(10_000);
  });

  it("a bulk hangup stops registered calls through their own objects", async () => {
    const ids = Array.from({ length: 5 }, () => uniqueCallId("live"));
    for (const id of ids) await register(id, ["bulk-e2e"]);
    await waitForList(acme.key, "flag=bulk-e2e&state=live", (calls) => calls.length === ids.length);
    const accepted = await asTenant(acme.key, "POST", "/v1/bulk-hangups", { connection: "sandbox", match: { flags: ["bulk-e2e"] }, reason: "e2e sweep" });
    expect(accepted.status).toBe(202);
    const { id, matched } = await accepted.json<{ id: string; matched: number }>();
    expect(matched).toBe(ids.length);
    const started = Date.now();
    for (;;) {
      const status = await (await asTenant(acme.key, "GET", `/v1/bulk-hangups/${id}`)).json<{ status: string; done: number; outcomes: Record<string, number> }>();
      if (status.status === "completed") {
        expect(status).toMatchObject({ done: ids.length, outcomes: { terminated: ids.length } });
        break;
      }
      if (Date.now() - started > 25_000) throw new Error(`bulk hangup did not complete: ${JSON.stringify(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const callId of ids) {
      const record = JSON.stringify(await (await getCall(acme.key, callId, "sandbox")).json());
      expect(record).toContain("e2e sweep");
      expect(record).toContain('"bulk"');
    }
    await waitForList(acme.key, "flag=bulk-e2e&state=ended&status=terminated", (calls) => calls.length === ids.length);
  });
});
