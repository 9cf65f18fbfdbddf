/**
 * A decision shown to a tenant never names another tenant (contract): not in a hangup's 403
 * `policy_denied`, a registration's 403, `/v1/policies/evaluate` (active policy or draft), nor a call's
 * record. Generated: policies whose rules list other tenants in every place a document can (allowed
 * lists, rule scopes), enforced or shadow, with the caller listed or not.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { admin, asTenant, createConnection, createTenant, getCall, hangup, send, uniqueCallId } from "./helpers";

const CALLER = "viewer";
let key = "";

beforeAll(async () => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  ({ key } = await createTenant(CALLER));
  await createConnection(CALLER, "sandbox", "sandbox");
});

/** Other tenants' ids: "zz" first, so that no hex digest, uuid or English word contains one by chance. */
const otherTenant = fc.stringMatching(/^zz[a-z0-9]{4,10}$/);

const policy = fc
  .record({
    others: fc.uniqueArray(otherTenant, { minLength: 1, maxLength: 8 }),
    callerAllowed: fc.boolean(),
    callerInScope: fc.boolean(),
    mode: fc.constantFrom("enforce", "shadow"),
    ruleMode: fc.constantFrom(undefined, "shadow"),
  })
  .map(({ others, callerAllowed, callerInScope, mode, ruleMode }) => ({
    others,
    document: {
      rules: [
        { id: "members", kind: "allowed_tenants", tenants: callerAllowed ? [...others, CALLER] : others, ...(ruleMode ? { mode: ruleMode } : {}) },
        { id: "cap", kind: "max_duration", max_seconds: 60, match: { tenants: callerInScope ? [CALLER, ...others] : others } },
        { id: "fraud", kind: "fraud_flags", flags: ["irsf"], match: { tenants: [...others, CALLER] } },
      ],
      mode,
    },
  }));

function expectNoOtherTenant(text: string, others: string[], where: string): void {
  for (const other of others) expect(text, `${where} names ${other}`).not.toContain(other);
}

describe("tenant-visible answers", () => {
  it("name no tenant but the caller, whatever the policy lists", async () => {
    await fc.assert(
      fc.asyncProperty(policy, async ({ others, document }) => {
        expect((await admin("PUT", "/admin/policies", document)).status).toBe(200);

        const hangupId = uniqueCallId("seen");
        const hung = await hangup(key, hangupId, { connection: "sandbox", reason: "check" });
        expect([200, 403]).toContain(hung.status);
        expectNoOtherTenant(await hung.text(), others, `hangup ${hung.status}`);

        const registeredId = uniqueCallId("registered");
        const registered = await asTenant(key, "POST", "/v1/calls", { call_id: registeredId, connection: "sandbox", flags: ["irsf"], started_at: new Date(Date.now() - 120_000).toISOString() });
        expect([201, 403]).toContain(registered.status);
        expectNoOtherTenant(await registered.text(), others, `registration ${registered.status}`);

        for (const id of [hangupId, registeredId]) {
          const record = await getCall(key, id, "sandbox");
          expectNoOtherTenant(await record.text(), others, "the call's record");
        }

        for (const body of [
          { kind: "hangup", connection: "sandbox" },
          { kind: "call", connection: "sandbox", call: { flags: ["irsf"], started_at: new Date(Date.now() - 120_000).toISOString() } },
          { kind: "hangup", connection: "sandbox", policy: document },
        ]) {
          const evaluated = await asTenant(key, "POST", "/v1/policies/evaluate", body);
          expect(evaluated.status).toBe(200);
          expectNoOtherTenant(await evaluated.text(), others, `evaluate ${JSON.stringify(body).slice(0, 60)}`);
        }
      }),
      { numRuns: 25 },
    );
  });

  it("a denial still says why, naming the caller and the rule", async () => {
    await admin("PUT", "/admin/policies", { rules: [{ id: "members", kind: "allowed_tenants", tenants: ["zzacme", "zzglobex"] }] });
    const res = await send(`/v1/calls/${uniqueCallId()}/hangup`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ connection: "sandbox" }),
    });
    expect(res.status).toBe(403);
    const problem = await res.json<{ code: string; decision: { matched: { id: string; detail: string }[] } }>();
    expect(problem.code).toBe("policy_denied");
    expect(problem.decision.matched).toEqual([expect.objectContaining({ id: "members", detail: `Tenant ${CALLER} is not among the tenants this rule allows.` })]);
    // The operator still reads the whole list where it lives: the policy document.
    expect(JSON.stringify(await (await admin("GET", "/admin/policies")).json())).toContain("zzglobex");
  });
});
