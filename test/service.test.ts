/** The unauthenticated service endpoints. */
import { describe, expect, it } from "vitest";
import pkg from "../package.json";
import { send, servedOpenApiDocument } from "./helpers";

describe("service endpoints", () => {
  it("GET /healthz answers ok and the version", async () => {
    const res = await send("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, version: pkg.version });
  });

  it("answers carry a request id and secure headers", async () => {
    const res = await send("/healthz");
    expect(res.headers.get("x-request-id")).toMatch(/.+/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("GET /openapi.json documents every route, with problem+json errors", async () => {
    const doc = await servedOpenApiDocument<{ openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> }>();
    expect(doc.openapi).toBe("3.1.0");
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        "GET /healthz",
        "PUT /admin/tenants/{tenant}",
        "POST /admin/tenants/{tenant}/keys",
        "DELETE /admin/tenants/{tenant}/keys/{id}",
        "PUT /admin/tenants/{tenant}/connections/{connection}",
        "PUT /admin/policies",
        "GET /admin/policies",
        "POST /v1/calls/{call_id}/hangup",
        "GET /v1/calls/{call_id}",
        "POST /v1/policies/evaluate",
      ]),
    );
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) >= 400) expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual(["application/problem+json"]);
        }
      }
    }
  });
});
