/**
 * The operator's API: tenants, keys and connections; the admin token guarding it; credentials that are
 * sealed before they reach KV and never come back out.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { kvKey } from "../src/storage-keys";
import { admin, createTenant, expectProblem, hangup, send } from "./helpers";

const SECRET_TOKEN = "plivo-secret-token-do-not-leak";

describe("admin token", () => {
  it("is required, and a wrong one is 401", async () => {
    await expectProblem(await send("/admin/tenants/a", { method: "PUT", body: "{}", headers: { "content-type": "application/json" } }), 401, "unauthorized");
    await expectProblem(
      await send("/admin/tenants/a", { method: "PUT", body: "{}", headers: { authorization: "Bearer wrong", "content-type": "application/json" } }),
      401,
    );
  });

  it("when ADMIN_TOKEN is not set, every admin call is 503, never 200", async () => {
    const unset = { ...env, ADMIN_TOKEN: undefined };
    const req = new Request("http://gw/admin/tenants/a", { method: "PUT", body: "{}", headers: { authorization: "Bearer anything", "content-type": "application/json" } });
    await expectProblem(await app.fetch(req, unset), 503, "not_configured");
    await expectProblem(await app.fetch(new Request("http://gw/admin/tenants/a/keys", { method: "POST" }), unset), 503);
  });
});

describe("tenants", () => {
  it("are created (201) then updated (200)", async () => {
    const created = await admin("PUT", "/admin/tenants/initech", { name: "Initech" });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: "initech", name: "Initech" });
    const updated = await admin("PUT", "/admin/tenants/initech", { name: "Initech Corp" });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ id: "initech", name: "Initech Corp" });
  });

  it("get a generated webhook secret, shown only in that answer", async () => {
    const res = await admin("PUT", "/admin/tenants/hooked", { webhook: { url: "https://example.com/hook" } });
    const body = await res.json<{ webhook: { url: string; secret: string } }>();
    expect(body.webhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const again = await (await admin("PUT", "/admin/tenants/hooked", { name: "Hooked" })).json<{ webhook: Record<string, string> }>();
    expect(again.webhook).toEqual({ url: "https://example.com/hook" });
    const stored = await env.GATEWAY_KV.get(kvKey.tenant("hooked"));
    expect(stored).not.toContain(body.webhook.secret);
  });

  it("reject ids outside the contract's pattern and unknown fields", async () => {
    await expectProblem(await admin("PUT", "/admin/tenants/Bad_Upper", {}), 422, "invalid_request");
    await expectProblem(await admin("PUT", "/admin/tenants/-leading", {}), 422);
    await expectProblem(await admin("PUT", `/admin/tenants/${"a".repeat(64)}`, {}), 422);
    const unknown = await expectProblem(await admin("PUT", "/admin/tenants/ok", { nmae: "typo" }), 422);
    expect(JSON.stringify(unknown.errors)).toContain("nmae");
    await expectProblem(await admin("PUT", "/admin/tenants/ok", { webhook: { url: "ftp://example.com" } }), 422);
  });
});

describe("keys", () => {
  it("are shown once, prefixed, and stored only as a hash", async () => {
    await admin("PUT", "/admin/tenants/keyed", {});
    const res = await admin("POST", "/admin/tenants/keyed/keys", { name: "ci" });
    expect(res.status).toBe(201);
    const { id, key } = await res.json<{ id: string; key: string }>();
    expect(key).toMatch(/^hgw_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key).toContain(id);
    const record = await env.GATEWAY_KV.get(kvKey.tenantKey("keyed", id));
    expect(record).not.toBeNull();
    expect(record).not.toContain(key);
  });

  it("can be issued without a body", async () => {
    await admin("PUT", "/admin/tenants/nobody", {});
    expect((await admin("POST", "/admin/tenants/nobody/keys")).status).toBe(201);
  });

  it("cannot be issued to a tenant that does not exist, and revoking an unknown key is 404", async () => {
    await expectProblem(await admin("POST", "/admin/tenants/ghost/keys", {}), 404, "not_found");
    await admin("PUT", "/admin/tenants/revoker", {});
    await expectProblem(await admin("DELETE", "/admin/tenants/revoker/keys/nokey"), 404);
  });
});

describe("connections", () => {
  it("seal credentials in KV and never echo them", async () => {
    await createTenant("sealed");
    const res = await admin("PUT", "/admin/tenants/sealed/connections/main", {
      provider: "plivo",
      credentials: { auth_id: "MA123", auth_token: SECRET_TOKEN },
      base_url: "http://127.0.0.1:9/eu",
    });
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(text).not.toContain(SECRET_TOKEN);
    expect(JSON.parse(text)).toMatchObject({ id: "main", provider: "plivo", base_url: "http://127.0.0.1:9/eu", credential_fields: ["auth_id", "auth_token"] });

    const stored = await env.GATEWAY_KV.get(kvKey.connection("sealed", "main"));
    expect(stored).not.toContain(SECRET_TOKEN);
    expect(stored).not.toContain("MA123");

    const replaced = await admin("PUT", "/admin/tenants/sealed/connections/main", { provider: "sandbox", credentials: {} });
    expect(replaced.status).toBe(200);
  });

  it("validate credentials against the provider, naming the missing field", async () => {
    await admin("PUT", "/admin/tenants/strict", {});
    const res = await admin("PUT", "/admin/tenants/strict/connections/p", { provider: "plivo", credentials: { auth_id: "MA1" } });
    const problem = await expectProblem(res, 422, "invalid_request");
    expect(problem.errors).toEqual([expect.objectContaining({ path: "credentials.auth_token" })]);
    const stored = await env.GATEWAY_KV.get(kvKey.connection("strict", "p"));
    expect(stored).toBeNull();
  });

  it("reject unknown providers, bad base URLs and unknown tenants", async () => {
    await admin("PUT", "/admin/tenants/strict2", {});
    await expectProblem(await admin("PUT", "/admin/tenants/strict2/connections/p", { provider: "acme-tel", credentials: {} }), 422);
    await expectProblem(await admin("PUT", "/admin/tenants/strict2/connections/p", { provider: "sandbox", credentials: {}, base_url: "http://u:p@host" }), 422);
    await expectProblem(await admin("PUT", "/admin/tenants/strict2/connections/p", { provider: "sandbox", credentials: {}, base_url: "not a url" }), 422);
    await expectProblem(await admin("PUT", "/admin/tenants/nobody-here/connections/p", { provider: "sandbox", credentials: {} }), 404);
  });

  it("cannot be created without CREDENTIALS_KEY: 503, nothing stored", async () => {
    await admin("PUT", "/admin/tenants/nokey", {});
    const req = new Request("http://gw/admin/tenants/nokey/connections/p", {
      method: "PUT",
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ provider: "plivo", credentials: { auth_id: "a", auth_token: "b" } }),
    });
    await expectProblem(await app.fetch(req, { ...env, CREDENTIALS_KEY: undefined }), 503, "not_configured");
    expect(await env.GATEWAY_KV.get(kvKey.connection("nokey", "p"))).toBeNull();
  });
});

describe("reading and removing", () => {
  it("a tenant reads back without its webhook secret", async () => {
    const put = await (await admin("PUT", "/admin/tenants/readable", { name: "Readable", webhook: { url: "https://example.com/h" } })).json<{ webhook: { secret: string } }>();
    const res = await admin("GET", "/admin/tenants/readable");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ id: "readable", name: "Readable", webhook: { url: "https://example.com/h" } });
    expect(text).not.toContain(put.webhook.secret);
    await expectProblem(await admin("GET", "/admin/tenants/nobody-at-all"), 404, "not_found");
  });

  it("a connection reads back with its credential field names, never their values", async () => {
    await createTenant("inspect");
    await admin("PUT", "/admin/tenants/inspect/connections/main", { provider: "plivo", credentials: { auth_id: "MA999", auth_token: SECRET_TOKEN } });
    const res = await admin("GET", "/admin/tenants/inspect/connections/main");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ id: "main", tenant: "inspect", provider: "plivo", callbacks: "signed", credential_fields: ["auth_id", "auth_token"] });
    expect(text).not.toContain(SECRET_TOKEN);
    expect(text).not.toContain("MA999");
  });

  it("a removed connection is gone: hangups on it are 404, and removing it again is 404", async () => {
    const { key } = await createTenant("remover");
    await admin("PUT", "/admin/tenants/remover/connections/gone", { provider: "sandbox", credentials: {} });
    expect((await admin("DELETE", "/admin/tenants/remover/connections/gone")).status).toBe(204);
    expect(await env.GATEWAY_KV.get(kvKey.connection("remover", "gone"))).toBeNull();
    await expectProblem(await admin("GET", "/admin/tenants/remover/connections/gone"), 404);
    await expectProblem(await hangup(key, "call-after-removal", { connection: "gone" }), 404, "not_found");
    await expectProblem(await admin("DELETE", "/admin/tenants/remover/connections/gone"), 404);
  });
});
