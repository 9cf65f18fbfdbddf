/**
 * The circuit breaker: the pure state machine (every transition, and properties over any sequence of
 * events), then the whole gateway against the fake provider: a connection whose provider keeps failing
 * is failed fast, with nothing sent and an outcome that says so; other connections are not; after the
 * cool-down one probe goes out and, when it succeeds, hangups flow again. And the breaker stays off a
 * healthy connection's critical path: a plain hangup asks the connection's health object nothing, a health
 * object that cannot be reached stops no hangup, and another isolate learns of an open circuit within 1 s
 * (the views themselves, isolate by isolate: test/breaker-view.test.ts).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CIRCUIT_OPEN_CODE } from "../src/health/admission";
import { BreakerViews, VIEW_TIMING } from "../src/health/breaker-view";
import { BREAKER_STORAGE_KEY, ConnectionHealth } from "../src/health/connection-health";
import { objectName } from "../src/objects";
import {
  CLOSED,
  DEFAULT_BREAKER_CONFIG,
  admit,
  hangupResult,
  record,
  type BreakerConfig,
  type BreakerState,
} from "../src/health/circuit-breaker";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { createConnection, createTenant, fakeProviderUrl, getCall, hangup, providerRequests, scriptProvider, uniqueCallId } from "./helpers";

const CONFIG: BreakerConfig = { failureThreshold: 3, failureWindowMs: 10_000, coolDownMs: 5_000, probeLeaseMs: 2_000 };
const T0 = 1_000_000;

function failTimes(times: number[], start: BreakerState = CLOSED): BreakerState {
  return times.reduce((state, at) => record(state, "failure", at, CONFIG), start);
}

describe("circuit breaker: transitions", () => {
  it("a closed circuit sends, and asks for success reports only once something has failed", () => {
    expect(admit(CLOSED, T0, CONFIG).admission).toEqual({ kind: "send", reportSuccess: false });
    expect(admit(failTimes([T0]), T0 + 1, CONFIG).admission).toEqual({ kind: "send", reportSuccess: true });
  });

  it("opens after the threshold of failures in a row within the window", () => {
    const open = failTimes([T0, T0 + 1_000, T0 + 2_000]);
    expect(open).toEqual({ state: "open", failures: 3, retryAt: T0 + 2_000 + CONFIG.coolDownMs });
    expect(admit(open, T0 + 3_000, CONFIG).admission).toEqual({ kind: "refuse", retryAt: T0 + 7_000, failures: 3 });
  });

  it("does not open when a success breaks the streak", () => {
    const afterSuccess = record(failTimes([T0, T0 + 1]), "success", T0 + 2, CONFIG);
    expect(failTimes([T0 + 3, T0 + 4], afterSuccess)).toMatchObject({ state: "closed", failures: 2 });
  });

  it("does not open when the failures are spread wider than the window", () => {
    const spread = failTimes([T0, T0 + 1, T0 + CONFIG.failureWindowMs + 2]);
    expect(spread).toEqual({ state: "closed", failures: 1, streakStartedAt: T0 + CONFIG.failureWindowMs + 2 });
  });

  it("lets one probe through after the cool-down, and closes when it succeeds", () => {
    const open = failTimes([T0, T0, T0]);
    const { breaker: probing, admission } = admit(open, T0 + CONFIG.coolDownMs, CONFIG);
    expect(admission).toEqual({ kind: "send", reportSuccess: true });
    expect(probing).toEqual({ state: "half_open", failures: 3, probeLeaseUntil: T0 + CONFIG.coolDownMs + CONFIG.probeLeaseMs });
    expect(admit(probing, T0 + CONFIG.coolDownMs + 1, CONFIG).admission).toMatchObject({ kind: "refuse" });
    expect(record(probing, "success", T0 + CONFIG.coolDownMs + 10, CONFIG)).toEqual(CLOSED);
  });

  it("opens again for a whole cool-down when the probe fails", () => {
    const { breaker: probing } = admit(failTimes([T0, T0, T0]), T0 + CONFIG.coolDownMs, CONFIG);
    const failedAt = T0 + CONFIG.coolDownMs + 100;
    expect(record(probing, "failure", failedAt, CONFIG)).toEqual({ state: "open", failures: 4, retryAt: failedAt + CONFIG.coolDownMs });
  });

  it("lets another probe through when the first never reports (its object died)", () => {
    const { breaker: probing } = admit(failTimes([T0, T0, T0]), T0 + CONFIG.coolDownMs, CONFIG);
    const { breaker, admission } = admit(probing, T0 + CONFIG.coolDownMs + CONFIG.probeLeaseMs, CONFIG);
    expect(admission).toEqual({ kind: "send", reportSuccess: true });
    expect(breaker).toMatchObject({ state: "half_open" });
  });

  it("a late failure of a hangup admitted before the circuit opened does not extend the cool-down", () => {
    const open = failTimes([T0, T0, T0]);
    expect(record(open, "failure", T0 + 4_000, CONFIG)).toEqual({ state: "open", failures: 4, retryAt: T0 + CONFIG.coolDownMs });
  });

  it("counts only an unreachable or still-failing provider as a failure", () => {
    expect(hangupResult({ status: "failed", detail: "gave up after 4 attempts", retryable: true })).toBe("failure");
    expect(hangupResult({ status: "failed", detail: "credentials", retryable: false, credentialsRejected: true })).toBe("success");
    expect(hangupResult({ status: "failed", detail: "refused (HTTP 400)", retryable: false })).toBe("success");
    for (const status of ["terminated", "already_ended", "not_found"] as const) expect(hangupResult({ status, detail: "" })).toBe("success");
  });
});

type Event = { kind: "admit" } | { kind: "report"; result: "success" | "failure" };
const eventArb: fc.Arbitrary<{ event: Event; advanceMs: number }> = fc.record({
  event: fc.oneof(fc.constant<Event>({ kind: "admit" }), fc.constantFrom<Event>({ kind: "report", result: "success" }, { kind: "report", result: "failure" })),
  advanceMs: fc.integer({ min: 0, max: 4_000 }),
});

describe("circuit breaker: properties over any sequence of events", () => {
  it("refuses a hangup only after the threshold of failures with no success since, and never for longer than cool-down or probe lease", () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
        let state: BreakerState = CLOSED;
        let now = T0;
        let failuresSinceSuccess = 0;
        let lastFailureAt = -Infinity;
        let lastProbeAt = -Infinity;
        for (const { event, advanceMs } of events) {
          now += advanceMs;
          if (event.kind === "report") {
            state = record(state, event.result, now, CONFIG);
            if (event.result === "success") failuresSinceSuccess = 0;
            else {
              failuresSinceSuccess++;
              lastFailureAt = now;
            }
            continue;
          }
          const before = state;
          const { breaker, admission } = admit(state, now, CONFIG);
          state = breaker;
          if (admission.kind === "send") {
            if (before.state !== "closed") lastProbeAt = now;
          } else {
            expect(failuresSinceSuccess).toBeGreaterThanOrEqual(CONFIG.failureThreshold);
            const waitEnds = Math.max(lastFailureAt + CONFIG.coolDownMs, lastProbeAt + CONFIG.probeLeaseMs);
            expect(now).toBeLessThan(waitEnds);
            expect(admission.retryAt).toBeLessThanOrEqual(waitEnds);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("after the cool-down, admits exactly one probe until it reports or its lease runs out", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: CONFIG.probeLeaseMs - 1 }), { minLength: 1, maxLength: 20 }), (gaps) => {
        let state = failTimes([T0, T0, T0]);
        let now = T0 + CONFIG.coolDownMs;
        let sent = 0;
        for (const gap of gaps) {
          const { breaker, admission } = admit(state, now, CONFIG);
          state = breaker;
          if (admission.kind === "send") sent++;
          now += gap;
          if (now >= T0 + CONFIG.coolDownMs + CONFIG.probeLeaseMs) break;
        }
        expect(sent).toBe(1);
      }),
      { numRuns: 100 },
    );
  });
});

interface Outcome {
  status: string;
  attempts: number;
  provider_response: { http_status: number | null; code?: string; detail: string };
}

const TENANT = "breaker";
const FAILING = "plivo-failing";
const HEALTHY = "plivo-healthy";
let key: string;
let otherTenantKey: string;
const ALWAYS_UNAVAILABLE = Array.from({ length: 4 }, () => ({ status: 503, body: '{"error":"unavailable"}' }));

async function failedHangup(connection: string): Promise<Outcome> {
  const callId = uniqueCallId("down");
  await scriptProvider(callId, ALWAYS_UNAVAILABLE);
  return (await hangup(key, callId, { connection })).json<Outcome>();
}

/**
 * Lets the cool-down pass without waiting for it: the stored circuit's deadline moves into the past, and
 * this isolate's view of it (which still holds the old deadline) grows old enough to be asked again.
 */
async function endCoolDown(tenant: string, connection: string): Promise<void> {
  const stub = env.CONNECTION_HEALTH.get(env.CONNECTION_HEALTH.idFromName(objectName.connectionHealth(tenant, connection)));
  await runInDurableObject(stub, (_instance, state) => {
    const breaker = state.storage.kv.get<BreakerState>(BREAKER_STORAGE_KEY);
    expect(breaker?.state).toBe("open");
    state.storage.kv.put(BREAKER_STORAGE_KEY, { ...breaker, retryAt: Date.now() - 1 });
  });
  await new Promise((resolve) => setTimeout(resolve, VIEW_TIMING.maxAgeMs));
}

beforeAll(async () => {
  ({ key } = await createTenant(TENANT));
  ({ key: otherTenantKey } = await createTenant("breaker-other"));
  for (const [tenant, connection] of [[TENANT, FAILING], [TENANT, HEALTHY], ["breaker-other", FAILING]] as const) {
    await createConnection(tenant, connection, "plivo", PLIVO_FAKE_AUTH, { base_url: `${fakeProviderUrl()}/${tenant}-${connection}` });
  }
});

describe("circuit breaker: in the gateway", () => {
  it("fails fast once the provider has failed enough hangups in a row, sends nothing, and recovers after a probe", async () => {
    const failures = await Promise.all(Array.from({ length: DEFAULT_BREAKER_CONFIG.failureThreshold }, () => failedHangup(FAILING)));
    for (const outcome of failures) expect(outcome).toMatchObject({ status: "failed", attempts: 4, provider_response: { http_status: 503 } });

    // The circuit is open: the next hangup is failed at once, says why, and never reaches the provider.
    const fastFailedCall = uniqueCallId("fast");
    const fastFailed = await (await hangup(key, fastFailedCall, { connection: FAILING })).json<Outcome>();
    expect(fastFailed).toMatchObject({ status: "failed", attempts: 0, provider_response: { http_status: null, code: CIRCUIT_OPEN_CODE } });
    expect(fastFailed.provider_response.detail).toContain("circuit open");
    expect(await providerRequests(fastFailedCall)).toEqual([]);
    // Stored like any outcome, and replayed.
    const stored = await (await getCall(key, fastFailedCall, FAILING)).json<{ hangup: { outcome: Outcome } }>();
    expect(stored.hangup.outcome).toEqual(fastFailed);

    // The same tenant's other connection, and another tenant's connection of the same name, still send.
    for (const [tenantKey, connection] of [[key, HEALTHY], [otherTenantKey, FAILING]] as const) {
      const outcome = await (await hangup(tenantKey, uniqueCallId("elsewhere"), { connection })).json<Outcome>();
      expect(outcome.status).toBe("terminated");
    }

    // After the cool-down, one probe goes out; the provider answers, and hangups flow again.
    await endCoolDown(TENANT, FAILING);
    const probe = await (await hangup(key, uniqueCallId("probe"), { connection: FAILING })).json<Outcome>();
    expect(probe).toMatchObject({ status: "terminated", attempts: 1 });
    const next = await (await hangup(key, uniqueCallId("after"), { connection: FAILING })).json<Outcome>();
    expect(next).toMatchObject({ status: "terminated", attempts: 1 });
  });

  it("after the cool-down, concurrent hangups send one probe; a failed probe opens the circuit again", async () => {
    const connection = "plivo-flapping";
    await createConnection(TENANT, connection, "plivo", PLIVO_FAKE_AUTH, { base_url: `${fakeProviderUrl()}/${TENANT}-${connection}` });
    await Promise.all(Array.from({ length: DEFAULT_BREAKER_CONFIG.failureThreshold }, () => failedHangup(connection)));
    await endCoolDown(TENANT, connection);

    const callIds = Array.from({ length: 5 }, () => uniqueCallId("flap"));
    for (const callId of callIds) await scriptProvider(callId, ALWAYS_UNAVAILABLE);
    const outcomes = await Promise.all(callIds.map(async (callId) => (await hangup(key, callId, { connection })).json<Outcome>()));
    const sentCounts = await Promise.all(callIds.map(async (callId) => (await providerRequests(callId)).length));

    expect(sentCounts.filter((n) => n > 0)).toEqual([4]);
    expect(outcomes.filter((o) => o.provider_response.code === CIRCUIT_OPEN_CODE)).toHaveLength(4);
    const again = await (await hangup(key, uniqueCallId("still-down"), { connection })).json<Outcome>();
    expect(again.provider_response.code).toBe(CIRCUIT_OPEN_CODE);
  });
});

describe("circuit breaker: off the critical path", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Counts what the connections' health objects are asked (they run in this isolate, as the call objects do). */
  function healthRequests(behave?: () => never) {
    const spies = (["sync", "admit"] as const).map((method) => {
      const spy = vi.spyOn(ConnectionHealth.prototype, method);
      if (behave) spy.mockImplementation(behave);
      return spy;
    });
    return () => spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
  }

  async function plainHangup(connection: string): Promise<string> {
    return (await (await hangup(key, uniqueCallId("plain"), { connection })).json<Outcome>()).status;
  }

  it("a plain hangup with the circuit closed makes no request to the health object", async () => {
    const connection = "plivo-quiet";
    await createConnection(TENANT, connection, "plivo", PLIVO_FAKE_AUTH, { base_url: `${fakeProviderUrl()}/${TENANT}-${connection}` });
    // Time stands still, so that this isolate's view of the connection never ages (while real time passes).
    const frozen = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(frozen);
    const requests = healthRequests();
    // The isolate's first hangup on the connection has no view yet: it asks once.
    expect(await plainHangup(connection)).toBe("terminated");
    expect(requests()).toBe(1);
    for (let i = 0; i < 5; i++) expect(await plainHangup(connection)).toBe("terminated");
    expect(requests()).toBe(1);
    // Once the view is old, the next hangup asks again (so the count above could have moved).
    vi.spyOn(Date, "now").mockReturnValue(frozen + VIEW_TIMING.maxAgeMs);
    expect(await plainHangup(connection)).toBe("terminated");
    expect(requests()).toBe(2);
  });

  it("a health object that cannot be reached never stops a hangup", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const connection = "plivo-unasked";
    await createConnection(TENANT, connection, "plivo", PLIVO_FAKE_AUTH, { base_url: `${fakeProviderUrl()}/${TENANT}-${connection}` });
    const requests = healthRequests(() => {
      throw new Error("health object unreachable");
    });
    for (let i = 0; i < 3; i++) expect(await plainHangup(connection)).toBe("terminated");
    expect(requests()).toBeGreaterThan(0);
  });

  it("the failure that opens the circuit in this isolate stops another isolate's hangups within 1 s", async () => {
    const connection = "plivo-far";
    await createConnection(TENANT, connection, "plivo", PLIVO_FAKE_AUTH, { base_url: `${fakeProviderUrl()}/${TENANT}-${connection}` });
    // Another isolate: its own views, its own clock, the same health object.
    let clock = Date.now();
    const elsewhere = new BreakerViews(DEFAULT_BREAKER_CONFIG, VIEW_TIMING, () => clock);
    const health = () => env.CONNECTION_HEALTH.get(env.CONNECTION_HEALTH.idFromName(objectName.connectionHealth(TENANT, connection)));
    const background: Promise<unknown>[] = [];
    const admitElsewhere = () => elsewhere.admit(objectName.connectionHealth(TENANT, connection), health, (p) => void background.push(p));
    expect(await admitElsewhere()).toMatchObject({ kind: "send" });
    const askedAt = clock;

    await Promise.all(Array.from({ length: DEFAULT_BREAKER_CONFIG.failureThreshold }, () => failedHangup(connection)));
    // The reports travel in the call objects' background; the health object hears them shortly after.
    await vi.waitFor(() => runInDurableObject(health(), (_, state) => expect(state.storage.kv.get<BreakerState>(BREAKER_STORAGE_KEY)?.state).toBe("open")));

    // Elsewhere still decides from what it heard up to 1 s ago…
    clock = askedAt + VIEW_TIMING.maxAgeMs - 1;
    expect(await admitElsewhere()).toMatchObject({ kind: "send" });
    // …and no longer.
    clock = askedAt + VIEW_TIMING.maxAgeMs;
    expect(await admitElsewhere()).toMatchObject({ kind: "refuse", failures: DEFAULT_BREAKER_CONFIG.failureThreshold });
    await Promise.all(background);
  });
});
