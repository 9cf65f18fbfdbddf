/**
 * Every answer carries `X-Request-Id`, errors included (contract, "Errors"): the client's own when it sent
 * one of 1–128 visible ASCII characters, else a new one, and always the id of the request's log line.
 * Checked on a table of answers made by every layer that can answer (a route, a guard, the schema
 * validation hook, the not-found handler, the error handler, a 500), for any id a client may send.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { app } from "../src/app";
import { BASE, createConnection, createTenant, send } from "./helpers";

let key = "";

beforeAll(async () => {
  ({ key } = await createTenant("request-ids"));
  await createConnection("request-ids", "sandbox", "sandbox");
});

interface Case {
  name: string;
  status: number;
  request: (headers: Record<string, string>) => Promise<Response>;
}

const json = (method: string, path: string, body: string, auth: string, headers: Record<string, string>) =>
  send(path, { method, headers: { authorization: `Bearer ${auth}`, "content-type": "application/json", ...headers }, body });

const CASES: Case[] = [
  { name: "a route's own answer", status: 200, request: (h) => send("/healthz", { headers: h }) },
  { name: "no route (not-found handler)", status: 404, request: (h) => send("/no/such/route", { headers: h }) },
  { name: "no key (guard)", status: 401, request: (h) => send("/v1/calls", { headers: h }) },
  { name: "bad admin token (guard)", status: 401, request: (h) => json("PUT", "/admin/tenants/x", "{}", "wrong", h) },
  { name: "not JSON (guard)", status: 415, request: (h) => send("/v1/calls", { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "text/plain", ...h }, body: "x" }) },
  { name: "too large (body limit)", status: 413, request: (h) => json("POST", "/v1/calls", JSON.stringify({ x: "x".repeat(70_000) }), key, h) },
  { name: "malformed JSON (error handler)", status: 400, request: (h) => json("POST", "/v1/calls", "{not json", key, h) },
  { name: "schema refusal (validation hook)", status: 422, request: (h) => json("POST", "/v1/calls", '{"call_id":""}', key, h) },
  { name: "a route's problem (ProblemError)", status: 404, request: (h) => json("POST", "/v1/calls/c/hangup", '{"connection":"missing"}', key, h) },
  { name: "a bad query (validation hook)", status: 422, request: (h) => send("/v1/calls?limit=0", { headers: { authorization: `Bearer ${key}`, ...h } }) },
  {
    name: "an unexpected failure (500)",
    status: 500,
    // KV missing from the bindings: reading the key's record throws, which only the error handler catches.
    request: (h) =>
      Promise.resolve(app.fetch(new Request(`${BASE}/v1/calls`, { headers: { authorization: `Bearer ${key}`, ...h } }), { ...env, GATEWAY_KV: undefined }, createExecutionContext())),
  },
];

/** Sends the case's request and answers the response with the request id of the log line it wrote. */
async function sendLogged(c: Case, headers: Record<string, string>): Promise<{ res: Response; logged: unknown }> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  const error = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    const res = await c.request(headers);
    await res.arrayBuffer();
    const lines = log.mock.calls.flatMap(([first]) => {
      try {
        return [JSON.parse(String(first)) as { msg?: string; request_id?: unknown }];
      } catch {
        return [];
      }
    });
    return { res, logged: lines.filter((line) => line.msg === "request").at(-1)?.request_id };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

const visible = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 128 });
/** Ids the contract does not keep: too long, or with a space, a tab or another invisible character inside. */
const notKept = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 129, maxLength: 300 }),
  fc.tuple(visible, fc.constantFrom(" ", "\t", "\u007f"), visible).map(([a, bad, b]) => a + bad + b),
);

describe("X-Request-Id", () => {
  it.each(CASES)("is on every answer, new when none was sent: $name", async (c) => {
    const { res, logged } = await sendLogged(c, {});
    expect(res.status).toBe(c.status);
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(logged).toBe(id);
  });

  it("is the client's own when it is 1–128 visible ASCII characters, on every kind of answer, and the log line's", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CASES), visible, async (c, sent) => {
        const { res, logged } = await sendLogged(c, { "x-request-id": sent });
        expect(res.status, c.name).toBe(c.status);
        expect(res.headers.get("x-request-id"), c.name).toBe(sent);
        expect(logged, c.name).toBe(sent);
      }),
      { numRuns: 60 },
    );
  });

  it("is a new one when the client's is not kept (too long, or not all visible ASCII), on every kind of answer", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CASES), notKept, async (c, sent) => {
        const { res, logged } = await sendLogged(c, { "x-request-id": sent });
        const id = res.headers.get("x-request-id");
        expect(id, c.name).not.toBe(sent);
        expect(id, c.name).toMatch(/^[0-9a-f-]{36}$/);
        expect(logged, c.name).toBe(id);
      }),
      { numRuns: 40 },
    );
  });

  it("a 500 names the id the client can quote", async () => {
    const c = CASES.find((x) => x.status === 500)!;
    const { res } = await sendLogged(c, { "x-request-id": "support-ticket-42" });
    expect(res.headers.get("x-request-id")).toBe("support-ticket-42");
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});
