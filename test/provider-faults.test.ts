/**
 * Providers misbehave: they time out, answer 5xx in bursts, reset connections, send malformed or
 * truncated bodies, rate-limit. Whatever they do, every hangup ends with one stored outcome that says
 * only what the provider confirmed, inside the send budget, after a bounded number of requests, counted
 * at the fake provider itself.
 *
 * Each test hangs up on a connection of its own: the circuit breaker counts failures per connection, and
 * these tests are about one hangup's retries, not about the breaker (test/circuit-breaker.test.ts).
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SEND_POLICY } from "../src/providers/send-hangup";
import { ALOHAA_FAKE_AUTH } from "../src/providers/alohaa/fake";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import type { ScriptedResponse } from "./fake-provider/server";
import { TRYVOX_FAKE_AUTH } from "../src/providers/tryvox/fake";
import { createConnection, createTenant, fakeProviderUrl, getCall, hangup, providerRequests, scriptProvider, uniqueCallId } from "./helpers";

const TENANT = "faults";
const { maxAttempts } = DEFAULT_SEND_POLICY;
const CREDENTIALS = { plivo: PLIVO_FAKE_AUTH, alohaa: ALOHAA_FAKE_AUTH, tryvox: TRYVOX_FAKE_AUTH } as const;
type Provider = keyof typeof CREDENTIALS;

let key: string;
let connections = 0;

beforeAll(async () => {
  ({ key } = await createTenant(TENANT));
});

async function freshConnection(provider: Provider): Promise<string> {
  const connection = `${provider}-${++connections}`;
  await createConnection(TENANT, connection, provider, CREDENTIALS[provider], { base_url: fakeProviderUrl() });
  return connection;
}

interface Outcome {
  status: string;
  attempts: number;
  round: number;
  provider_response: { http_status: number | null; code?: string; detail: string };
  requested_at: string;
  completed_at: string;
}

interface CallRecord {
  hangup: { status: string; outcome: Outcome };
  attempts: { http_status: number | null; outcome: string; detail: string }[];
}

/** Scripts the fake, hangs up once, and returns the answer with the stored record and the requests the fake saw. */
async function hangupAgainst(provider: Provider, script: ScriptedResponse[]) {
  return hangupAgainstCall(provider, uniqueCallId(provider), script);
}

async function hangupAgainstCall(provider: Provider, callId: string, script: ScriptedResponse[]) {
  const connection = await freshConnection(provider);
  await scriptProvider(callId, script);
  const res = await hangup(key, callId, { connection, reason: "fault test" });
  expect(res.status).toBe(200);
  const outcome = await res.json<Outcome>();
  const record = await (await getCall(key, callId, connection)).json<CallRecord>();
  const requests = await providerRequests(callId);
  // Whatever happened, the outcome is stored, final, and is exactly what the caller was told.
  expect(record.hangup.status).toBe("completed");
  expect(record.hangup.outcome).toEqual(outcome);
  expect(record.attempts).toHaveLength(outcome.attempts);
  expect(requests).toHaveLength(outcome.attempts);
  expect(Date.parse(outcome.completed_at) - Date.parse(outcome.requested_at)).toBeLessThanOrEqual(DEFAULT_SEND_POLICY.totalBudgetMs);
  return { outcome, record, requests, callId, connection };
}

/** The fake's "another host": the same server under another name; what reaches it is listed apart. */
function elsewhere(callId: string): string {
  return `${fakeProviderUrl().replace("127.0.0.1", "localhost")}/__elsewhere/${callId}`;
}

async function reachedElsewhere(callId: string): Promise<unknown[]> {
  const all = await (await fetch(`${fakeProviderUrl()}/__elsewhere`)).json<{ path: string }[]>();
  return all.filter((request) => request.path.includes(callId));
}

const unavailable = (status = 503): ScriptedResponse => ({ status, body: JSON.stringify({ error: "unavailable" }) });
const reset: ScriptedResponse = { status: 0, reset: true };

describe("providers that redirect", () => {
  for (const [provider, status] of [["alohaa", 302], ["plivo", 301], ["tryvox", 307], ["alohaa", 308]] as const) {
    it(`${provider} answering ${status} elsewhere: failed after one request, the redirect not followed, no credential sent on`, async () => {
      const callId = uniqueCallId(provider);
      const { outcome, requests } = await hangupAgainstCall(provider, callId, [
        // Alohaa's body decides whatever the status: a redirect carrying its success envelope must still not pass.
        { status, headers: { location: elsewhere(callId) }, body: JSON.stringify({ success: true }) },
      ]);
      expect(outcome).toMatchObject({ status: "failed", attempts: 1, provider_response: { http_status: status } });
      expect(outcome.provider_response.detail).toContain("redirect");
      expect(requests).toHaveLength(1);
      expect(await reachedElsewhere(callId)).toEqual([]);
    });
  }

  it("the trap is reachable, so an empty list above means the gateway did not go there", async () => {
    const callId = uniqueCallId("trap");
    expect((await fetch(elsewhere(callId), { method: "POST" })).status).toBe(200);
    expect(await reachedElsewhere(callId)).toHaveLength(1);
  });
});

describe("5xx bursts and resets", () => {
  it("a burst shorter than the retry budget ends terminated, one request per attempt", async () => {
    const { outcome, record } = await hangupAgainst("plivo", [unavailable(503), unavailable(502), unavailable(500)]);
    expect(outcome).toMatchObject({ status: "terminated", attempts: 4 });
    expect(record.attempts.map((a) => a.http_status)).toEqual([503, 502, 500, 204]);
  });

  it("a provider that never recovers gets exactly the bounded number of requests, and the outcome says failed", async () => {
    const { outcome } = await hangupAgainst("plivo", Array.from({ length: 10 }, () => unavailable()));
    expect(outcome).toMatchObject({ status: "failed", attempts: maxAttempts, provider_response: { http_status: 503 } });
    expect(outcome.provider_response.detail).toContain(`gave up after ${maxAttempts} attempts`);
  });

  it("reset connections are retried like any network failure", async () => {
    const { outcome, record } = await hangupAgainst("plivo", [reset, reset]);
    expect(outcome).toMatchObject({ status: "terminated", attempts: 3 });
    expect(record.attempts.map((a) => a.http_status)).toEqual([null, null, 204]);
  });

  it("a huge 5xx body is read within bounds and retried", async () => {
    const { outcome } = await hangupAgainst("tryvox", [{ status: 503, body: `<html>${"x".repeat(1024 * 1024)}</html>` }]);
    expect(outcome).toMatchObject({ status: "terminated", attempts: 2 });
  });
});

describe("timeouts", () => {
  // The one test that waits out the real per-attempt timeout (5 s).
  it("an attempt the provider does not answer in time is abandoned and retried", async () => {
    const { outcome, record } = await hangupAgainst("plivo", [{ status: 204, delay_ms: DEFAULT_SEND_POLICY.attemptTimeoutMs + 2_000 }]);
    expect(outcome).toMatchObject({ status: "terminated", attempts: 2 });
    expect(record.attempts[0]).toMatchObject({ http_status: null, outcome: "failed", detail: expect.stringContaining("did not answer in time") });
  });
});

describe("rate limiting at the provider", () => {
  it("429 with Retry-After is honoured before the next attempt", async () => {
    const { outcome, requests } = await hangupAgainst("plivo", [{ status: 429, headers: { "retry-after": "1" } }]);
    expect(outcome).toMatchObject({ status: "terminated", attempts: 2 });
    // The fake stamps each request as it arrives (its RecordedRequest.at).
    const [first, second] = (requests as unknown as { at: number }[]).map((r) => r.at);
    expect(second! - first!).toBeGreaterThanOrEqual(1_000);
  });

  it("a Retry-After longer than the time budget ends the hangup at once, failed, after one request", async () => {
    const { outcome } = await hangupAgainst("plivo", [{ status: 429, headers: { "retry-after": "120" } }]);
    expect(outcome).toMatchObject({ status: "failed", attempts: 1, provider_response: { http_status: 429 } });
    expect(outcome.provider_response.detail).toContain("time budget");
  });
});

describe("malformed and truncated answers", () => {
  it("a 200 that is not the provider's JSON envelope is never read as a hangup", async () => {
    for (const body of ["<html>Service Unavailable</html>", '{"success":tr', "null", "[]"]) {
      const { outcome } = await hangupAgainst("alohaa", [{ status: 200, body }]);
      expect(outcome).toMatchObject({ status: "failed", attempts: 1 });
      expect(outcome.provider_response.detail).toContain("not confirmed");
    }
  });

  it.each([
    ["plivo", { api_id: "x", error: "not found" }],
    ["tryvox", { error: "invalid_state", message: "…" }],
    ["alohaa", { success: true, status: "error" }],
  ] as const)("%s: a 200 whose body says the request failed is stored as failed, never terminated", async (provider, body) => {
    const { outcome, record } = await hangupAgainst(provider, [{ status: 200, body: JSON.stringify(body) }]);
    expect(outcome).toMatchObject({ status: "failed", attempts: 1 });
    expect(outcome.provider_response.detail).toContain("not confirmed");
    expect(record.attempts[0]).toMatchObject({ outcome: "failed" });
  });

  it("an answer cut short on the wire is retried, and the outcome is what the next answer says", async () => {
    const truncated: ScriptedResponse = { status: 200, body: '{"success":true,"resp', headers: { "content-length": "200", connection: "close" } };
    const { outcome, record } = await hangupAgainst("alohaa", [truncated]);
    expect(outcome).toMatchObject({ status: "terminated", attempts: 2 });
    expect(record.attempts[0]).toMatchObject({ outcome: "failed" });
  });

  it("an error body cut short still reads the status truthfully", async () => {
    const { outcome } = await hangupAgainst("tryvox", [{ status: 404, body: '{"error":"call_already_en' }]);
    expect(outcome).toMatchObject({ status: "not_found", attempts: 1 });
  });
});

/** One answer the fake can give, and what the gateway must make of it. */
interface Fault {
  response: ScriptedResponse;
  /** Another attempt may succeed: the gateway must retry. */
  transient: boolean;
  /** The outcome status when this answer ends the hangup. */
  final?: string;
}

const FAULTS: Fault[] = [
  { response: unavailable(503), transient: true },
  { response: { status: 500, body: "<html>oops</html>" }, transient: true },
  { response: { status: 429, headers: { "retry-after": "0" } }, transient: true },
  { response: { status: 429 }, transient: true },
  { response: reset, transient: true },
  { response: { status: 204 }, transient: false, final: "terminated" },
  { response: { status: 404, body: JSON.stringify({ api_id: "x", error: "not found" }) }, transient: false, final: "not_found" },
  { response: { status: 401, body: JSON.stringify({ error: "authentication failed" }) }, transient: false, final: "failed" },
  { response: { status: 400, body: "{" }, transient: false, final: "failed" },
];

/** The model: attempts go on while answers are transient, up to the bound; the unscripted default is a hangup (204). */
function expected(script: Fault[]): { status: string; attempts: number } {
  for (let n = 1; n <= maxAttempts; n++) {
    const fault = script[n - 1];
    if (!fault) return { status: "terminated", attempts: n };
    if (!fault.transient) return { status: fault.final!, attempts: n };
  }
  return { status: "failed", attempts: maxAttempts };
}

describe("any sequence of faults", () => {
  it("ends in the outcome the answers justify, stored, after at most the bounded number of requests", async () => {
    const CALLS_PER_RUN = 4;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.constantFrom(...FAULTS), { maxLength: 6 }), { minLength: CALLS_PER_RUN, maxLength: CALLS_PER_RUN }), async (scripts) => {
        // Fewer failing hangups per connection than open the circuit.
        const connection = await freshConnection("plivo");
        await Promise.all(
          scripts.map(async (script) => {
            const callId = uniqueCallId("fc");
            await scriptProvider(callId, script.map((f) => f.response));
            const outcome = await (await hangup(key, callId, { connection })).json<Outcome>();
            expect(outcome).toMatchObject(expected(script));
            expect(await providerRequests(callId)).toHaveLength(outcome.attempts);
            const stored = await (await getCall(key, callId, connection)).json<CallRecord>();
            expect(stored.hangup.outcome).toEqual(outcome);
            const again = await hangup(key, callId, { connection });
            if (outcome.status === "failed") {
              // A failed round is not the end: asking again is a new round at the provider.
              expect(again.headers.get("idempotent-replayed")).toBeNull();
              const next = await again.json<Outcome>();
              expect(next.round).toBe(2);
              expect(await providerRequests(callId)).toHaveLength(outcome.attempts + next.attempts);
            } else {
              // A final outcome is replayed and nothing more is sent.
              expect(again.headers.get("idempotent-replayed")).toBe("true");
              expect(await again.json()).toEqual(outcome);
              expect(await providerRequests(callId)).toHaveLength(outcome.attempts);
            }
          }),
        );
      }),
      { numRuns: 8 },
    );
  });
});
