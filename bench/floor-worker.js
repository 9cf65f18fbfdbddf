/**
 * The platform floor of the end-to-end benchmark (scripts/bench/end-to-end.ts): the storage and
 * messaging a hangup with the gateway's guarantees cannot do without, and none of the gateway's own
 * code. Per request, as the gateway does for a plain hangup of a new call:
 *   - one KV read (the gateway's API-key lookup);
 *   - a new Durable Object for the call, through an RPC carrying the request;
 *   - in it: the pending round written to SQLite and a safety-net alarm set before the provider hears
 *     of it (so a crash cannot lose it), the provider's hangup (Plivo's DELETE), the outcome written,
 *     the alarm moved to the record's retention, and one report sent to a queue whose consumer writes
 *     it to D1 (the call index).
 * No authentication, validation, policy, circuit breaker, records, events or webhooks. What the
 * gateway costs above this is its own code; what this costs above the bare pass-through is the
 * platform's (and, locally, Miniflare's simulators of KV, queues and D1, which run in the same workerd).
 * Bindings: PROVIDER_URL, AUTH_ID, AUTH_TOKEN, FLOOR_KV, FLOOR_CALLS, FLOOR_INDEX, FLOOR_DB.
 */
import { DurableObject } from "cloudflare:workers";

const HANGUP_PATH = /^\/v1\/calls\/([^/]+)\/hangup$/;
const KEY = "apikey:floor";
const LEASE_MS = 30_000;
const RETENTION_MS = 30 * 24 * 3600 * 1000;

export class FloorCall extends DurableObject {
  async hangup(callId) {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS call_record (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)");
    sql.exec("INSERT INTO call_record (id, doc) VALUES (1, ?)", JSON.stringify({ call_id: callId, status: "pending" }));
    await this.ctx.storage.setAlarm(Date.now() + LEASE_MS);
    const upstream = await fetch(`${this.env.PROVIDER_URL}/v1/Account/${this.env.AUTH_ID}/Call/${encodeURIComponent(callId)}/`, {
      method: "DELETE",
      headers: { authorization: `Basic ${btoa(`${this.env.AUTH_ID}:${this.env.AUTH_TOKEN}`)}` },
    });
    await upstream.arrayBuffer();
    const outcome = { call_id: callId, provider_status: upstream.status };
    sql.exec("UPDATE call_record SET doc = ? WHERE id = 1", JSON.stringify(outcome));
    await this.env.FLOOR_INDEX.send(outcome, { contentType: "json" });
    await this.ctx.storage.setAlarm(Date.now() + RETENTION_MS);
    return outcome;
  }

  async alarm() {}
}

export default {
  async fetch(request, env) {
    const match = HANGUP_PATH.exec(new URL(request.url).pathname);
    if (request.method !== "POST" || !match) return new Response("not found", { status: 404 });
    await request.text();
    if ((await env.FLOOR_KV.get(KEY)) === null) await env.FLOOR_KV.put(KEY, "floor");
    const callId = decodeURIComponent(match[1]);
    const call = env.FLOOR_CALLS.get(env.FLOOR_CALLS.idFromName(callId));
    return Response.json(await call.hangup(callId));
  },

  async queue(batch, env) {
    await env.FLOOR_DB.exec("CREATE TABLE IF NOT EXISTS calls (call_id TEXT PRIMARY KEY, provider_status INTEGER)");
    await env.FLOOR_DB.batch(
      batch.messages.map((message) =>
        env.FLOOR_DB.prepare("INSERT OR REPLACE INTO calls (call_id, provider_status) VALUES (?, ?)").bind(message.body.call_id, message.body.provider_status),
      ),
    );
  },
};
