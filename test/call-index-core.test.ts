/**
 * The pure parts of the call index and bulk hangups: which report of a call wins, the cursor's seal,
 * and the SQL builders' tenant binding (the pacing of bulk hangups: test/bulk-pace.test.ts).
 */
import { describe, expect, it } from "vitest";
import { selectionQuery, selectsEverything } from "../src/bulk/selection";
import { decodeCursor, encodeCursor, filterFingerprint } from "../src/call-index/cursor";
import { latestPerCall, parseReport } from "../src/call-index/ingest";
import { listQuery } from "../src/call-index/list-query";
import { report } from "./call-index-kit";

describe("latestPerCall", () => {
  it("keeps one report per call, the highest version, a deletion over its equal", () => {
    const a1 = report("t", "a", { version: 1 });
    const a3 = report("t", "a", { version: 3 });
    const a3deleted = report("t", "a", { version: 3, deleted: true });
    const b2 = report("t", "b", { version: 2 });
    const otherTenant = report("u", "a", { version: 1 });
    expect(latestPerCall([a1, a3, b2, a1, otherTenant])).toEqual([a3, b2, otherTenant]);
    expect(latestPerCall([a3, a3deleted, a1])).toEqual([a3deleted]);
  });

  it("refuses a message that is not a report", () => {
    expect(parseReport({ tenant: "t" })).toBeNull();
    expect(parseReport(report("t", "a"))).not.toBeNull();
    expect(parseReport({ ...report("t", "a"), version: -1 })).toBeNull();
    expect(parseReport({ ...report("t", "a"), cause: "hung-up" })).toBeNull();
    expect(parseReport({ ...report("t", "a"), lifecycle_state: "live" })).toBeNull();
  });

  it("takes a report sent before the index carried the lifecycle (it is indexed as null)", () => {
    const { lifecycle_state: _state, cause: _cause, ...older } = report("t", "a");
    expect(parseReport(older)).toEqual(older);
  });
});

describe("cursor", () => {
  const env = { CREDENTIALS_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" };
  const at = { created_at: "2026-01-01T00:00:00.000Z", connection: "c", call_id: "x.y" };

  it("round-trips for the same tenant and filters only", async () => {
    const cursor = await encodeCursor(env, "acme", { state: "live" }, at);
    expect(await decodeCursor(env, "acme", { state: "live" }, cursor)).toEqual(at);
    expect(await decodeCursor(env, "globex", { state: "live" }, cursor)).toBeNull();
    expect(await decodeCursor(env, "acme", {}, cursor)).toBeNull();
    expect(await decodeCursor({ CREDENTIALS_KEY: "another" }, "acme", { state: "live" }, cursor)).toBeNull();
    expect(await decodeCursor(env, "acme", { state: "live" }, cursor.replace(".", "x."))).toBeNull();
    expect(await decodeCursor(env, "acme", { state: "live" }, `${cursor}.more`)).toBeNull();
  });

  it("names filters by value, not by the order or absence of keys", () => {
    expect(filterFingerprint({ state: "live", flag: "irsf" })).toBe(filterFingerprint({ flag: "irsf", state: "live", connection: undefined }));
    expect(filterFingerprint({ state: "live" })).not.toBe(filterFingerprint({ state: "ended" }));
    expect(filterFingerprint({ cause: "busy" })).not.toBe(filterFingerprint({ cause: "completed" }));
    expect(filterFingerprint({ lifecycle_state: "ended" })).not.toBe(filterFingerprint({ state: "ended" }));
  });

  it("binds the lifecycle filters: a page of busy calls does not continue a list of completed ones", async () => {
    const cursor = await encodeCursor(env, "acme", { cause: "busy", lifecycle_state: "ended" }, at);
    expect(await decodeCursor(env, "acme", { lifecycle_state: "ended", cause: "busy" }, cursor)).toEqual(at);
    expect(await decodeCursor(env, "acme", { cause: "completed", lifecycle_state: "ended" }, cursor)).toBeNull();
    expect(await decodeCursor(env, "acme", { cause: "busy" }, cursor)).toBeNull();
  });
});

describe("SQL builders", () => {
  it("bind the tenant as a parameter and take every value as one", () => {
    const list = listQuery("acme", { connection: "c", flag: "irsf", since: "a", until: "b" }, { created_at: "x'", connection: "c", call_id: "i" }, 51);
    expect(list.params[0]).toBe("acme");
    expect(list.sql).not.toContain("x'");
    expect(list.sql).toContain("f.tenant = ?1");
    const selection = selectionQuery("acme", { to_prefixes: ["+44", "+1"], flags: ["a"] }, null, 100, "2026-01-01");
    expect(selection.params[0]).toBe("acme");
    expect(selection.sql).toContain("e.state = 'live'");
    expect(selection.sql).toContain("e.registered = 1");
  });

  it("knows when nothing narrows a bulk selection", () => {
    expect(selectsEverything({})).toBe(true);
    expect(selectsEverything({ flags: [] })).toBe(true);
    expect(selectsEverything({ connection: "c" })).toBe(false);
    expect(selectsEverything({ started_before: "2026-01-01T00:00:00.000Z" })).toBe(false);
  });
});
