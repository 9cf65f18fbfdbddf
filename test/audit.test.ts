/**
 * The audit trail: every change made through the admin or tenant API and answered 2xx is an entry (who,
 * what, which request) before the answer leaves; nothing else is. It pages newest first, filters, keeps a
 * tenant to its own entries, and never holds a secret.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../src/app";
import { hashApiKey } from "../src/auth/api-keys";
import type { AuditEntry } from "../src/audit/entry";
import { purgeAuditIfDue } from "../src/audit/retention";
import { newEntryId, recordAuditEntries } from "../src/audit/write";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { admin, asTenant, BASE, createConnection, createTenant, expectProblem, fakeProviderUrl } from "./helpers";

interface Page {
  entries: AuditEntry[];
  next_cursor: string | null;
}

async function adminAudit(query = ""): Promise<Page> {
  const res = await admin("GET", `/admin/audit${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json<Page>();
}

/** The entries of one request, by its X-Request-Id. */
async function entriesOf(res: Response, tenant?: string): Promise<AuditEntry[]> {
  const requestId = res.headers.get("x-request-id");
  const { entries } = await adminAudit(`?limit=500${tenant ? `&tenant=${tenant}` : ""}`);
  return entries.filter((e) => e.request_id === requestId);
}

describe("what is recorded", () => {
  it("a tenant PUT: tenant.put, and tenant.disabled / tenant.enabled when disabled changes (tenant.put too only when other fields changed)", async () => {
    const created = await admin("PUT", "/admin/tenants/aud-t", { name: "Audit T" });
    expect(created.status).toBe(201);
    const [put] = await entriesOf(created, "aud-t");
    expect(put).toMatchObject({ tenant: "aud-t", actor: "admin", action: "tenant.put", target: "tenants/aud-t", detail: { created: true, fields: ["name"], name: "Audit T" } });
    expect(put!.id).toMatch(/^au_/);
    expect(Date.now() - Date.parse(put!.at)).toBeLessThan(10_000);

    const disabled = await admin("PUT", "/admin/tenants/aud-t", { disabled: true });
    expect((await entriesOf(disabled, "aud-t")).map((e) => e.action)).toEqual(["tenant.disabled"]);
    const both = await admin("PUT", "/admin/tenants/aud-t", { disabled: false, name: "Renamed" });
    expect((await entriesOf(both, "aud-t")).map((e) => e.action).sort()).toEqual(["tenant.enabled", "tenant.put"]);
    const again = await admin("PUT", "/admin/tenants/aud-t", { disabled: false });
    expect((await entriesOf(again, "aud-t")).map((e) => e.action)).toEqual(["tenant.put"]);
  });

  it("keys, connections and policies, each with its target", async () => {
    await admin("PUT", "/admin/tenants/aud-k", {});
    const issued = await admin("POST", "/admin/tenants/aud-k/keys", { name: "desk", scopes: ["calls:read"] });
    const { id } = await issued.clone().json<{ id: string }>();
    expect(await entriesOf(issued, "aud-k")).toEqual([
      expect.objectContaining({ action: "key.created", tenant: "aud-k", actor: "admin", target: `tenants/aud-k/keys/${id}`, detail: { name: "desk", scopes: ["calls:read"] } }),
    ]);
    const revoked = await admin("DELETE", `/admin/tenants/aud-k/keys/${id}`);
    expect(revoked.status).toBe(204);
    expect(await entriesOf(revoked, "aud-k")).toEqual([expect.objectContaining({ action: "key.revoked", target: `tenants/aud-k/keys/${id}` })]);

    const put = await admin("PUT", "/admin/tenants/aud-k/connections/plivo-main", { provider: "plivo", credentials: PLIVO_FAKE_AUTH, base_url: fakeProviderUrl() });
    expect(await entriesOf(put, "aud-k")).toEqual([
      expect.objectContaining({
        action: "connection.put",
        target: "tenants/aud-k/connections/plivo-main",
        detail: expect.objectContaining({ provider: "plivo", credential_fields: ["auth_id", "auth_token"] }),
      }),
    ]);
    const deleted = await admin("DELETE", "/admin/tenants/aud-k/connections/plivo-main");
    expect(await entriesOf(deleted, "aud-k")).toEqual([expect.objectContaining({ action: "connection.deleted", target: "tenants/aud-k/connections/plivo-main" })]);

    const published = await admin("PUT", "/admin/policies", { rules: [{ id: "audit-fraud", kind: "fraud_flags", flags: ["audit-test"] }] });
    const { version } = await published.clone().json<{ version: string }>();
    const [policy] = await entriesOf(published);
    expect(policy).toMatchObject({ actor: "admin", action: "policy.published", target: `policies/${version}` });
    expect(policy).not.toHaveProperty("tenant");
  });

  it("a bulk job started by a key: bulk.started, actor key:<id>; a dry run is not a change", async () => {
    const { key, keyId } = await createTenant("aud-b");
    await createConnection("aud-b", "sandbox", "sandbox");
    for (const n of [1, 2]) expect((await asTenant(key, "POST", "/v1/calls", { call_id: `live-aud-${n}`, connection: "sandbox" })).status).toBe(201);
    const dry = await asTenant(key, "POST", "/v1/bulk-hangups", { connection: "sandbox", reason: "count", dry_run: true });
    expect(dry.status).toBe(200);
    expect(await entriesOf(dry, "aud-b")).toEqual([]);
    const started = await asTenant(key, "POST", "/v1/bulk-hangups", { connection: "sandbox", reason: "audit sweep" });
    expect(started.status).toBe(202);
    const { id } = await started.clone().json<{ id: string }>();
    expect(await entriesOf(started, "aud-b")).toEqual([
      expect.objectContaining({ tenant: "aud-b", actor: `key:${keyId}`, action: "bulk.started", target: `bulk-hangups/${id}`, detail: expect.objectContaining({ reason: "audit sweep" }) }),
    ]);
  });

  it("records nothing for an answer that is not 2xx, nor for reads", async () => {
    await admin("PUT", "/admin/tenants/aud-n", {});
    const before = (await adminAudit("?tenant=aud-n")).entries.length;
    await expectProblem(await admin("POST", "/admin/tenants/aud-n/keys", { scopes: [] }), 422);
    await expectProblem(await admin("DELETE", "/admin/tenants/aud-n/keys/nokey"), 404);
    await expectProblem(await admin("DELETE", "/admin/tenants/aud-n/connections/none"), 404);
    await expectProblem(await admin("PUT", "/admin/tenants/aud-n/connections/x", { provider: "plivo", credentials: {} }), 422);
    await admin("GET", "/admin/tenants/aud-n");
    await admin("GET", "/admin/tenants/aud-n/keys");
    expect((await adminAudit("?tenant=aud-n")).entries.length).toBe(before);
  });
});

describe("reading the trail", () => {
  const TENANT = "aud-page";
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    ({ key: keyA } = await createTenant(TENANT));
    ({ key: keyB } = await createTenant("aud-other"));
    for (let n = 0; n < 7; n++) await admin("PUT", `/admin/tenants/${TENANT}`, { name: `name ${n}` });
  });

  it("pages newest first, each entry once, with the filters it was asked for", async () => {
    const all = (await adminAudit(`?tenant=${TENANT}&limit=500`)).entries;
    expect(all.length).toBeGreaterThanOrEqual(9);
    const seen: AuditEntry[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await adminAudit(`?tenant=${TENANT}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries);
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
    const order = seen.map((e) => e.at);
    expect([...order].sort().reverse()).toEqual(order);

    const puts = (await adminAudit(`?tenant=${TENANT}&action=tenant.put&limit=500`)).entries;
    expect(puts.length).toBe(8);
    expect(puts.every((e) => e.action === "tenant.put" && e.tenant === TENANT)).toBe(true);
    const middle = seen[Math.floor(seen.length / 2)]!;
    const since = (await adminAudit(`?tenant=${TENANT}&since=${middle.at}&limit=500`)).entries;
    expect(since.every((e) => e.at >= middle.at)).toBe(true);
    const until = (await adminAudit(`?tenant=${TENANT}&until=${middle.at}&limit=500`)).entries;
    expect(until.every((e) => e.at < middle.at)).toBe(true);
    expect(since.length + until.length).toBe(seen.length);
  });

  it("refuses a bad query value (422) on both lists", async () => {
    for (const query of ["limit=0", "limit=501", "limit=x", "action=tenant.deleted", "since=yesterday", "tenant=Not_An_Id", "cursor=forged", "since=2026-05-02T00:00:00Z&until=2026-05-01T00:00:00Z"]) {
      await expectProblem(await admin("GET", `/admin/audit?${query}`), 422, "invalid_request");
    }
    for (const query of ["limit=0", "action=nope", "until=soon", "cursor=forged"]) {
      await expectProblem(await asTenant(keyA, "GET", `/v1/audit?${query}`), 422, "invalid_request");
    }
    const problem = await expectProblem(await asTenant(keyA, "GET", `/v1/audit?tenant=${TENANT}`), 422, "invalid_request");
    expect(problem.errors).toEqual([expect.objectContaining({ path: "tenant" })]);
  });

  it("shows a tenant key only its own tenant's entries: never another tenant's, never the policy's, in lists or by cursor", async () => {
    await admin("PUT", "/admin/policies", { rules: [] });
    const mine: AuditEntry[] = [];
    let cursor: string | null = null;
    do {
      const res = await asTenant(keyA, "GET", `/v1/audit?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(res.status).toBe(200);
      const page: Page = await res.json<Page>();
      mine.push(...page.entries);
      cursor = page.next_cursor;
    } while (cursor);
    expect(mine.length).toBeGreaterThanOrEqual(9);
    expect(mine.every((e) => e.tenant === TENANT)).toBe(true);
    expect(mine.map((e) => e.id)).toEqual((await adminAudit(`?tenant=${TENANT}&limit=500`)).entries.map((e) => e.id));

    // A cursor of A's list is nothing to B, and the operator's is nothing to a key (and the other way round).
    const pageA = await (await asTenant(keyA, "GET", "/v1/audit?limit=1")).json<Page>();
    await expectProblem(await asTenant(keyB, "GET", `/v1/audit?limit=1&cursor=${encodeURIComponent(pageA.next_cursor!)}`), 422, "invalid_request");
    await expectProblem(await admin("GET", `/admin/audit?limit=1&cursor=${encodeURIComponent(pageA.next_cursor!)}`), 422, "invalid_request");
    const adminPage = await adminAudit(`?tenant=${TENANT}&limit=1`);
    await expectProblem(await asTenant(keyA, "GET", `/v1/audit?limit=1&cursor=${encodeURIComponent(adminPage.next_cursor!)}`), 422, "invalid_request");

    const others = (await (await asTenant(keyB, "GET", "/v1/audit?limit=500")).json<Page>()).entries;
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((e) => e.tenant === "aud-other")).toBe(true);
  });

  it("needs calls:read", async () => {
    const limited = await (await admin("POST", `/admin/tenants/${TENANT}/keys`, { scopes: ["bulk"] })).json<{ key: string }>();
    const problem = await expectProblem(await asTenant(limited.key, "GET", "/v1/audit"), 403, "insufficient_scope");
    expect(problem.required_scope).toBe("calls:read");
  });
});

describe("secrets", () => {
  it("no entry holds any secret a test created: keys, their hashes, tokens, credentials, webhook secrets", async () => {
    const secrets: string[] = [env.ADMIN_TOKEN!, env.CREDENTIALS_KEY!];
    const givenSecret = `whsec_${btoa("a-webhook-secret-of-32-bytes-ok!")}`;
    secrets.push(givenSecret);
    const generated = await (await admin("PUT", "/admin/tenants/aud-s", { name: "Secrets", webhook: { url: "https://example.com/hook?token=url-token-secret" } })).json<{
      webhook: { secret: string };
    }>();
    secrets.push(generated.webhook.secret, "url-token-secret");
    await admin("PUT", "/admin/tenants/aud-s", { webhook: { url: "https://example.com/hook2", secret: givenSecret } });
    for (const scopes of [undefined, ["calls:read"]]) {
      const { key } = await (await admin("POST", "/admin/tenants/aud-s/keys", scopes ? { scopes } : {})).json<{ key: string }>();
      secrets.push(key, await hashApiKey(key));
    }
    const credentials = {
      twilio: { account_sid: "AC-audit-sid-secret", auth_token: "twilio-audit-token-secret" },
      tryvox: { auth_id: "tryvox-auth-id-secret", api_key: "tryvox-api-key-secret" },
      telnyx: { api_key: "KEY-telnyx-audit-secret", public_key: btoa("telnyx-public-key-32-bytes-long!") },
      alohaa: { api_key: "alohaa-audit-secret" },
    };
    for (const [provider, values] of Object.entries(credentials)) {
      const res = await admin("PUT", `/admin/tenants/aud-s/connections/${provider}`, { provider, credentials: values });
      expect(res.status, await res.text()).toBe(201);
      secrets.push(...Object.values(values));
    }
    const text = JSON.stringify((await adminAudit("?limit=500")).entries);
    expect(text).toContain("aud-s");
    for (const secret of secrets) expect(text, "a secret in the trail").not.toContain(secret);
  });
});

describe("when the write fails", () => {
  const failingDb = {
    prepare: (sql: string) => env.CALL_INDEX_DB.prepare(sql),
    batch: async () => {
      throw new Error("D1 is down");
    },
  } as unknown as D1Database;
  const failingQueue = {
    send: async () => {
      throw new Error("Queues are down");
    },
  } as unknown as Queue;

  function entry(tenant: string): AuditEntry {
    return { id: newEntryId(), at: new Date().toISOString(), tenant, actor: "admin", action: "tenant.put", target: `tenants/${tenant}`, request_id: crypto.randomUUID() };
  }

  it("queues the entry when D1 refuses it, and the consumer lists it within 10 s", async () => {
    const queued = entry("aud-q");
    expect(await recordAuditEntries({ CALL_INDEX_DB: failingDb, CALL_INDEX: env.CALL_INDEX }, [queued])).toEqual({ kind: "queued" });
    const started = Date.now();
    for (;;) {
      const { entries } = await adminAudit("?tenant=aud-q");
      if (entries.some((e) => e.id === queued.id)) break;
      expect(Date.now() - started, "listed within 10 s").toBeLessThan(10_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  it("answers 503 instead of the 2xx when neither D1 nor the queue takes the entry", async () => {
    const res = await app.fetch(
      new Request(`${BASE}/admin/tenants/aud-down`, { method: "PUT", headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "content-type": "application/json" }, body: "{}" }),
      { ...env, CALL_INDEX_DB: failingDb, CALL_INDEX: failingQueue },
      createExecutionContext(),
    );
    const problem = await expectProblem(res, 503, "temporarily_unavailable");
    expect(problem.detail).toContain("audit trail");
    expect(res.headers.get("retry-after")).toBe("5");
  });
});

describe("retention", () => {
  it("keeps entries 400 days, then the purge removes them", async () => {
    const day = 86_400_000;
    const old: AuditEntry = { id: newEntryId(), tenant: "aud-r", actor: "admin", action: "tenant.put", target: "tenants/aud-r", request_id: "r1", at: new Date(Date.now() - 401 * day).toISOString() };
    const kept = { ...old, id: newEntryId(), request_id: "r2", at: new Date(Date.now() - 399 * day).toISOString() };
    expect(await recordAuditEntries(env, [old, kept])).toEqual({ kind: "written" });
    // As the queue consumer runs it; later than any run this isolate made already (one per 10 minutes).
    await purgeAuditIfDue(env.CALL_INDEX_DB, Date.now() + 11 * 60_000);
    expect((await adminAudit("?tenant=aud-r")).entries.map((e) => e.id)).toEqual([kept.id]);
  });
});
