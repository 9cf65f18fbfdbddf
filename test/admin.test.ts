/**
 * The operator's API: tenants, keys and connections; the admin token guarding it; credentials that are
 * sealed before they reach KV and never come back out.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { hashApiKey } from "../src/auth/api-keys";
import { SCOPES } from "../src/auth/scopes";
import { callObject } from "../src/objects";
import { toBase64 } from "../src/bytes";
import { kvKey } from "../src/storage-keys";
import { openWebhookSecret, readTenant } from "../src/tenants/store";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { admin, asTenant, createConnection, createTenant, expectProblem, fakeProviderUrl, hangup, providerRequests, send, uniqueCallId } from "./helpers";

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
    const again = await (await admin("PUT", "/admin/tenants/hooked", { name: "Hooked" })).json<{ webhook: Record<string, unknown> }>();
    // No secret this time: the URL, and the message types it receives (the default: the hangup types).
    expect(again.webhook).toEqual({ url: "https://example.com/hook", events: ["call.hangup.completed", "call.hangup.failed"] });
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
    // A bare trailing `?` or `#` would turn the call's path into a query or fragment (Plivo: DELETE …/Call/).
    for (const base_url of ["https://api.plivo.com/eu?", "https://api.plivo.com#", "http://@host/x", "http://host\\x"]) {
      await expectProblem(await admin("PUT", "/admin/tenants/strict2/connections/p", { provider: "plivo", credentials: { auth_id: "MA1", auth_token: "t" }, base_url }), 422);
    }
    expect(await env.GATEWAY_KV.get(kvKey.connection("strict2", "p"))).toBeNull();
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

describe("connections: watch and reconcile", () => {
  const twilioCredentials = { account_sid: "AC0123456789abcdef0123456789abcdef", auth_token: SECRET_TOKEN };

  it("default to watching registered calls, and to reconciling exactly where the provider documents a status read", async () => {
    await createTenant("lifecycle-defaults");
    const cases = [
      ["twilio", twilioCredentials, true],
      ["plivo", { auth_id: "MA1", auth_token: SECRET_TOKEN }, true],
      ["callab", { api_key: "callab-key" }, true],
      ["tryvox", { auth_id: "acct", api_key: "tvx_sk_test" }, false],
      ["alohaa", { api_key: "alohaa-key" }, false],
      ["sandbox", {}, false],
    ] as const;
    for (const [provider, credentials, reconcile] of cases) {
      const res = await admin("PUT", `/admin/tenants/lifecycle-defaults/connections/${provider}`, { provider, credentials });
      expect(await res.json(), provider).toMatchObject({ watch: "registered", reconcile });
      expect(await (await admin("GET", `/admin/tenants/lifecycle-defaults/connections/${provider}`)).json(), provider).toMatchObject({ watch: "registered", reconcile });
    }
  });

  it("are stored as given and read back; a replacing PUT without them returns to the defaults", async () => {
    await createTenant("lifecycle-set");
    const path = "/admin/tenants/lifecycle-set/connections/main";
    const put = await admin("PUT", path, { provider: "twilio", credentials: twilioCredentials, watch: "all", reconcile: false });
    expect(put.status).toBe(201);
    expect(await put.json()).toMatchObject({ watch: "all", reconcile: false });
    expect(await (await admin("GET", path)).json()).toMatchObject({ watch: "all", reconcile: false });
    expect(JSON.parse((await env.GATEWAY_KV.get(kvKey.connection("lifecycle-set", "main")))!)).toMatchObject({ watch: "all", reconcile: false });

    expect(await (await admin("PUT", path, { provider: "twilio", credentials: twilioCredentials })).json()).toMatchObject({ watch: "registered", reconcile: true });
    // watch: all is accepted for any provider; it has an effect only where the gateway reads the provider's callbacks.
    expect(await (await admin("PUT", path, { provider: "tryvox", credentials: { auth_id: "a", api_key: "k" }, watch: "all", callbacks: "unsigned-ok" })).json())
      .toMatchObject({ watch: "all", reconcile: false, callbacks: "unsigned-ok" });
  });

  it("reconcile: true for a provider without a status read is 422 naming the field, and changes nothing", async () => {
    await createTenant("lifecycle-refused");
    const path = "/admin/tenants/lifecycle-refused/connections/main";
    await admin("PUT", path, { provider: "sandbox", credentials: {} });
    const before = await env.GATEWAY_KV.get(kvKey.connection("lifecycle-refused", "main"));
    for (const [provider, credentials] of [["alohaa", { api_key: "k" }], ["tryvox", { auth_id: "a", api_key: "k" }], ["sandbox", {}]] as const) {
      const problem = await expectProblem(await admin("PUT", path, { provider, credentials, reconcile: true }), 422, "invalid_request");
      expect(problem.errors, provider).toEqual([expect.objectContaining({ path: "reconcile" })]);
    }
    expect(await env.GATEWAY_KV.get(kvKey.connection("lifecycle-refused", "main"))).toBe(before);
  });

  it("refuse values outside their types", async () => {
    await createTenant("lifecycle-types");
    for (const extra of [{ watch: "everything" }, { watch: null }, { reconcile: "yes" }, { reconcile: 1 }]) {
      const problem = await expectProblem(await admin("PUT", "/admin/tenants/lifecycle-types/connections/p", { provider: "twilio", credentials: twilioCredentials, ...extra }), 422);
      expect(JSON.stringify(problem.errors)).toContain(Object.keys(extra)[0]!);
    }
    expect(await env.GATEWAY_KV.get(kvKey.connection("lifecycle-types", "p"))).toBeNull();
  });

  it("a connection stored before the options existed reads with their defaults", async () => {
    await createTenant("lifecycle-old");
    for (const [id, provider, credentials, reconcile] of [["tw", "twilio", twilioCredentials, true], ["tv", "tryvox", { auth_id: "a", api_key: "k" }, false]] as const) {
      await admin("PUT", `/admin/tenants/lifecycle-old/connections/${id}`, { provider, credentials, watch: "all", reconcile: false });
      const stored = JSON.parse((await env.GATEWAY_KV.get(kvKey.connection("lifecycle-old", id)))!) as Record<string, unknown>;
      delete stored.watch;
      delete stored.reconcile;
      await env.GATEWAY_KV.put(kvKey.connection("lifecycle-old", id), JSON.stringify(stored));
      expect(await (await admin("GET", `/admin/tenants/lifecycle-old/connections/${id}`)).json(), id).toMatchObject({ watch: "registered", reconcile });
    }
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

/** A webhook secret of `bytes` random bytes, in the contract's format. */
function webhookSecret(bytes: number): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(bytes)))}`;
}

/** The tenant's webhook secret as the gateway will sign with it. */
async function storedSecret(tenant: string): Promise<string> {
  const record = await readTenant(env, tenant);
  if (!record?.webhook) throw new Error(`${tenant} has no webhook`);
  return openWebhookSecret(env, tenant, record.webhook.secret);
}

describe("webhook secrets", () => {
  it("must be whsec_ and the base64 of 24 to 64 bytes: anything else is 422 and nothing is stored", async () => {
    const bad = [
      "secret",
      "whsec_",
      webhookSecret(23),
      webhookSecret(65),
      `whsec_${"A".repeat(31)}`, // not a whole base64 quantum
      "whsec_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
      webhookSecret(32).replace("whsec_", "WHSEC_"),
      `whsec_${toBase64(new Uint8Array(32)).replaceAll("A", "-")}`, // base64url is not base64
      ` ${webhookSecret(32)}`,
    ];
    for (const secret of bad) {
      const problem = await expectProblem(await admin("PUT", "/admin/tenants/badsecret", { webhook: { url: "https://example.com/h", secret } }), 422, "invalid_request");
      expect(problem.errors).toEqual([expect.objectContaining({ path: "webhook.secret" })]);
      if (secret.length > 20) expect(JSON.stringify(problem)).not.toContain(secret.trim()); // not echoed, even a bad one
    }
    expect(await env.GATEWAY_KV.get(kvKey.tenant("badsecret"))).toBeNull();
    for (const secret of [webhookSecret(24), webhookSecret(25), webhookSecret(64)]) {
      const res = await admin("PUT", "/admin/tenants/goodsecret", { webhook: { url: "https://example.com/h", secret } });
      expect(res.status).toBeLessThan(300);
      expect(await res.text()).not.toContain(secret);
      expect(await storedSecret("goodsecret")).toBe(secret);
    }
  });

  it("a PUT that changes only other fields, the webhook URL included, keeps the secret and does not show it", async () => {
    const first = await (await admin("PUT", "/admin/tenants/keeper", { webhook: { url: "https://example.com/a" } })).json<{ webhook: { secret: string } }>();
    const generated = first.webhook.secret;
    expect(await storedSecret("keeper")).toBe(generated);

    for (const body of [{ name: "Keeper" }, { webhook: { url: "https://example.com/b" } }, { disabled: false }]) {
      const res = await admin("PUT", "/admin/tenants/keeper", body);
      expect(res.status).toBe(200);
      const answer = await res.json<{ webhook: Record<string, string> }>();
      expect(answer.webhook.secret).toBeUndefined();
      expect(await storedSecret("keeper")).toBe(generated);
    }
    expect((await (await admin("GET", "/admin/tenants/keeper")).json<{ webhook: { url: string } }>()).webhook.url).toBe("https://example.com/b");

    // A secret given replaces it; one is generated again only for a tenant that has none.
    const replacement = webhookSecret(48);
    await admin("PUT", "/admin/tenants/keeper", { webhook: { url: "https://example.com/b", secret: replacement } });
    expect(await storedSecret("keeper")).toBe(replacement);
  });

  it("webhook: null removes the webhook and its secret; a webhook set again gets a new secret", async () => {
    const first = await (await admin("PUT", "/admin/tenants/unhooked", { name: "Unhooked", webhook: { url: "https://example.com/a" } })).json<{ webhook: { secret: string } }>();
    const res = await admin("PUT", "/admin/tenants/unhooked", { webhook: null });
    expect(res.status).toBe(200);
    expect(await res.json()).not.toHaveProperty("webhook");
    expect(await (await admin("GET", "/admin/tenants/unhooked")).json()).toMatchObject({ id: "unhooked", name: "Unhooked" });
    expect((await readTenant(env, "unhooked"))?.webhook).toBeUndefined();

    const again = await (await admin("PUT", "/admin/tenants/unhooked", { webhook: { url: "https://example.com/b" } })).json<{ webhook: { secret: string } }>();
    expect(again.webhook.secret).toMatch(/^whsec_/);
    expect(again.webhook.secret).not.toBe(first.webhook.secret);
  });
});

describe("key listing", () => {
  it("lists every key with id, name, scopes and created_at, revoked ones with revoked_at; never a key or its hash", async () => {
    await admin("PUT", "/admin/tenants/lister", {});
    const issued: { id: string; key: string; created_at: string }[] = [];
    for (const name of ["ci", "billing", undefined]) {
      issued.push(await (await admin("POST", "/admin/tenants/lister/keys", name ? { name } : undefined)).json<{ id: string; key: string; created_at: string }>());
    }
    expect((await admin("DELETE", `/admin/tenants/lister/keys/${issued[1]!.id}`)).status).toBe(204);
    await expectProblem(await admin("DELETE", `/admin/tenants/lister/keys/${issued[1]!.id}`), 404);

    const res = await admin("GET", "/admin/tenants/lister/keys");
    expect(res.status).toBe(200);
    const text = await res.text();
    const { keys } = JSON.parse(text) as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(3);
    const scopes = [...SCOPES];
    expect(keys.find((k) => k.id === issued[0]!.id)).toEqual({ id: issued[0]!.id, name: "ci", scopes, created_at: issued[0]!.created_at });
    expect(keys.find((k) => k.id === issued[1]!.id)).toEqual({ id: issued[1]!.id, name: "billing", scopes, created_at: issued[1]!.created_at, revoked_at: expect.any(String) });
    expect(keys.find((k) => k.id === issued[2]!.id)).toEqual({ id: issued[2]!.id, scopes, created_at: issued[2]!.created_at });
    for (const { key } of issued) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(await hashApiKey(key));
    }
    // The revoked key stays revoked.
    await expectProblem(await asTenant(issued[1]!.key, "GET", "/v1/calls/x?connection=none"), 401);
  });

  it("of a tenant that does not exist is 404; of one without keys is empty", async () => {
    await expectProblem(await admin("GET", "/admin/tenants/no-such-tenant/keys"), 404, "not_found");
    await admin("PUT", "/admin/tenants/keyless", {});
    expect(await (await admin("GET", "/admin/tenants/keyless/keys")).json()).toEqual({ keys: [] });
  });
});

describe("disabled tenants", () => {
  /** 404 for a call that does not exist means the key was accepted; 401 means it was not. */
  const probe = async (key: string) => (await asTenant(key, "GET", "/v1/calls/probe?connection=sandbox")).status;

  it("disabled: true stops every key at once (401), new ones too; disabled: false restores them, not the revoked", async () => {
    const { key: first, keyId: firstId } = await createTenant("switchable");
    const second = (await (await admin("POST", "/admin/tenants/switchable/keys", { name: "second" })).json<{ key: string }>()).key;
    const revoked = await (await admin("POST", "/admin/tenants/switchable/keys", { name: "revoked" })).json<{ id: string; key: string }>();
    await admin("DELETE", `/admin/tenants/switchable/keys/${revoked.id}`);
    await createConnection("switchable", "sandbox", "sandbox");
    expect([await probe(first), await probe(second), await probe(revoked.key)]).toEqual([404, 404, 401]);

    const disabled = await admin("PUT", "/admin/tenants/switchable", { disabled: true });
    expect(disabled.status).toBe(200);
    expect(await disabled.json()).toMatchObject({ id: "switchable", disabled: true });
    const refused = await asTenant(first, "POST", "/v1/calls/c1/hangup", { connection: "sandbox" });
    await expectProblem(refused, 401, "unauthorized");
    expect(await probe(second)).toBe(401);

    const issuedWhileDisabled = (await (await admin("POST", "/admin/tenants/switchable/keys", {})).json<{ key: string }>()).key;
    expect(await probe(issuedWhileDisabled)).toBe(401);
    // A PUT that does not mention `disabled` leaves it as it is.
    expect(await (await admin("PUT", "/admin/tenants/switchable", { name: "Switchable" })).json()).toMatchObject({ disabled: true });
    expect(await probe(first)).toBe(401);
    expect((await (await admin("GET", "/admin/tenants/switchable/keys")).json<{ keys: unknown[] }>()).keys).toHaveLength(4);

    expect(await (await admin("PUT", "/admin/tenants/switchable", { disabled: false })).json()).toMatchObject({ disabled: false });
    expect([await probe(first), await probe(second), await probe(issuedWhileDisabled), await probe(revoked.key)]).toEqual([404, 404, 404, 401]);
    // Revoking still works on a key that went through a disable and an enable.
    await admin("DELETE", `/admin/tenants/switchable/keys/${firstId}`);
    expect(await probe(first)).toBe(401);
  });

  it("a disabled tenant's watched calls stay enforced: its calls are still hung up by policy", async () => {
    const { key } = await createTenant("watched");
    await createConnection("watched", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
    const published = await admin("PUT", "/admin/policies", { rules: [{ id: "short", kind: "max_duration", max_seconds: 3600, match: { tenants: ["watched"] } }] });
    expect(published.status).toBe(200);
    const callId = uniqueCallId("watched");
    // The call started 3599 s ago: its maximum is reached in one second.
    const startedAt = new Date(Date.now() - 3_599_000).toISOString();
    expect((await asTenant(key, "POST", "/v1/calls", { call_id: callId, connection: "plivo", started_at: startedAt })).status).toBe(201);

    await admin("PUT", "/admin/tenants/watched", { disabled: true });
    expect(await probe(key)).toBe(401);
    // The object's own alarm does it; running it from the test only saves waiting for the runtime's timer.
    let requests = await providerRequests(callId);
    for (let waited = 0; requests.length === 0 && waited < 5_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (waited >= 1_000) await runDurableObjectAlarm(callObject(env, "watched", "plivo", callId));
      requests = await providerRequests(callId);
    }
    expect(requests.map((r) => r.method)).toEqual(["DELETE"]);
  });
});
