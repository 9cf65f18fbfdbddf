/**
 * The policy API through the whole Worker: publishing (valid and not), reading, evaluating against the
 * active policy and against a draft, and the active policy deciding real hangups (deny, shadow).
 * In order: KV is shared by the tests of this file.
 */
import { describe, expect, it } from "vitest";
import { validatePolicy } from "../src/policy/schema";
import type { Decision } from "../src/policy/types";
import { admin, asTenant, createConnection, createTenant, expectProblem, hangup, send, uniqueCallId } from "./helpers";

interface Evaluation {
  draft: boolean;
  policy_version: string | null;
  evaluated_at: string;
  event: { kind: string; tenant: string; connection: string; provider: string; call?: { started_at?: string } };
  decision: Decision;
}

const ENFORCED = {
  description: "acme only; fraud hung up",
  rules: [
    { id: "only-acme", kind: "allowed_tenants", tenants: ["acme"] },
    { id: "fraud", kind: "fraud_flags", flags: ["irsf"] },
  ],
};
const SHADOWED = { ...ENFORCED, mode: "shadow" };

const acme = await createTenant("acme");
const globex = await createTenant("globex");
await createConnection("acme", "main", "sandbox");
await createConnection("globex", "main", "sandbox");

const evaluate = (key: string, body: unknown) => asTenant(key, "POST", "/v1/policies/evaluate", body);

describe("before any publish", () => {
  it("GET /admin/policies answers 404", async () => {
    await expectProblem(await admin("GET", "/admin/policies"), 404, "not_found");
  });

  it("evaluation allows everything, with a null version", async () => {
    const res = await evaluate(globex.key, { kind: "hangup", connection: "main" });
    expect(res.status).toBe(200);
    const body = await res.json<Evaluation>();
    expect(body).toMatchObject({ draft: false, policy_version: null, decision: { allowed: true, policy_version: null, matched: [] } });
  });
});

describe("PUT /admin/policies", () => {
  it("needs the admin token", async () => {
    await expectProblem(await send("/admin/policies", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(ENFORCED) }), 401);
  });

  it("answers 422 listing every problem of an invalid document, and publishes nothing", async () => {
    const invalid = { rules: [{ id: "a", kind: "allowed_tenant", tenants: ["x"] }, { id: "a", kind: "max_duration", max_seconds: -1, extra: 1 }] };
    const problem = await expectProblem(await admin("PUT", "/admin/policies", invalid), 422, "invalid_request");
    const expected = validatePolicy(invalid);
    expect(expected.kind).toBe("invalid");
    expect(problem.errors).toEqual(expected.kind === "invalid" && expected.errors);
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "rules.0.kind" }),
        expect.objectContaining({ path: "rules.1.max_seconds" }),
        expect.objectContaining({ path: "rules.1.extra" }),
        expect.objectContaining({ path: "rules.1.id" }),
      ]),
    );
    await expectProblem(await admin("GET", "/admin/policies"), 404, "not_found");
  });

  it("answers 400 for a body that is not JSON", async () => {
    const res = await send("/admin/policies", {
      method: "PUT",
      headers: { authorization: "Bearer test-admin-token", "content-type": "application/json" },
      body: "{ rules: ",
    });
    await expectProblem(res, 400);
  });
});

describe("an enforced policy", () => {
  let version: string;

  it("is published with its version, and read back", async () => {
    const res = await admin("PUT", "/admin/policies", ENFORCED);
    expect(res.status).toBe(200);
    const published = await res.json<{ version: string; published_at: string }>();
    expect(published.version).toMatch(/^sha256:[0-9a-f]{16}$/);
    version = published.version;

    const active = await admin("GET", "/admin/policies");
    expect(await active.json()).toEqual({ version, document: ENFORCED, published_at: published.published_at });
    const history = await admin("GET", `/admin/policies/${version}`);
    expect(await history.json()).toMatchObject({ version, document: ENFORCED });
  });

  it("an unknown version is 404, a malformed one 422", async () => {
    await expectProblem(await admin("GET", "/admin/policies/sha256:0000000000000000"), 404, "not_found");
    await expectProblem(await admin("GET", "/admin/policies/latest"), 422, "invalid_request");
  });

  it("denies another tenant's hangup with 403 and the decision", async () => {
    const problem = await expectProblem(await hangup(globex.key, uniqueCallId(), { connection: "main" }), 403, "policy_denied");
    expect(problem.decision).toMatchObject({ allowed: false, policy_version: version, matched: [{ id: "only-acme", effect: "deny", shadow: false }] });
  });

  it("lets a listed tenant hang up", async () => {
    const res = await hangup(acme.key, uniqueCallId(), { connection: "main" });
    expect(res.status).toBe(200);
    expect((await res.json<{ decision: Decision }>()).decision).toMatchObject({ allowed: true, policy_version: version, matched: [] });
  });

  it("evaluates a call against the active policy, filling in the provider and started_at", async () => {
    const res = await evaluate(acme.key, { kind: "call", connection: "main", call: { flags: ["irsf"], to: "+14155550100" } });
    expect(res.status).toBe(200);
    const body = await res.json<Evaluation>();
    expect(body).toMatchObject({
      draft: false,
      policy_version: version,
      event: { kind: "call", tenant: "acme", connection: "main", provider: "sandbox", call: { started_at: body.evaluated_at } },
      decision: { allowed: true, terminate: { rule: "fraud", reason: "policy:fraud" }, matched: [{ id: "fraud", effect: "terminate" }] },
    });
  });

  it("evaluates a draft instead, and the active policy stays", async () => {
    const draft = { rules: [{ id: "one-minute", kind: "max_duration", max_seconds: 60 }] };
    const res = await evaluate(globex.key, { kind: "call", connection: "main", call: { started_at: "2020-01-01T00:00:00Z" }, policy: draft });
    expect(res.status).toBe(200);
    const body = await res.json<Evaluation>();
    expect(body.draft).toBe(true);
    expect(body.policy_version).not.toBe(version);
    expect(body.decision).toMatchObject({ allowed: true, terminate: { rule: "one-minute" }, policy_version: body.policy_version });
    expect((await (await admin("GET", "/admin/policies")).json<{ version: string }>()).version).toBe(version);
  });

  it("answers 422 listing the problems of an invalid draft, at their paths in the body", async () => {
    const res = await evaluate(acme.key, { kind: "hangup", connection: "main", policy: { rules: [{ id: "x", kind: "protect", to_prefixes: ["911"], oops: 1 }] } });
    const problem = await expectProblem(res, 422, "invalid_request");
    expect(problem.errors).toEqual([
      { path: "policy.rules.0.to_prefixes.0", message: "must be an E.164 prefix: + then digits, such as +1911" },
      { path: "policy.rules.0.oops", message: "unknown field (a protect rule has: id, kind, to_prefixes, match, mode, description)" },
    ]);
  });

  it("answers 404 for a connection that is not the tenant's own", async () => {
    await createConnection("globex", "globex-only", "sandbox");
    await expectProblem(await evaluate(acme.key, { kind: "hangup", connection: "globex-only" }), 404, "not_found");
    await expectProblem(await evaluate(acme.key, { kind: "hangup", connection: "nowhere" }), 404, "not_found");
  });

  it("rejects an invalid evaluation request with 422", async () => {
    await expectProblem(await evaluate(acme.key, { kind: "transfer", connection: "main" }), 422, "invalid_request");
    await expectProblem(await evaluate(acme.key, { kind: "call", connection: "main", call: { started_at: "yesterday" } }), 422, "invalid_request");
  });
});

describe("the same policy in shadow", () => {
  it("reports the deny in the decision but lets the hangup through", async () => {
    const published = await (await admin("PUT", "/admin/policies", SHADOWED)).json<{ version: string }>();
    const res = await hangup(globex.key, uniqueCallId(), { connection: "main" });
    expect(res.status).toBe(200);
    expect((await res.json<{ decision: Decision }>()).decision).toMatchObject({
      allowed: true,
      policy_version: published.version,
      matched: [{ id: "only-acme", effect: "deny", shadow: true }],
    });
  });

  it("publishing it again answers the same version and time", async () => {
    const first = await (await admin("GET", "/admin/policies")).json<{ version: string; published_at: string }>();
    const again = await (await admin("PUT", "/admin/policies", JSON.parse(JSON.stringify(SHADOWED)))).json();
    expect(again).toEqual({ version: first.version, published_at: first.published_at });
  });
});
