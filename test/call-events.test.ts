/**
 * Every call, from the provider's own events: on a connection that watches every call, a signed event about
 * a call the gateway has not seen registers it and the policy decides at once; each call's lifecycle moves
 * forward only, whatever order or repetition its events come in; the tenant hears one story per call
 * (`call.started`, `call.answered`, `call.ended`, once each, in order) through the webhook outbox.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { callObject } from "../src/objects";
import { TWILIO_FAKE_AUTH } from "../src/providers/twilio/fake";
import { BASE, admin, asTenant, createConnection, createTenant, fakeProviderUrl, getCall, providerRequests, scriptProvider, send, uniqueCallId } from "./helpers";

const FORM = "application/x-www-form-urlencoded";
const SECRET = `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;

let acme: { key: string };

beforeAll(async () => {
  acme = await createTenant("acme");
  const base_url = fakeProviderUrl();
  await createConnection("acme", "twilio-all", "twilio", TWILIO_FAKE_AUTH, { base_url, watch: "all" });
  await createConnection("acme", "twilio-registered", "twilio", TWILIO_FAKE_AUTH, { base_url });
  const published = await admin("PUT", "/admin/policies", {
    rules: [
      { id: "one-hour-max", kind: "max_duration", max_seconds: 3600 },
      { id: "emergency", kind: "protect", to_prefixes: ["+1911"] },
    ],
  });
  expect(published.status).toBe(200);
});

interface Lifecycle {
  state: string;
  started_at: string | null;
  answered_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  cause: string | null;
  ended_by: string | null;
  source: string | null;
  timeline: { state: string }[];
}

interface CallRecord {
  state: string;
  from: string | null;
  to: string | null;
  started_at: string | null;
  flags: string[];
  registration: { source: string; watch_ends_at: string | null } | null;
  lifecycle: Lifecycle;
  hangup: { source: string; outcome: { status: string } | null } | null;
}

const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace("GMT", "+0000");

/** A Twilio status callback, signed as Twilio signs it (URL + params sorted by name, HMAC-SHA1 with the auth token). */
async function twilioEvent(connection: string, callId: string, status: string, extra: Record<string, string> = {}): Promise<Response> {
  const path = `/callbacks/acme/${connection}`;
  const params: Record<string, string> = {
    AccountSid: TWILIO_FAKE_AUTH.account_sid,
    CallSid: callId,
    CallStatus: status,
    From: "+14155550100",
    To: "+442071838750",
    Timestamp: rfc2822(Date.now()),
    ...extra,
  };
  const signed = BASE + path + Object.keys(params).sort().map((name) => name + params[name]).join("");
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(TWILIO_FAKE_AUTH.auth_token), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const signature = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(signed)))));
  return send(path, { method: "POST", headers: { "content-type": FORM, "x-twilio-signature": signature }, body: new URLSearchParams(params).toString() });
}

async function record(callId: string, connection = "twilio-all"): Promise<CallRecord> {
  const res = await getCall(acme.key, callId, connection);
  expect(res.status).toBe(200);
  return res.json<CallRecord>();
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("watch: all", () => {
  it("an event about a call never seen registers it with the event's numbers and times", async () => {
    const callId = `CA${crypto.randomUUID().replace(/-/g, "")}`;
    expect((await twilioEvent("twilio-all", callId, "ringing")).status).toBe(204);
    const registered = await record(callId);
    expect(registered).toMatchObject({ state: "live", from: "+14155550100", to: "+442071838750", registration: { source: "provider_event" } });
    expect(registered.registration!.watch_ends_at).not.toBeNull();
    expect(registered.lifecycle).toMatchObject({ state: "ringing" });
  });

  it("on a connection that watches only registered calls, an event about an unknown call stores nothing", async () => {
    const callId = `CA${crypto.randomUUID().replace(/-/g, "")}`;
    expect((await twilioEvent("twilio-registered", callId, "ringing")).status).toBe(204);
    expect((await getCall(acme.key, callId, "twilio-registered")).status).toBe(404);
  });

  it("the policy decides at once: a call the event shows over its maximum is hung up, and the callback is not held back", async () => {
    const callId = `CA${crypto.randomUUID().replace(/-/g, "")}`;
    await scriptProvider(callId, [{ status: 200, body: JSON.stringify({ sid: callId, status: "completed" }), delay_ms: 1_500 }]);
    const started = Date.now();
    // An answered event from a call that started two hours ago (its start comes from an earlier, lost event).
    const res = await twilioEvent("twilio-all", callId, "in-progress", { Timestamp: rfc2822(Date.now() - 2 * 3_600_000) });
    expect(res.status).toBe(204);
    expect(Date.now() - started).toBeLessThan(1_000);
    const cut = await eventually(() => record(callId), (r) => r.hangup?.outcome != null);
    expect(cut.hangup).toMatchObject({ source: "policy", outcome: { status: "terminated" } });
    expect(cut.lifecycle).toMatchObject({ state: "ended", ended_by: "gateway", source: "hangup" });
    expect((await providerRequests(callId)).filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("a protected destination registered from an event is never cut", async () => {
    const callId = `CA${crypto.randomUUID().replace(/-/g, "")}`;
    expect((await twilioEvent("twilio-all", callId, "in-progress", { To: "+19115550100", Timestamp: rfc2822(Date.now() - 2 * 3_600_000) })).status).toBe(204);
    await runDurableObjectAlarm(callObject(env, "acme", "twilio-all", callId));
    expect((await record(callId)).hangup).toBeNull();
    expect(await providerRequests(callId)).toHaveLength(0);
  });

  it("an explicit registration of a call its events registered answers 200, adds its flags, keeps the provider's numbers", async () => {
    const callId = `CA${crypto.randomUUID().replace(/-/g, "")}`;
    await twilioEvent("twilio-all", callId, "ringing");
    const res = await asTenant(acme.key, "POST", "/v1/calls", { call_id: callId, connection: "twilio-all", to: "+33100000000", flags: ["vip"] });
    expect(res.status).toBe(200);
    const body = await res.json<CallRecord>();
    expect(body).toMatchObject({ to: "+442071838750", flags: ["vip"], registration: { source: "provider_event" } });
  });
});

describe("one story per call", () => {
  it("out of order and repeated events: the lifecycle never goes back, and the tenant hears each fact once, in order", async () => {
    const receiver = `hook-${crypto.randomUUID()}`;
    const put = await admin("PUT", "/admin/tenants/acme", {
      webhook: { url: `${fakeProviderUrl()}/__webhooks/${receiver}`, secret: SECRET, events: ["call.started", "call.answered", "call.ended", "call.hangup.completed"] },
    });
    expect(put.status).toBe(200);
    try {
      const callId = `CA${crypto.randomUUID().replace(/-/g, "")}`;
      const answeredAt = Date.now() - 30_000;
      for (const [status, extra] of [
        ["initiated", {}],
        ["in-progress", { Timestamp: rfc2822(answeredAt) }],
        ["ringing", {}], // late: changes nothing but the events
        ["completed", { CallDuration: "30" }],
        ["completed", { CallDuration: "30" }], // sent again
        ["in-progress", {}], // after the end
      ] as const) {
        expect((await twilioEvent("twilio-all", callId, status, extra)).status).toBe(204);
      }
      const after = await record(callId);
      expect(after.state).toBe("ended");
      expect(after.lifecycle).toMatchObject({ state: "ended", cause: "completed", ended_by: "unknown", source: "callback", duration_seconds: 30 });
      expect(after.lifecycle.timeline.map((s) => s.state)).toEqual(["initiated", "answered", "ended"]);

      const stub = callObject(env, "acme", "twilio-all", callId);
      const types = async () => {
        await runDurableObjectAlarm(stub);
        const got = await (await fetch(`${fakeProviderUrl()}/__webhooks/${receiver}`)).json<{ headers: Record<string, string>; body: string }[]>();
        return got.map((d) => ({ id: d.headers["webhook-id"], type: (JSON.parse(d.body) as { type: string }).type }));
      };
      const delivered = await eventually(types, (list) => list.length >= 3);
      expect(delivered.map((d) => d.type)).toEqual(["call.started", "call.answered", "call.ended"]);
      expect(new Set(delivered.map((d) => d.id)).size).toBe(3);
      const ended = (await (await fetch(`${fakeProviderUrl()}/__webhooks/${receiver}`)).json<{ body: string }[]>())[2]!;
      expect(JSON.parse(ended.body)).toMatchObject({ type: "call.ended", data: { call_id: callId, connection: "twilio-all", provider: "twilio", cause: "completed", ended_by: "unknown", source: "callback", duration_seconds: 30 } });
    } finally {
      await admin("PUT", "/admin/tenants/acme", { webhook: null });
    }
  });

  it("the provider's end of a call this gateway is hanging up is told once the hangup's answer is in: ended by the gateway", async () => {
    const receiver = `hook-${crypto.randomUUID()}`;
    await admin("PUT", "/admin/tenants/acme", { webhook: { url: `${fakeProviderUrl()}/__webhooks/${receiver}`, secret: SECRET, events: ["call.ended"] } });
    try {
      const callId = `CA${crypto.randomUUID().replace(/-/g, "")}`;
      expect((await twilioEvent("twilio-all", callId, "in-progress")).status).toBe(204);
      // Twilio hangs the call up and says so (`canceled`) before its answer to the hangup reaches the gateway.
      await scriptProvider(callId, [{ status: 200, body: JSON.stringify({ sid: callId, status: "completed" }), delay_ms: 1_000 }]);
      const hangup = asTenant(acme.key, "POST", `/v1/calls/${callId}/hangup`, { connection: "twilio-all" });
      await eventually(() => providerRequests(callId), (requests) => requests.length > 0);
      expect((await twilioEvent("twilio-all", callId, "canceled")).status).toBe(204);
      expect((await hangup).status).toBe(200);

      const after = await record(callId);
      expect(after.lifecycle).toMatchObject({ state: "ended", cause: "canceled", ended_by: "gateway" });
      const stub = callObject(env, "acme", "twilio-all", callId);
      const delivered = await eventually(
        async () => {
          await runDurableObjectAlarm(stub);
          return (await (await fetch(`${fakeProviderUrl()}/__webhooks/${receiver}`)).json<{ body: string }[]>()).map((d) => JSON.parse(d.body) as { type: string; data: object });
        },
        (list) => list.length >= 1,
      );
      expect(delivered).toEqual([expect.objectContaining({ type: "call.ended", data: expect.objectContaining({ call_id: callId, cause: "canceled", ended_by: "gateway" }) })]);
    } finally {
      await admin("PUT", "/admin/tenants/acme", { webhook: null });
    }
  });

  it("a tenant that did not choose the call.* types hears nothing new", async () => {
    const receiver = `hook-${crypto.randomUUID()}`;
    await admin("PUT", "/admin/tenants/acme", { webhook: { url: `${fakeProviderUrl()}/__webhooks/${receiver}`, secret: SECRET } });
    try {
      const callId = `CA${crypto.randomUUID().replace(/-/g, "")}`;
      await twilioEvent("twilio-all", callId, "ringing");
      await twilioEvent("twilio-all", callId, "completed");
      await runDurableObjectAlarm(callObject(env, "acme", "twilio-all", callId));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await (await fetch(`${fakeProviderUrl()}/__webhooks/${receiver}`)).json()).toEqual([]);
    } finally {
      await admin("PUT", "/admin/tenants/acme", { webhook: null });
    }
  });

  it("an unknown webhook type is 422, and the tenant is unchanged", async () => {
    const res = await admin("PUT", "/admin/tenants/acme", { webhook: { url: "https://example.com/hook", events: ["call.exploded"] } });
    expect(res.status).toBe(422);
    const tenant = await (await admin("GET", "/admin/tenants/acme")).json<{ webhook?: unknown }>();
    expect(tenant.webhook).toBeUndefined();
  });
});

describe("registration with answered_at", () => {
  it("is answered in its lifecycle, and the tenant can say when", async () => {
    const callId = uniqueCallId();
    const answeredAt = new Date(Date.now() - 10_000).toISOString();
    const res = await asTenant(acme.key, "POST", "/v1/calls", { call_id: callId, connection: "twilio-registered", started_at: new Date(Date.now() - 20_000).toISOString(), answered_at: answeredAt });
    expect(res.status).toBe(201);
    expect((await res.json<CallRecord>()).lifecycle).toMatchObject({ state: "answered", answered_at: answeredAt });
  });
});
