/**
 * Outcome webhooks: every stored outcome, API or automatic, is POSTed to the tenant's webhook, signed
 * per Standard Webhooks (checked against the specification's own vector and verified here
 * independently), from the call's Durable Object after the hangup has answered, and retried on
 * failure under the same webhook-id, with each attempt in the call's record.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { callObject } from "../src/objects";
import { MAX_WEBHOOK_ATTEMPTS, WEBHOOK_RETRY_DELAYS_MS, nextWebhookAttemptAt } from "../src/webhooks/retry-schedule";
import { signWebhook } from "../src/webhooks/sign";
import { admin, asTenant, createConnection, createTenant, fakeProviderUrl, getCall, hangup, uniqueCallId } from "./helpers";

const SECRET_BYTES = crypto.getRandomValues(new Uint8Array(32));
const SECRET = `whsec_${btoa(String.fromCharCode(...SECRET_BYTES))}`;

let acme: { key: string };
let globex: { key: string };

beforeAll(async () => {
  acme = await createTenant("acme");
  globex = await createTenant("globex");
  await createConnection("acme", "sandbox", "sandbox");
  await createConnection("globex", "sandbox", "sandbox");
  const published = await admin("PUT", "/admin/policies", { rules: [{ id: "fraud", kind: "fraud_flags", flags: ["irsf"] }] });
  expect(published.status).toBe(200);
});

interface Delivery {
  headers: Record<string, string>;
  body: string;
}

interface CallRecord {
  hangup: { operation_id: string; outcome: Record<string, unknown> | null } | null;
  webhook: {
    id: string;
    status: string;
    next_attempt_at: string | null;
    deliveries: { n: number; attempted_at: string; http_status: number | null; error: string | null; next_attempt_at: string | null }[];
  } | null;
}

/** A fresh receiver on the fake server, set as acme's webhook. */
async function useReceiver(responses: { status: number; delay_ms?: number }[] = []): Promise<string> {
  const name = `hook-${crypto.randomUUID()}`;
  if (responses.length) await fetch(`${fakeProviderUrl()}/__webhooks/${name}`, { method: "PUT", body: JSON.stringify({ responses }) });
  const res = await admin("PUT", "/admin/tenants/acme", { webhook: { url: `${fakeProviderUrl()}/__webhooks/${name}`, secret: SECRET } });
  expect(res.status).toBe(200);
  return name;
}

async function deliveries(receiver: string): Promise<Delivery[]> {
  return (await fetch(`${fakeProviderUrl()}/__webhooks/${receiver}`)).json<Delivery[]>();
}

/** Polls until `done` holds: deliveries leave from the object's alarm, after the answer. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function record(key: string, callId: string): Promise<CallRecord> {
  return (await getCall(key, callId, "sandbox")).json<CallRecord>();
}

/** Standard Webhooks verification, written from the specification, independently of src/webhooks. */
async function verifySignature(delivery: Delivery): Promise<boolean> {
  const { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature } = delivery.headers;
  const key = await crypto.subtle.importKey("raw", SECRET_BYTES, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const mac = Uint8Array.from(atob(signature!.replace(/^v1,/, "")), (c) => c.charCodeAt(0));
  return crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(`${id}.${timestamp}.${delivery.body}`));
}

describe("signing and schedule", () => {
  it("signs the Standard Webhooks specification's test vector", async () => {
    const signature = await signWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}');
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("retries first within 10 s, then backs off, for 8 attempts over about an hour", () => {
    expect(nextWebhookAttemptAt(1, 0)).toBeLessThanOrEqual(10_000);
    expect(MAX_WEBHOOK_ATTEMPTS).toBe(8);
    expect(nextWebhookAttemptAt(MAX_WEBHOOK_ATTEMPTS, 0)).toBeNull();
    const total = WEBHOOK_RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBeGreaterThan(3_600_000);
    expect(total).toBeLessThan(2 * 3_600_000);
  });
});

describe("delivery", () => {
  it("an API hangup's outcome is delivered, signed, with the outcome as data", async () => {
    const receiver = await useReceiver();
    const callId = uniqueCallId();
    const outcome = await (await hangup(acme.key, callId, { connection: "sandbox", reason: "done" })).json<Record<string, unknown>>();

    const [delivery] = await eventually(() => deliveries(receiver), (list) => list.length > 0);
    expect(delivery).toBeDefined();
    const after = await eventually(() => record(acme.key, callId), (r) => r.webhook?.status === "delivered");
    expect(delivery!.headers["content-type"]).toBe("application/json");
    expect(delivery!.headers["webhook-id"]).toBe(`msg_${after.hangup!.operation_id}`);
    expect(Math.abs(Number(delivery!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
    expect(await verifySignature(delivery!)).toBe(true);
    expect(JSON.parse(delivery!.body)).toEqual({ type: "call.hangup.completed", timestamp: outcome.completed_at, data: outcome });

    expect(after.webhook).toMatchObject({ id: delivery!.headers["webhook-id"], status: "delivered", next_attempt_at: null });
    expect(after.webhook!.deliveries).toEqual([expect.objectContaining({ n: 1, http_status: 204, error: null, next_attempt_at: null })]);
    // Neither the secret nor the signature is kept in the record.
    const stored = JSON.stringify(after);
    expect(stored).not.toContain(SECRET.slice("whsec_".length));
    expect(stored).not.toContain(delivery!.headers["webhook-signature"]!.slice(3));
  });

  it("a failed delivery is retried within 10 s under the same webhook-id, and every attempt is recorded", async () => {
    const receiver = await useReceiver([{ status: 500 }]);
    const callId = uniqueCallId();
    expect((await hangup(acme.key, callId, { connection: "sandbox" })).status).toBe(200);

    const failed = await eventually(() => record(acme.key, callId), (r) => (r.webhook?.deliveries.length ?? 0) > 0);
    const [first] = failed.webhook!.deliveries;
    expect(first).toMatchObject({ http_status: 500, error: "the receiver answered 500" });
    expect(failed.webhook?.status).toBe("pending");
    expect(Date.parse(first!.next_attempt_at!) - Date.parse(first!.attempted_at)).toBeLessThanOrEqual(10_000);

    // The retry is the object's alarm; run it rather than wait for it.
    await runDurableObjectAlarm(callObject(env, "acme", "sandbox", callId));
    const received = await eventually(() => deliveries(receiver), (list) => list.length >= 2);
    expect(received).toHaveLength(2);
    expect(received[1]!.headers["webhook-id"]).toBe(received[0]!.headers["webhook-id"]);
    expect(received[1]!.body).toBe(received[0]!.body);
    expect(await verifySignature(received[1]!)).toBe(true);

    const after = await eventually(() => record(acme.key, callId), (r) => r.webhook?.status === "delivered");
    expect(after.webhook!.deliveries.map((d) => d.http_status)).toEqual([500, 204]);
  });

  it("a slow receiver never delays the hangup's answer", async () => {
    const receiver = await useReceiver([{ status: 204, delay_ms: 1500 }]);
    const callId = uniqueCallId();
    expect((await hangup(acme.key, callId, { connection: "sandbox" })).status).toBe(200);
    // Answered, while the delivery is still waiting on the receiver.
    expect((await record(acme.key, callId)).webhook).toMatchObject({ status: "pending", deliveries: [] });
    await eventually(() => record(acme.key, callId), (r) => r.webhook?.status === "delivered");
    expect(await deliveries(receiver)).toHaveLength(1);
  });

  it("an automatic hangup's outcome is delivered too", async () => {
    const receiver = await useReceiver();
    const callId = uniqueCallId();
    const res = await asTenant(acme.key, "POST", "/v1/calls", { call_id: callId, connection: "sandbox", flags: ["irsf"] });
    expect(res.status).toBe(201);
    const [delivery] = await eventually(() => deliveries(receiver), (list) => list.length > 0);
    expect(JSON.parse(delivery!.body).data).toMatchObject({ call_id: callId, status: "terminated", reason: "policy:fraud" });
  });

  it("a tenant without a webhook gets none, and the record says so", async () => {
    const callId = uniqueCallId();
    await hangup(globex.key, callId, { connection: "sandbox" });
    const after = await eventually(() => record(globex.key, callId), (r) => r.webhook?.status !== "pending");
    expect(after.webhook).toMatchObject({ status: "not_configured", deliveries: [] });
  });
});
