/**
 * One JSON log line per request, with what an operator needs to follow a hangup (request id, tenant,
 * connection, route pattern, status, latency, policy version, outcome) and nothing secret.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { app } from "../src/app";
import type { MetricsBinding } from "../src/http/access-log";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { createConnection, createTenant, fakeProviderUrl, hangup, send, uniqueCallId } from "./helpers";

const HANGUP_ROUTE = "/v1/calls/:call_id/hangup";

let tenant: { tenant: string; key: string; keyId: string };

beforeAll(async () => {
  tenant = await createTenant("logged");
  await createConnection("logged", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `action` and answers every parsed line it logged. */
async function logged(action: () => Promise<unknown>): Promise<{ lines: Record<string, unknown>[]; raw: string }> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await action();
  const raw = log.mock.calls.map((args) => args.map(String).join(" ")).join("\n");
  const lines = log.mock.calls.flatMap(([first]) => {
    try {
      return [JSON.parse(String(first)) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  return { lines, raw };
}

describe("access log", () => {
  it("writes one line for a hangup, with its route pattern, tenant, connection, policy version and outcome", async () => {
    const callId = uniqueCallId();
    let requestId: string | null = null;
    const { lines, raw } = await logged(async () => {
      const res = await hangup(tenant.key, callId, { connection: "plivo", reason: "log test" });
      expect(res.status).toBe(200);
      requestId = res.headers.get("x-request-id");
    });

    const requestLines = lines.filter((line) => line.msg === "request");
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toEqual({
      level: "info",
      msg: "request",
      request_id: requestId,
      method: "POST",
      route: HANGUP_ROUTE,
      status: 200,
      latency_ms: expect.any(Number),
      tenant: "logged",
      connection: "plivo",
      policy_version: null,
      outcome: "terminated",
      replayed: false,
    });
    for (const secret of [tenant.key, PLIVO_FAKE_AUTH.auth_token, btoa(`${PLIVO_FAKE_AUTH.auth_id}:${PLIVO_FAKE_AUTH.auth_token}`), env.ADMIN_TOKEN!]) {
      expect(raw).not.toContain(secret);
    }
    expect(raw).not.toContain(callId); // the route pattern, never the raw path
  });

  it("marks a replayed answer", async () => {
    const callId = uniqueCallId();
    await hangup(tenant.key, callId, { connection: "plivo" });
    const { lines } = await logged(() => hangup(tenant.key, callId, { connection: "plivo" }));
    expect(lines.find((line) => line.route === HANGUP_ROUTE)).toMatchObject({ outcome: "terminated", replayed: true });
  });

  it("logs refused and unknown requests without a tenant, and admin calls without their token", async () => {
    const { lines, raw } = await logged(async () => {
      await hangup("hgw_not-a-real-key", uniqueCallId(), { connection: "plivo" });
      await send("/no/such/route");
      await createTenant("logged-too");
    });
    expect(lines.find((line) => line.route === HANGUP_ROUTE)).toMatchObject({ status: 401, method: "POST" });
    expect(lines.find((line) => line.route === HANGUP_ROUTE)).not.toHaveProperty("tenant");
    expect(lines.find((line) => line.status === 404)).toMatchObject({ route: null, method: "GET" });
    expect(lines.find((line) => line.route === "/admin/tenants/:tenant")).toMatchObject({ method: "PUT", status: 201 });
    expect(raw).not.toContain(env.ADMIN_TOKEN!);
    expect(raw).not.toContain("hgw_not-a-real-key");
  });
});

describe("Analytics Engine metrics", () => {
  it("writes one data point per request when METRICS is bound", async () => {
    const writeDataPoint = vi.fn();
    vi.spyOn(console, "log").mockImplementation(() => {});
    const res = await app.fetch(new Request("http://gw/healthz"), { ...env, METRICS: { writeDataPoint } });
    expect(res.status).toBe(200);
    expect(writeDataPoint).toHaveBeenCalledOnce();
    expect(writeDataPoint).toHaveBeenCalledWith({
      indexes: [""],
      blobs: ["/healthz", "GET", "", "", "", ""],
      doubles: [200, expect.any(Number)],
    });
  });

  it("writes nothing, and fails nothing, without the binding", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    expect((env as MetricsBinding).METRICS).toBeUndefined();
    expect((await send("/healthz")).status).toBe(200);
  });
});
