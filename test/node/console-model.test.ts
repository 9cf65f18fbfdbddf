/** The operator console's pure core (public/assets/console-model.js): no browser, no gateway. */
import { describe, expect, it } from "vitest";
import {
  bulkRequest,
  decidedBy,
  decidedByRecord,
  describeAuditEntry,
  describeDecision,
  describeJob,
  elapsed,
  formatDuration,
  orderCalls,
  problemMessage,
  scopeNote,
  splitList,
} from "../../public/assets/console-model.js";

type Entry = Parameters<typeof orderCalls>[0][number];

function entry(callId: string, patch: Partial<Entry> = {}): Entry {
  return {
    call_id: callId,
    connection: "main",
    provider: "plivo",
    state: "live",
    registered: true,
    started_at: "2026-05-01T10:00:00.000Z",
    to: "+14155550100",
    flags: [],
    hangup_status: null,
    created_at: "2026-05-01T10:00:00.000Z",
    updated_at: "2026-05-01T10:00:00.000Z",
    ...patch,
  };
}

const FIELDS = { connection: "", flags: "", toPrefixes: "", startedBefore: "", reason: "sweep", all: false };

describe("orderCalls", () => {
  it("puts live calls first, keeps the gateway's order within each, and keeps a call that moved lists once, at its newest", () => {
    const live = [entry("b"), entry("a"), entry("moved")];
    const ended = [entry("moved", { state: "ended", hangup_status: "terminated", updated_at: "2026-05-01T10:00:05.000Z" }), entry("old", { state: "ended" })];
    const ordered = orderCalls(live, ended);
    expect(ordered.map((c) => `${c.call_id}:${c.state}`)).toEqual(["b:live", "a:live", "moved:ended", "old:ended"]);
  });

  it("tells apart calls with one id on two connections", () => {
    expect(orderCalls([entry("x"), entry("x", { connection: "other" })], [])).toHaveLength(2);
  });
});

describe("durations", () => {
  it("reads at a glance", () => {
    expect(formatDuration(45_900)).toBe("45 s");
    expect(formatDuration(187_000)).toBe("3 min 07 s");
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe("2 h 05 min");
    expect(formatDuration(-5)).toBe("0 s");
  });

  it("runs until now while live, and until the last change once ended", () => {
    const now = Date.parse("2026-05-01T10:01:00.000Z");
    expect(elapsed(entry("a"), now)).toBe("1 min 00 s");
    expect(elapsed(entry("a", { state: "ended", updated_at: "2026-05-01T10:00:20.000Z" }), now)).toBe("20 s");
    expect(elapsed(entry("a", { started_at: null, created_at: "2026-05-01T10:00:50.000Z" }), now)).toBe("10 s");
  });
});

describe("what decided a hangup", () => {
  it("from the list when it says, else from the record", () => {
    expect(decidedBy(entry("a", { hangup_reason: "policy:fraud", hangup_source: "policy" }))).toBe("policy:fraud (policy)");
    expect(decidedBy(entry("a"))).toBe("");
    expect(decidedByRecord({ hangup: { reason: "operator", source: "api" } })).toBe("operator (api)");
    expect(decidedByRecord({ hangup: { reason: null, source: "policy", outcome: { decision: { terminate: { rule: "fraud", reason: "policy:fraud" } } } } })).toBe(
      "policy:fraud (policy)",
    );
    expect(decidedByRecord({ hangup: null })).toBe("");
  });
});

describe("bulkRequest", () => {
  it("sends the criteria given, as the contract spells them", () => {
    const request = bulkRequest({ ...FIELDS, connection: " main ", flags: "irsf, wangiri", toPrefixes: "+4470 +88213", startedBefore: "2026-05-01T10:00:00Z" }, true);
    expect(request).toEqual({
      ok: true,
      body: { connection: "main", match: { flags: ["irsf", "wangiri"], to_prefixes: ["+4470", "+88213"], started_before: "2026-05-01T10:00:00.000Z" }, reason: "sweep", dry_run: true },
    });
  });

  it("asks for everything only when told to, and always for a reason", () => {
    expect(bulkRequest(FIELDS, true)).toMatchObject({ ok: false, error: expect.stringMatching(/every live call/) });
    expect(bulkRequest({ ...FIELDS, all: true }, false)).toEqual({ ok: true, body: { reason: "sweep", all: true } });
    expect(bulkRequest({ ...FIELDS, connection: "main", reason: "  " }, true)).toMatchObject({ ok: false, error: expect.stringMatching(/reason/) });
    expect(bulkRequest({ ...FIELDS, startedBefore: "yesterday-ish" }, true)).toMatchObject({ ok: false });
  });

  it("splits lists on commas and spaces", () => {
    expect(splitList(" a, b ,,c  d ")).toEqual(["a", "b", "c", "d"]);
  });
});

describe("problemMessage", () => {
  it("is the problem's detail, with each listed problem", () => {
    expect(problemMessage(401, { title: "Unauthorized", detail: "The API key is not valid." })).toBe("The API key is not valid.");
    expect(problemMessage(422, { detail: "The request is invalid.", errors: [{ path: "match.flags", message: "too many" }] })).toBe(
      "The request is invalid. match.flags: too many",
    );
    expect(problemMessage(502, undefined)).toBe("The gateway answered 502.");
  });
});

describe("describeDecision and describeJob", () => {
  it("put a decision in words", () => {
    const decision = {
      allowed: true,
      policy_version: "sha256:abc",
      terminate: null,
      protected: true,
      deadline: null,
      matched: [{ id: "emergency", effect: "protect", shadow: false, detail: "protected prefix" }, { id: "fraud", effect: "terminate", shadow: true, detail: "flag" }],
    };
    expect(describeDecision(decision)).toEqual({
      verdict: "Allowed; protected from automatic hangups",
      version: "sha256:abc",
      rules: ["emergency: protect — protected prefix", "fraud: terminate (shadow, not enforced) — flag"],
    });
    expect(describeDecision({ ...decision, allowed: false }).verdict).toBe("Denied");
    expect(describeDecision({ ...decision, policy_version: null }).version).toBe("no policy published");
  });

  it("puts a job's progress in words", () => {
    expect(describeJob({ matched: 3, done: 2, protected: 1, status: "running", outcomes: { terminated: 1, already_ended: 1, not_found: 0, failed: 0 } })).toBe(
      "Running: 2 of 3 calls done (1 terminated, 1 already ended); 1 protected, left alone.",
    );
    const retrying = { matched: 2, done: 2, protected: 0, status: "running", outcomes: { terminated: 1, already_ended: 0, not_found: 0, failed: 1 }, retry_at: "2026-05-01T10:02:30.000Z" };
    expect(describeJob(retrying)).toBe("Running: 2 of 2 calls done (1 terminated, 1 failed); 0 protected, left alone. Failed ones are tried again at 2026-05-01T10:02:30.000Z.");
    const cancelled = { matched: 5, done: 3, skipped: 1, protected: 0, status: "cancelled", outcomes: { terminated: 2, already_ended: 0, not_found: 0, failed: 0 }, retry_at: null };
    expect(describeJob(cancelled)).toBe("Cancelled: 3 of 5 calls done (2 terminated, 1 skipped); 0 protected, left alone.");
  });
});

describe("scopes and the audit trail", () => {
  it("names the scope an action needs when the key lacks it, and nothing when it holds it or its scopes are unknown", () => {
    expect(scopeNote("hangup", ["calls:read"])).toBe("Hanging up a call needs the scope calls:hangup, which this key does not have.");
    expect(scopeNote("bulk", ["calls:read"])).toContain("the scope bulk");
    expect(scopeNote("evaluate", [])).toContain("the scope policies:evaluate");
    expect(scopeNote("list", ["calls:read"])).toBe("");
    expect(scopeNote("audit", ["calls:read"])).toBe("");
    expect(scopeNote("hangup", null)).toBe("");
  });

  it("describes an audit entry: who (operator or key), what, and a bulk stop's reason", () => {
    expect(describeAuditEntry({ at: "2026-05-01T02:10:00.000Z", actor: "key:k3j9x0a1b2c3", action: "bulk.started", target: "bulk-hangups/bh_1", detail: { reason: "fraud sweep" } })).toEqual({
      at: "2026-05-01T02:10:00.000Z",
      who: "key k3j9x0a1b2c3",
      action: "bulk.started",
      target: "bulk-hangups/bh_1 — “fraud sweep”",
    });
    expect(describeAuditEntry({ at: "2026-05-01T02:10:00.000Z", actor: "admin", action: "key.created", target: "tenants/acme/keys/k1" }).who).toBe("operator");
  });
});
