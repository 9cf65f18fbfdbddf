/**
 * POST /v1/calls: registering a live call puts it under the policy. Denied tenants store nothing; a
 * call the policy says to end now is hung up before the answer, through the exactly-once hangup; the
 * same registration again replays, a different one (or a call already hung up) is a conflict.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { callObject } from "../src/objects";
import { POLICY_RECHECK_MS } from "../src/calls/timings";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import {
  admin,
  asTenant,
  createConnection,
  createTenant,
  expectProblem,
  fakeProviderUrl,
  getCall,
  hangup,
  providerRequests,
  uniqueCallId,
} from "./helpers";

const HOUR_S = 3600;

let acme: { key: string };
let globex: { key: string };

beforeAll(async () => {
  acme = await createTenant("acme");
  globex = await createTenant("globex");
  await createConnection("acme", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
  await createConnection("globex", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
  const published = await admin("PUT", "/admin/policies", {
    rules: [
      { id: "known-tenants", kind: "allowed_tenants", tenants: ["acme"] },
      { id: "fraud", kind: "fraud_flags", flags: ["irsf"] },
      { id: "one-hour-max", kind: "max_duration", max_seconds: HOUR_S },
    ],
  });
  expect(published.status).toBe(200);
});

interface CallRecord {
  call_id: string;
  state: string;
  registered: boolean;
  started_at: string;
  from: string | null;
  to: string | null;
  flags: string[];
  metadata: Record<string, unknown> | null;
  registration: { registered_at: string; evaluated_at: string; decision: { deadline: string | null; terminate: { rule: string } | null; policy_version: string } } | null;
  hangup: { source: string; reason: string; outcome: { status: string } | null } | null;
  events: { type: string }[];
}

function register(key: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<Response> {
  return asTenant(key, "POST", "/v1/calls", body, headers);
}

type InstantSpelling = "Z" | "millis" | "micros" | "offset";

/** The instant `ms` as RFC 3339 text: `…:ssZ` (whole seconds only), `….sssZ`, `….ssssss Z`, or local time at an offset. */
function spellInstant(ms: number, spelling: InstantSpelling, offsetMinutes: number): string {
  const iso = new Date(ms).toISOString();
  if (spelling === "Z") return ms % 1000 === 0 ? iso.replace(".000Z", "Z") : iso;
  if (spelling === "millis") return iso;
  if (spelling === "micros") return iso.replace("Z", "000Z");
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** The same JSON value with every object's keys in another order (a shuffle chosen by `seed`), however deep. */
function reordered<T>(value: T, seed: number): T {
  if (Array.isArray(value)) return value.map((item: unknown, i) => reordered(item, seed + i)) as T;
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  let state = seed >>> 0;
  for (let i = entries.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const j = state % (i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([k, v], i) => [k, reordered(v, seed + i + 1)])) as T;
}

function secondsAgo(seconds: number): string {
  return new Date(Date.now() - seconds * 1000).toISOString();
}

describe("registering a call", () => {
  it("answers 201 with the record, the decision and its deadline, and sets the alarm", async () => {
    const callId = uniqueCallId();
    const startedAt = secondsAgo(60);
    const res = await register(acme.key, {
      call_id: callId,
      connection: "plivo",
      started_at: startedAt,
      from: "+14155550100",
      to: "+442071838750",
      flags: ["VIP", "vip"],
      metadata: { campaign: "spring" },
    });
    expect(res.status).toBe(201);
    const record = await res.json<CallRecord>();
    expect(record).toMatchObject({
      call_id: callId,
      state: "live",
      registered: true,
      started_at: startedAt,
      from: "+14155550100",
      to: "+442071838750",
      flags: ["vip"],
      metadata: { campaign: "spring" },
      hangup: null,
    });
    const deadline = new Date(Date.parse(startedAt) + HOUR_S * 1000).toISOString();
    expect(record.registration?.decision).toMatchObject({ deadline, terminate: null });
    expect(record.events.map((e) => e.type)).toEqual(["call.registered"]);

    // The next wake-up is the policy re-check, well before the deadline.
    const alarm = await runInDurableObject(callObject(env, "acme", "plivo", callId), (_, state) => state.storage.getAlarm());
    expect(alarm).toBe(Date.parse(record.registration!.evaluated_at) + POLICY_RECHECK_MS);
    expect(await providerRequests(callId)).toHaveLength(0);
  });

  it("defaults started_at to now", async () => {
    const before = Date.now();
    const record = await (await register(acme.key, { call_id: uniqueCallId(), connection: "plivo" })).json<CallRecord>();
    expect(Date.parse(record.started_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(record.started_at)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it("the same registration again is 200 with Idempotent-Replayed; different details are 409", async () => {
    const body = { call_id: uniqueCallId(), connection: "plivo", to: "+14155550100" };
    const first = await register(acme.key, body);
    expect(first.status).toBe(201);
    const again = await register(acme.key, body);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await again.json<CallRecord>()).registration).toEqual((await first.json<CallRecord>()).registration);

    await expectProblem(await register(acme.key, { ...body, to: "+14155550199" }), 409, "conflict");
  });

  it("values, not bytes: any order of metadata keys and any spelling of the same instant replays; any other value is 409", async () => {
    const mutations = ["started_at", "metadata_value", "metadata_key", "to", "flags"] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          startedMs: fc.integer({ min: 60_000, max: 1_800_000 }),
          wholeSecond: fc.boolean(),
          metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { minKeys: 2, maxKeys: 6 }),
          seed: fc.integer(),
          spelling: fc.constantFrom<InstantSpelling>("Z", "millis", "micros", "offset"),
          offsetMinutes: fc.integer({ min: -12 * 60, max: 14 * 60 }),
          mutation: fc.constantFrom(...mutations),
          shiftMs: fc.integer({ min: 1, max: 59_000 }),
        }),
        async (r) => {
          const started = Date.now() - r.startedMs;
          const instant = r.wholeSecond ? started - (started % 1000) : started;
          const body = {
            call_id: uniqueCallId("same"),
            connection: "plivo",
            started_at: new Date(instant).toISOString(),
            to: "+14155550100",
            flags: ["vip", "campaign"],
            metadata: r.metadata,
          };
          expect((await register(acme.key, body)).status).toBe(201);

          const retry = { ...body, started_at: spellInstant(instant, r.spelling, r.offsetMinutes), metadata: reordered(r.metadata, r.seed), flags: ["CAMPAIGN", "vip"] };
          const again = await register(acme.key, retry);
          expect(again.status, JSON.stringify(retry)).toBe(200);
          expect(again.headers.get("idempotent-replayed")).toBe("true");

          const firstKey = Object.keys(r.metadata)[0]!;
          const different =
            r.mutation === "started_at" ? { ...retry, started_at: new Date(instant - r.shiftMs).toISOString() }
            : r.mutation === "metadata_value" ? { ...retry, metadata: { ...retry.metadata, [firstKey]: [r.metadata[firstKey] ?? null] } }
            : r.mutation === "metadata_key" ? { ...retry, metadata: { ...retry.metadata, "an-extra-key": 1 } }
            : r.mutation === "to" ? { ...retry, to: "+14155550199" }
            : { ...retry, flags: [...retry.flags, "another"] };
          await expectProblem(await register(acme.key, different), 409, "conflict");
        },
      ),
      { numRuns: 30 },
    );
  });

  it("a tenant the policy denies gets 403 with the decision, and nothing is stored", async () => {
    const callId = uniqueCallId();
    const problem = await expectProblem(await register(globex.key, { call_id: callId, connection: "plivo" }), 403, "policy_denied");
    expect(problem.decision).toMatchObject({ kind: "call", allowed: false });
    expect((problem.decision as { matched: unknown[] }).matched).toContainEqual(expect.objectContaining({ id: "known-tenants", effect: "deny" }));
    await expectProblem(await getCall(globex.key, callId, "plivo"), 404);
  });
});

describe("a call the policy ends at once", () => {
  it("a flagged call is hung up before the answer, by the policy, exactly once", async () => {
    const callId = uniqueCallId();
    const body = { call_id: callId, connection: "plivo", flags: ["IRSF"] };
    const res = await register(acme.key, body);
    expect(res.status).toBe(201);
    const record = await res.json<CallRecord>();
    expect(record.state).toBe("ended");
    expect(record.hangup).toMatchObject({ source: "policy", reason: "policy:fraud", outcome: { status: "terminated" } });
    expect(record.registration?.decision.terminate).toMatchObject({ rule: "fraud" });

    // Replaying the registration, or an explicit hangup, reaches the provider no more.
    expect((await register(acme.key, body)).status).toBe(200);
    const explicit = await hangup(acme.key, callId, { connection: "plivo" });
    expect(explicit.headers.get("idempotent-replayed")).toBe("true");
    expect(await providerRequests(callId)).toHaveLength(1);
  });

  it("a call already over its maximum duration is hung up at once", async () => {
    const callId = uniqueCallId();
    const record = await (await register(acme.key, { call_id: callId, connection: "plivo", started_at: secondsAgo(2 * HOUR_S) })).json<CallRecord>();
    expect(record.hangup).toMatchObject({ source: "policy", reason: "policy:one-hour-max", outcome: { status: "terminated" } });
    expect(await providerRequests(callId)).toHaveLength(1);
  });
});

describe("registering a call that was already hung up", () => {
  it("is 409: there is nothing to watch, and the provider is not asked again", async () => {
    const callId = uniqueCallId();
    expect((await hangup(acme.key, callId, { connection: "plivo" })).status).toBe(200);
    const problem = await expectProblem(await register(acme.key, { call_id: callId, connection: "plivo" }), 409, "conflict");
    expect(String(problem.detail)).toContain("hung up before it was registered");
    const record = await (await getCall(acme.key, callId, "plivo")).json<CallRecord>();
    expect(record.registered).toBe(false);
    expect(await providerRequests(callId)).toHaveLength(1);
  });
});

describe("bad registrations", () => {
  it.each([
    ["a started_at in the future", { started_at: new Date(Date.now() + 3_600_000).toISOString() }],
    ["a number that is not E.164", { to: "0044 20 7183 8750" }],
    ["an unknown field", { duration: 5 }],
    ["a flag that is not text", { flags: [42] }],
  ])("%s is 422", async (_, extra) => {
    await expectProblem(await register(acme.key, { call_id: uniqueCallId(), connection: "plivo", ...extra }), 422, "invalid_request");
  });

  it("an unknown connection is 404", async () => {
    await expectProblem(await register(acme.key, { call_id: uniqueCallId(), connection: "nope" }), 404, "not_found");
  });
});

describe("signals", () => {
  it("are 404 for a call never registered nor hung up", async () => {
    const res = await asTenant(acme.key, "POST", `/v1/calls/${uniqueCallId()}/signals`, { connection: "plivo", flags: ["irsf"] });
    await expectProblem(res, 404, "not_found");
  });

  it("need flags or ended: true", async () => {
    const callId = uniqueCallId();
    await register(acme.key, { call_id: callId, connection: "plivo" });
    for (const body of [{ connection: "plivo" }, { connection: "plivo", flags: [] }, { connection: "plivo", ended: false }]) {
      await expectProblem(await asTenant(acme.key, "POST", `/v1/calls/${callId}/signals`, body), 422, "invalid_request");
    }
  });
});
