/** The operator console's pure core (public/assets/console-model.js): no browser, no gateway. */
import { describe, expect, it } from "vitest";
import {
  bulkRequest,
  callTimeline,
  decidedBy,
  decidedByRecord,
  describeAuditEntry,
  describeDecision,
  describeJob,
  describeLifecycle,
  elapsed,
  formatDuration,
  lifecycleText,
  listFilters,
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

describe("a call's lifecycle", () => {
  const at = (s: number) => new Date(Date.parse("2026-05-01T10:00:00.000Z") + s * 1000).toISOString();
  const lifecycle = {
    state: "ended",
    started_at: at(0),
    answered_at: at(8),
    ended_at: at(75),
    duration_seconds: 67,
    cause: "no_answer",
    ended_by: "callee",
    provider_cause: "NO_ANSWER",
    source: "callback",
    timeline: [
      { state: "initiated", at: at(0) },
      { state: "ringing", at: at(2) },
      { state: "answered", at: at(8) },
      { state: "ended", at: at(75) },
    ],
  };

  it("shows the state in the row, and once ended its cause; an entry indexed before the lifecycle shows a dash", () => {
    expect(lifecycleText(entry("a", { lifecycle_state: "ringing", cause: null }))).toBe("ringing");
    expect(lifecycleText(entry("a", { state: "ended", lifecycle_state: "ended", cause: "no_answer" }))).toBe("ended (no answer)");
    expect(lifecycleText(entry("a", { state: "ended", lifecycle_state: "ended", cause: null }))).toBe("ended");
    expect(lifecycleText(entry("a", { lifecycle_state: null }))).toBe("—");
    expect(lifecycleText(entry("a"))).toBe("—");
  });

  it("filters the list by connection, lifecycle state and cause, as GET /v1/calls names them", () => {
    expect(listFilters({ connection: " main ", lifecycleState: "ended", cause: "busy" })).toEqual({ connection: "main", lifecycle_state: "ended", cause: "busy" });
    expect(listFilters({ connection: " ", lifecycleState: "", cause: "" })).toEqual({});
  });

  it("describes the end: cause, who ended it, how the gateway knows, the provider's words, how long it was answered, who registered it", () => {
    expect(describeLifecycle({ lifecycle, registration: { source: "provider_event" } })).toEqual([
      ["Lifecycle", "ended"],
      ["Cause", "no answer"],
      ["Ended by", "callee"],
      ["End known from", "the provider's event"],
      ["Provider cause", "NO_ANSWER"],
      ["Duration", "1 min 07 s"],
      ["Registered by", "the provider's event (the connection watches every call)"],
    ]);
    const cut = { ...lifecycle, duration_seconds: null, cause: "completed", ended_by: "gateway", provider_cause: null, source: "hangup" };
    expect(describeLifecycle({ lifecycle: cut, registration: null })).toEqual([
      ["Lifecycle", "ended"],
      ["Cause", "completed"],
      ["Ended by", "gateway"],
      ["End known from", "this gateway's hangup"],
      ["Duration", "never answered"],
      ["Registered by", "not registered (only hung up)"],
    ]);
  });

  it("says only the state of a call still going, and who registered it", () => {
    const live = { ...lifecycle, state: "answered", ended_at: null, duration_seconds: null, cause: null, ended_by: null, provider_cause: null, source: null };
    expect(describeLifecycle({ lifecycle: live, registration: { source: "api" } })).toEqual([
      ["Lifecycle", "answered"],
      ["Registered by", "the tenant (POST /v1/calls)"],
    ]);
  });

  it("puts states, hangup rounds and status reads on one timeline, oldest first, whatever order the record lists them in", () => {
    const record = {
      lifecycle: { ...lifecycle, cause: "completed", timeline: [{ state: "initiated", at: at(0) }, { state: "answered", at: at(8) }, { state: "ended", at: at(130) }] },
      rounds: [
        { n: 2, source: "policy", reason: "policy:max", requested_at: at(129), outcome: { status: "terminated" } },
        { n: 1, source: "api", reason: null, requested_at: at(40), outcome: { status: "failed" } },
      ],
      reconciliations: [
        { at: at(100), http_status: 200, said: "live" },
        { at: at(60), http_status: null, said: "error" },
      ],
    };
    expect(callTimeline(record)).toEqual([
      { at: at(0), kind: "state", text: "Initiated" },
      { at: at(8), kind: "state", text: "Answered" },
      { at: at(40), kind: "hangup", text: "Hangup #1 asked by api: failed" },
      { at: at(60), kind: "reconcile", text: "Status read at the provider: no answer (tried again later)" },
      { at: at(100), kind: "reconcile", text: "Status read at the provider: still live (HTTP 200)" },
      { at: at(129), kind: "hangup", text: "Hangup #2 asked by policy, “policy:max”: terminated" },
      { at: at(130), kind: "state", text: "Ended (completed)" },
    ]);
  });

  it("at one instant keeps the order of a call's life: its start, what the gateway did, then the state that followed", () => {
    const record = {
      lifecycle: { ...lifecycle, cause: "unknown", timeline: [{ state: "initiated", at: at(0) }, { state: "ended", at: at(5) }] },
      rounds: [{ n: 1, source: "policy", reason: "policy:fraud", requested_at: at(0), outcome: null }],
      reconciliations: [{ at: at(5), http_status: 404, said: "unknown" }],
    };
    expect(callTimeline(record).map((item) => item.text)).toEqual([
      "Initiated",
      "Hangup #1 asked by policy, “policy:fraud”: in flight",
      "Status read at the provider: does not know the call (HTTP 404)",
      "Ended (unknown)",
    ]);
  });

  it("keeps the states in the order of the call's life, the start at the call's start, even when the gateway learned of it later", () => {
    // Registered from a provider's event that arrived late: the first step is when the gateway heard, the start is the provider's.
    const record = {
      lifecycle: { ...lifecycle, started_at: at(0), timeline: [{ state: "initiated", at: at(90) }, { state: "ringing", at: at(2) }, { state: "ended", at: at(80) }] },
      rounds: [],
      reconciliations: [{ at: at(85), http_status: 200, said: "ended" }],
    };
    expect(callTimeline(record)).toEqual([
      { at: at(0), kind: "state", text: "Initiated" },
      { at: at(2), kind: "state", text: "Ringing" },
      { at: at(80), kind: "state", text: "Ended (no answer)" },
      { at: at(85), kind: "reconcile", text: "Status read at the provider: ended (HTTP 200)" },
    ]);
    // Steps out of time order stay in the order of the life; what the gateway did goes where its time says.
    const skewed = { lifecycle: { ...record.lifecycle, started_at: null, timeline: [{ state: "initiated", at: at(90) }, { state: "ringing", at: at(2) }] }, reconciliations: [{ at: at(50), http_status: 200, said: "live" }] };
    expect(callTimeline(skewed).map((item) => item.text)).toEqual(["Status read at the provider: still live (HTTP 200)", "Initiated", "Ringing"]);
  });

  it("reads a record without a lifecycle, rounds or reads as an empty timeline", () => {
    expect(callTimeline({})).toEqual([]);
    expect(describeLifecycle({})).toEqual([["Registered by", "not registered (only hung up)"]]);
  });
});
