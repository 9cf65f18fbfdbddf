/**
 * A fake telephony provider on 127.0.0.1: one HTTP server that answers every provider's hangup in that
 * provider's documented dialect (each provider's `src/providers/<name>/fake.ts`). It records every request so
 * tests can check exactly what left the gateway, and can be scripted per call id to answer anything a
 * real provider documents (errors, odd bodies, delays). Used by the test suite, the benchmarks and the
 * load run.
 *
 * Control API (JSON):
 *   GET  /__requests?call=<id>   requests whose path or body carried that call id (all without ?call)
 *   POST /__script               { call_id, responses: [{ status, body?, headers?, delay_ms?, reset? }] }
 *                                answered in order for that call id, then the provider's default
 *   POST /__reset                forget requests and scripts
 *   ANY  /__elsewhere/<tag>      "another host" a scripted redirect points to (as http://localhost:<port>):
 *                                recorded, never a provider; GET /__elsewhere lists what reached it
 *
 * Webhook receivers (the gateway's outcome webhooks), one per <name>, kept apart from provider requests:
 *   POST /__webhooks/<name>      a delivery: recorded, answered with the next scripted reply or 204
 *   GET  /__webhooks/<name>      the deliveries received: [{ method, path, headers, body, at }]
 *   PUT  /__webhooks/<name>      { responses: [{ status, body?, delay_ms? }] } answered in order, then 204
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readdirSync } from "node:fs";
import type { FakeProviderRoutes, FakeReply, FakeState, RecordedRequest } from "../../src/providers/testing/fakes";

export interface ScriptedResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (a slow provider). */
  delay_ms?: number;
  /** Destroy the socket instead of answering (a connection reset). */
  reset?: boolean;
}

export interface FakeProvider {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** The path as the provider reads it; a path that is not valid percent-encoding is kept as sent. */
function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function send(res: ServerResponse, reply: FakeReply): void {
  res.writeHead(reply.status, { ...(reply.body ? { "content-type": "application/json" } : {}), ...reply.headers });
  res.end(reply.body ?? "");
}

/** Every provider folder with a `fake.ts` (`export const fake`): a new provider's fake needs no line here. */
async function loadFakes(): Promise<FakeProviderRoutes[]> {
  const root = new URL("../../src/providers/", import.meta.url);
  const folders = readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const withFake = folders.filter((folder) => readdirSync(new URL(`${folder}/`, root)).includes("fake.ts"));
  return Promise.all(withFake.map(async (folder) => ((await import(new URL(`${folder}/fake.ts`, root).href)) as { fake: FakeProviderRoutes }).fake));
}

export async function startFakeProvider(port = 0): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  const scripts = new Map<string, ScriptedResponse[]>();
  const state: FakeState = { ended: new Set(), commandIds: new Set() };
  const fakes = await loadFakes();
  const webhookDeliveries = new Map<string, RecordedRequest[]>();
  const webhookScripts = new Map<string, ScriptedResponse[]>();
  const elsewhere: RecordedRequest[] = [];

  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/__requests") {
      const call = url.searchParams.get("call");
      const list = call ? requests.filter((r) => decodedPath(r.path).includes(call) || r.body.includes(call)) : requests;
      return send(res, { status: 200, body: JSON.stringify(list) });
    }
    if (url.pathname === "/__script" && req.method === "POST") {
      const { call_id, responses } = JSON.parse(body) as { call_id: string; responses: ScriptedResponse[] };
      scripts.set(call_id, [...responses]);
      return send(res, { status: 204 });
    }
    if (url.pathname === "/__elsewhere" && req.method === "GET") return send(res, { status: 200, body: JSON.stringify(elsewhere) });
    if (url.pathname.startsWith("/__elsewhere/")) {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
      elsewhere.push({ method: req.method ?? "GET", path: req.url ?? "/", headers, body, at: Date.now() });
      return send(res, { status: 200, body: JSON.stringify({ success: true, status: "completed" }) });
    }
    const receiver = /^\/__webhooks\/([\w-]+)$/.exec(url.pathname)?.[1];
    if (receiver && req.method === "PUT") {
      webhookScripts.set(receiver, (JSON.parse(body) as { responses: ScriptedResponse[] }).responses);
      return send(res, { status: 204 });
    }
    if (receiver && req.method === "GET") return send(res, { status: 200, body: JSON.stringify(webhookDeliveries.get(receiver) ?? []) });
    if (receiver && req.method === "POST") {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
      webhookDeliveries.set(receiver, [...(webhookDeliveries.get(receiver) ?? []), { method: "POST", path: url.pathname, headers, body, at: Date.now() }]);
      const scripted = webhookScripts.get(receiver)?.shift();
      if (scripted?.delay_ms) await new Promise((r) => setTimeout(r, scripted.delay_ms));
      return send(res, scripted ?? { status: 204 });
    }
    if (url.pathname === "/__reset" && req.method === "POST") {
      requests.length = 0;
      scripts.clear();
      webhookDeliveries.clear();
      webhookScripts.clear();
      elsewhere.length = 0;
      state.ended.clear();
      state.commandIds.clear();
      return send(res, { status: 204 });
    }

    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")])),
      body,
      at: Date.now(),
    };
    requests.push(recorded);

    for (const provider of fakes) {
      const callId = provider.callId(recorded);
      if (callId === undefined) continue;
      const scripted = scripts.get(callId)?.shift();
      if (scripted) {
        if (scripted.delay_ms) await new Promise((r) => setTimeout(r, scripted.delay_ms));
        if (scripted.reset) return req.socket.destroy();
        return send(res, scripted);
      }
      return send(res, provider.answer(recorded, callId, state));
    }
    send(res, { status: 404, body: JSON.stringify({ error: "no fake provider route" }) });
  });

  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
