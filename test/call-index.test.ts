/**
 * GET /v1/calls and the index behind it, fed through the real queue and consumer into D1: reports are
 * listed within the lag bound, pages neither repeat nor skip a call (also while calls arrive), no report
 * takes an entry back, deleted calls stay gone, and a tenant only ever sees its own calls.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ingestReports } from "../src/call-index/ingest";
import { listQuery, type ListFilter } from "../src/call-index/list-query";
import { purgeCutoff, purgeExpired, RETENTION_MARGIN_DAYS } from "../src/call-index/retention";
import { DEFAULT_RETENTION_DAYS } from "../src/config";
import { asTenant, createConnection, createTenant, expectProblem, uniqueCallId } from "./helpers";
import { feed, listAll, listPage, report, waitForList } from "./call-index-kit";

let acme: { key: string };
let globex: { key: string };

beforeAll(async () => {
  acme = await createTenant("acme");
  globex = await createTenant("globex");
  await createConnection("acme", "sandbox", "sandbox");
});

/** created_at values one millisecond apart, counting down from a fixed past instant. */
function timeline(base: string, n: number): string[] {
  const start = Date.parse(base);
  return Array.from({ length: n }, (_, i) => new Date(start - i).toISOString());
}

describe("ingest", () => {
  it("lists a reported call within the 10 s lag bound", async () => {
    const id = uniqueCallId("lag");
    await feed([report("acme", id)]);
    const took = await waitForList(acme.key, "", (calls) => calls.some((c) => c.call_id === id));
    expect(took).toBeLessThan(10_000);
    const { calls } = await listPage(acme.key, "limit=500");
    expect(calls.find((c) => c.call_id === id)).toMatchObject({ connection: "sandbox", provider: "sandbox", state: "live", registered: true, to: "+14155550100", flags: [], hangup_status: null });
  });

  it("keeps the highest version whatever order reports arrive in, replays included", async () => {
    const id = uniqueCallId("order");
    const created = "2026-01-10T10:00:00.000Z";
    const v = (version: number, extra: object) => report("acme", id, { created_at: created, version, ...extra });
    // v3 (ended, terminated) first, then the older v1 and v2, then v3 again: the entry stays v3.
    await feed([v(3, { state: "ended", hangup_status: "terminated", flags: ["irsf"], updated_at: "2026-01-10T10:03:00.000Z" })]);
    await waitForList(acme.key, "status=terminated", (calls) => calls.some((c) => c.call_id === id));
    await feed([v(1, { updated_at: "2026-01-10T10:01:00.000Z" }), v(2, { flags: ["irsf"], updated_at: "2026-01-10T10:02:00.000Z" })]);
    await feed([v(3, { state: "ended", hangup_status: "terminated", flags: ["irsf"], updated_at: "2026-01-10T10:03:00.000Z" })]);
    // A marker sent after them: once it is listed, the batches before it have been consumed.
    const marker = uniqueCallId("marker");
    await feed([report("acme", marker)]);
    await waitForList(acme.key, "", (calls) => calls.some((c) => c.call_id === marker));
    const entry = (await listAll(acme.key, "until=2026-01-11T00:00:00Z&since=2026-01-10T00:00:00Z")).filter((c) => c.call_id === id);
    expect(entry).toHaveLength(1);
    expect(entry[0]).toMatchObject({ state: "ended", hangup_status: "terminated", flags: ["irsf"], updated_at: "2026-01-10T10:03:00.000Z" });
    expect((await listAll(acme.key, "state=live")).some((c) => c.call_id === id)).toBe(false);
  });

  it("a deleted call is gone and a late older report does not bring it back", async () => {
    const id = uniqueCallId("deleted");
    const created = "2026-01-12T10:00:00.000Z";
    await feed([report("acme", id, { created_at: created, version: 1, flags: ["wangiri"] })]);
    await waitForList(acme.key, "flag=wangiri", (calls) => calls.some((c) => c.call_id === id));
    await feed([report("acme", id, { created_at: created, version: 4, state: "ended", deleted: true })]);
    await waitForList(acme.key, "", (calls) => !calls.some((c) => c.call_id === id));
    await feed([report("acme", id, { created_at: created, version: 2 }), report("acme", id, { created_at: created, version: 3, flags: ["wangiri"] })]);
    const marker = uniqueCallId("marker");
    await feed([report("acme", marker)]);
    await waitForList(acme.key, "", (calls) => calls.some((c) => c.call_id === marker));
    expect((await listAll(acme.key)).some((c) => c.call_id === id)).toBe(false);
    expect((await listAll(acme.key, "flag=wangiri")).some((c) => c.call_id === id)).toBe(false);
  });
});

describe("pages", () => {
  const N = 230;
  const base = "2026-02-01T12:00:00.000Z";
  let ids: string[];

  beforeAll(async () => {
    // Equal created_at for pairs of calls: ties are broken by (connection, call_id), never lost.
    const times = timeline(base, N / 2).flatMap((t) => [t, t]);
    ids = times.map((_, i) => `page-${String(i).padStart(4, "0")}`);
    await feed(ids.map((id, i) => report("acme", id, { created_at: times[i]!, connection: i % 3 ? "sandbox" : "other" })));
    await waitForList(acme.key, "since=2026-01-31T00:00:00Z&until=2026-02-02T00:00:00Z&limit=500", (calls) => calls.length === N);
  });

  it("lists every call exactly once, newest first, across pages of any size", async () => {
    for (const limit of [2, 7, 50, 500]) {
      const calls = await listAll(acme.key, `since=2026-01-31T00:00:00Z&until=2026-02-02T00:00:00Z&limit=${limit}`);
      expect(calls.map((c) => c.call_id).sort()).toEqual([...ids].sort());
      const order = calls.map((c) => [c.created_at, c.connection, c.call_id].join("|"));
      expect(order).toEqual([...order].sort().reverse());
    }
  }, 90_000);

  it("new calls arriving between pages neither repeat nor push out a call", async () => {
    let added = 0;
    const calls = await listAll(acme.key, "until=2026-02-02T00:00:00Z&limit=40", async (page) => {
      if (page > 2) return;
      // Newer than everything listed so far, and older than the window end: they land ahead of the cursor.
      const id = `late-${page}-${crypto.randomUUID()}`;
      await feed([report("acme", id, { created_at: `2026-02-01T18:00:0${page}.000Z` })]);
      await waitForList(acme.key, "since=2026-02-01T17:00:00Z&until=2026-02-02T00:00:00Z", (c) => c.some((x) => x.call_id === id));
      added++;
    });
    expect(added).toBe(3);
    const pageIds = calls.filter((c) => c.call_id.startsWith("page-")).map((c) => c.call_id);
    expect(pageIds.length).toBe(new Set(pageIds).size);
    expect([...pageIds].sort()).toEqual([...ids].sort());
  });

  it("filters by connection, since (inclusive) and until (exclusive)", async () => {
    const other = await listAll(acme.key, "connection=other&since=2026-01-31T00:00:00Z&until=2026-02-02T00:00:00Z&limit=500");
    expect(other.length).toBe(ids.filter((_, i) => i % 3 === 0).length);
    expect(other.every((c) => c.connection === "other")).toBe(true);
    const newest = timeline(base, 1)[0]!;
    const since = await listAll(acme.key, `since=${newest}&until=2026-02-02T00:00:00Z`);
    expect(since.filter((c) => c.call_id.startsWith("page-")).map((c) => c.call_id).sort()).toEqual(["page-0000", "page-0001"]);
    const until = await listAll(acme.key, `since=2026-01-31T00:00:00Z&until=${newest}&limit=500`);
    expect(until.some((c) => c.call_id === "page-0000")).toBe(false);
    expect(until.length).toBe(N - 2);
  });
});

describe("filters", () => {
  it("state, status, registered and flag select what they say", async () => {
    const at = "2026-03-01T00:00:00.000Z";
    const mk = (id: string, extra: object) => report("acme", `${id}-${crypto.randomUUID()}`, { created_at: at, ...extra });
    const live = mk("f-live", { flags: ["IRSF"] });
    const failed = mk("f-failed", { hangup_status: "failed" });
    const ended = mk("f-ended", { state: "ended", hangup_status: "terminated" });
    const unregistered = mk("f-unreg", { registered: false });
    await feed([live, failed, ended, unregistered]);
    const window = "since=2026-02-28T00:00:00Z&until=2026-03-02T00:00:00Z";
    await waitForList(acme.key, window, (calls) => calls.length === 4);
    const ids = async (q: string) => (await listAll(acme.key, `${window}&${q}`)).map((c) => c.call_id).sort();
    expect(await ids("state=live")).toEqual([live, failed, unregistered].map((r) => r.call_id).sort());
    expect(await ids("state=ended")).toEqual([ended.call_id]);
    expect(await ids("status=failed")).toEqual([failed.call_id]);
    expect(await ids("registered=false")).toEqual([unregistered.call_id]);
    expect(await ids("flag=irsf")).toEqual([live.call_id]);
    expect(await ids("flag=IRSF")).toEqual([live.call_id]);
    expect(await ids("flag=wangiri")).toEqual([]);
  });

  it("lifecycle_state and cause select what they say; an entry indexed without them lists null and matches neither", async () => {
    const at = "2026-03-05T00:00:00.000Z";
    const mk = (id: string, extra: object) => report("acme", `${id}-${crypto.randomUUID()}`, { created_at: at, ...extra });
    const ringing = mk("l-ringing", { lifecycle_state: "ringing" });
    const answered = mk("l-answered", { lifecycle_state: "answered" });
    const busy = mk("l-busy", { state: "ended", lifecycle_state: "ended", cause: "busy" });
    const completed = mk("l-completed", { state: "ended", lifecycle_state: "ended", cause: "completed", hangup_status: "terminated" });
    // As a call object sent it before the index carried the lifecycle (a report still queued across the deploy).
    const { lifecycle_state: _state, cause: _cause, ...older } = mk("l-older", {});
    await feed([ringing, answered, busy, completed, older]);
    const window = "since=2026-03-04T00:00:00Z&until=2026-03-06T00:00:00Z";
    await waitForList(acme.key, window, (calls) => calls.length === 5);
    const listed = await listAll(acme.key, window);
    expect(listed.find((c) => c.call_id === busy.call_id)).toMatchObject({ state: "ended", lifecycle_state: "ended", cause: "busy" });
    expect(listed.find((c) => c.call_id === ringing.call_id)).toMatchObject({ state: "live", lifecycle_state: "ringing", cause: null });
    expect(listed.find((c) => c.call_id === older.call_id)).toMatchObject({ lifecycle_state: null, cause: null });
    const ids = async (q: string) => (await listAll(acme.key, `${window}&${q}`)).map((c) => c.call_id).sort();
    expect(await ids("lifecycle_state=ringing")).toEqual([ringing.call_id]);
    expect(await ids("lifecycle_state=answered")).toEqual([answered.call_id]);
    expect(await ids("lifecycle_state=ended")).toEqual([busy, completed].map((r) => r.call_id).sort());
    expect(await ids("lifecycle_state=initiated")).toEqual([]);
    expect(await ids("cause=busy")).toEqual([busy.call_id]);
    expect(await ids("cause=completed&status=terminated")).toEqual([completed.call_id]);
    expect(await ids("cause=no_answer")).toEqual([]);
    // A later report of the call carries its lifecycle, and the entry takes it.
    await feed([{ ...older, version: 2, state: "ended", lifecycle_state: "ended", cause: "no_answer" }]);
    await waitForList(acme.key, `${window}&cause=no_answer`, (calls) => calls.some((c) => c.call_id === older.call_id));
  });

  it("each filter with an index of its own reads one index range in list order, never a sort", async () => {
    const after = { created_at: "2026-03-05T00:00:00.000Z", connection: "sandbox", call_id: "x" };
    const plans: Record<string, [ListFilter, string]> = {
      none: [{}, "call_entry_by_created"],
      connection: [{ connection: "sandbox" }, "call_entry_by_connection"],
      state: [{ state: "live" }, "call_entry_by_state"],
      status: [{ status: "failed" }, "call_entry_by_status"],
      lifecycle_state: [{ lifecycle_state: "ringing" }, "call_entry_by_lifecycle_state"],
      cause: [{ cause: "busy" }, "call_entry_by_cause"],
    };
    for (const [name, [filter, index]] of Object.entries(plans)) {
      const { sql, params } = listQuery("acme", filter, after, 51);
      const { results } = await env.CALL_INDEX_DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
      const steps = results.map((r) => r.detail);
      expect(steps, name).toHaveLength(1);
      expect(steps[0], name).toMatch(new RegExp(`^SEARCH e USING INDEX ${index} \\(tenant=\\?`));
      if (name in filter) expect(steps[0], name).toContain(`${name}=?`);
    }
  });
});

describe("isolation", () => {
  it("another tenant sees none of the calls, and cannot use the tenant's cursor", async () => {
    const id = uniqueCallId("secret");
    await feed([report("acme", id), report("acme", uniqueCallId("secret")), report("globex", uniqueCallId("own"))]);
    await waitForList(acme.key, "", (calls) => calls.some((c) => c.call_id === id));
    await waitForList(globex.key, "", (calls) => calls.length > 0);
    const theirs = await listAll(globex.key, "limit=500");
    expect(theirs.every((c) => c.call_id.startsWith("own-"))).toBe(true);
    const page = await listPage(acme.key, "limit=1");
    expect(page.next_cursor).toBeTruthy();
    await expectProblem(await asTenant(globex.key, "GET", `/v1/calls?limit=1&cursor=${encodeURIComponent(page.next_cursor!)}`), 422, "invalid_request");
  });
});

describe("bad queries", () => {
  it.each([
    "state=dead",
    "status=ok",
    "registered=yes",
    "lifecycle_state=live",
    "lifecycle_state=Ringing",
    "cause=hangup",
    "cause=COMPLETED",
    "limit=0",
    "limit=501",
    "limit=ten",
    "limit=1.5",
    "since=yesterday",
    "until=2026-13-01T00:00:00Z",
    "since=2026-02-02T00:00:00Z&until=2026-02-01T00:00:00Z",
    "connection=Not_An_Id",
    "cursor=garbage",
    `flag=${"x".repeat(65)}`,
  ])("%s is 422", async (query) => {
    await expectProblem(await asTenant(acme.key, "GET", `/v1/calls?${query}`), 422, "invalid_request");
  });

  it("an edited cursor, or one from another query, is 422", async () => {
    await feed([report("acme", uniqueCallId("c1")), report("acme", uniqueCallId("c2"))]);
    await waitForList(acme.key, "", (calls) => calls.length >= 2);
    const { next_cursor } = await listPage(acme.key, "limit=1");
    const [body, tag] = next_cursor!.split(".");
    const edited = `${body!.slice(0, -2)}${body!.endsWith("A") ? "B" : "A"}${body!.slice(-1)}.${tag}`;
    await expectProblem(await asTenant(acme.key, "GET", `/v1/calls?limit=1&cursor=${encodeURIComponent(edited)}`), 422);
    await expectProblem(await asTenant(acme.key, "GET", `/v1/calls?limit=1&state=live&cursor=${encodeURIComponent(next_cursor!)}`), 422);
    await expectProblem(await asTenant(acme.key, "GET", `/v1/calls?limit=1&cause=busy&cursor=${encodeURIComponent(next_cursor!)}`), 422);
    expect((await listPage(acme.key, `limit=1&cursor=${encodeURIComponent(next_cursor!)}`)).calls).toHaveLength(1);
  });

  it("needs a tenant key", async () => {
    await expectProblem(await asTenant("hgw_nope_nope", "GET", "/v1/calls"), 401);
  });
});

describe("consumer and retention", () => {
  it("drops a message that is not a report and indexes the rest of its batch", async () => {
    const id = uniqueCallId("after-garbage");
    await env.CALL_INDEX.sendBatch([{ body: { tenant: "acme", nonsense: true } as never }, { body: report("acme", id) }]);
    await waitForList(acme.key, "", (calls) => calls.some((c) => c.call_id === id));
  });

  it("purges entries and tombstones no report touched for the retention period plus the margin, flags included", async () => {
    const db = env.CALL_INDEX_DB;
    const day = 86_400_000;
    const now = Date.now();
    const old = report("acme", uniqueCallId("expired"), { created_at: "2025-01-01T00:00:00.000Z", flags: ["old-flag"] });
    const oldTombstone = report("acme", uniqueCallId("expired-tombstone"), { created_at: "2025-01-01T00:00:00.000Z", deleted: true });
    const recent = report("acme", uniqueCallId("kept"), { created_at: "2025-01-01T00:00:00.000Z", flags: ["old-flag"] });
    await ingestReports(db, [old, oldTombstone], now - (DEFAULT_RETENTION_DAYS + RETENTION_MARGIN_DAYS + 1) * day);
    await ingestReports(db, [recent], now - DEFAULT_RETENTION_DAYS * day);
    await purgeExpired(db, purgeCutoff({}, now));
    const rows = await db.prepare("SELECT call_id FROM call_entry WHERE call_id IN (?, ?, ?)").bind(old.call_id, oldTombstone.call_id, recent.call_id).all<{ call_id: string }>();
    expect(rows.results.map((r) => r.call_id)).toEqual([recent.call_id]);
    const flags = await db.prepare("SELECT call_id FROM call_flag WHERE flag = 'old-flag'").all<{ call_id: string }>();
    expect(flags.results.map((r) => r.call_id)).toEqual([recent.call_id]);
  });

  it("reads CALL_RETENTION_DAYS, falling back to 30 days on nonsense", () => {
    expect(purgeCutoff({ CALL_RETENTION_DAYS: "2" }, 100 * 86_400_000)).toBe((100 - 2 - RETENTION_MARGIN_DAYS) * 86_400_000);
    expect(purgeCutoff({ CALL_RETENTION_DAYS: "soon" }, 100 * 86_400_000)).toBe((100 - 30 - RETENTION_MARGIN_DAYS) * 86_400_000);
  });
});
