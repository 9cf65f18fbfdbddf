/**
 * The sending engine, made deterministic: an injected fetcher answers from a script, `sleep` and `now`
 * share a fake clock, and `random` fixes the jitter. What is checked: which answers are retried and how
 * often, the backoff and Retry-After, the total budget, and that every attempt is recorded.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { segment } from "../src/providers/http";
import { MAX_PROVIDER_BODY_BYTES, readCappedBody, sendHangup, type AttemptLog, type SendOptions } from "../src/providers/send-hangup";
import { tryvox } from "../src/providers/tryvox";
import type { HangupInput, ProviderAdapter, Reading } from "../src/providers/types";

const INPUT: HangupInput<{ auth_id: string; api_key: string }> = {
  callId: "call-1",
  operationId: "op-1",
  credentials: { auth_id: "acct", api_key: "key" },
  baseUrl: "https://provider.test",
  scope: { tenant: "acme", connection: "main" },
};

/** One scripted answer: a response, or a thrown error (a network failure); `takesMs` advances the clock. */
type Step = { status: number; body?: string; headers?: Record<string, string>; takesMs?: number } | { error: unknown; takesMs?: number };

function harness(steps: Step[], options: Omit<SendOptions, "fetcher" | "sleep" | "now"> = {}) {
  let clock = 1_000_000;
  const sleeps: number[] = [];
  const requests: Request[] = [];
  const logged: AttemptLog[] = [];
  const sendOptions: SendOptions = {
    random: () => 0.5,
    ...options,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    onAttempt: (attempt) => {
      logged.push(attempt);
    },
    fetcher: async (request) => {
      requests.push(request);
      const step = steps.shift();
      if (!step) throw new Error("the script has no more answers");
      clock += step.takesMs ?? 10;
      if ("error" in step) throw step.error;
      return new Response(step.body ?? null, { status: step.status, headers: step.headers });
    },
  };
  return { sendOptions, sleeps, requests, logged };
}

const unavailable: Step = { status: 503, body: JSON.stringify({ error: "unavailable" }) };
const hungUp: Step = { status: 204 };

describe("sendHangup: what is retried", () => {
  it("sends once when the first answer is a hangup, and records it", async () => {
    const { sendOptions, requests, logged, sleeps } = harness([hungUp]);
    const result = await sendHangup(tryvox, INPUT, sendOptions);
    expect(result).toMatchObject({ reading: { status: "terminated" }, httpStatus: 204 });
    expect(result.attempts).toEqual([
      { n: 1, started_at: new Date(1_000_000).toISOString(), duration_ms: 10, http_status: 204, outcome: "terminated", detail: "TryVox hung up the call", retryable: false },
    ]);
    expect(logged).toEqual(result.attempts);
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("retries 5xx up to maxAttempts, then says it gave up", async () => {
    const { sendOptions, requests, sleeps } = harness([unavailable, unavailable, unavailable, unavailable, hungUp]);
    const result = await sendHangup(tryvox, INPUT, sendOptions);
    expect(result.reading).toMatchObject({ status: "failed", retryable: true });
    expect(result.reading.detail).toMatch(/gave up after 4 attempts/);
    expect(result.attempts.map((a) => a.http_status)).toEqual([503, 503, 503, 503]);
    expect(requests).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
  });

  it("retries 429, network errors and timeouts, and stops at the first hangup", async () => {
    const timeout = new DOMException("The operation timed out.", "TimeoutError");
    const { sendOptions } = harness([{ status: 429 }, { error: new TypeError("Network connection lost.") }, { error: timeout }, hungUp], { policy: { maxAttempts: 5 } });
    const result = await sendHangup(tryvox, INPUT, sendOptions);
    expect(result.reading.status).toBe("terminated");
    expect(result.attempts.map((a) => [a.http_status, a.outcome, a.retryable, a.detail])).toEqual([
      [429, "failed", true, "the provider is rate limiting (HTTP 429)"],
      [null, "failed", true, "the provider could not be reached"],
      [null, "failed", true, "the provider did not answer in time"],
      [204, "terminated", false, "TryVox hung up the call"],
    ]);
  });

  it("sends the very same request on every attempt (a provider may recognise a repeat)", async () => {
    const { sendOptions, requests } = harness([unavailable, hungUp]);
    await sendHangup(tryvox, INPUT, sendOptions);
    const seen = await Promise.all(requests.map(async (r) => [r.method, r.url, r.headers.get("authorization"), await r.text()]));
    expect(seen[0]).toEqual(["DELETE", "https://provider.test/v1/voice/accounts/acct/calls/call-1", "Bearer key", ""]);
    expect(seen[1]).toEqual(seen[0]);
  });

  it.each([
    ["rejected credentials", { status: 401, body: JSON.stringify({ error: "unauthorized" }) }, "failed"],
    ["a refusal", { status: 400, body: JSON.stringify({ error: "bad_request" }) }, "failed"],
    ["an ended call", { status: 404, body: JSON.stringify({ error: "call_already_ended" }) }, "already_ended"],
    ["an unknown call", { status: 404, body: JSON.stringify({ error: "call_not_found" }) }, "not_found"],
  ])("never retries %s", async (_, step, outcome) => {
    const { sendOptions, requests, sleeps } = harness([step, hungUp]);
    const result = await sendHangup(tryvox, INPUT, sendOptions);
    expect(result.reading.status).toBe(outcome);
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]?.retryable).toBe(false);
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("never retries rejected credentials, even when a module also marks the answer retryable", async () => {
    const confused = adapterReading({ status: "failed", detail: "both", credentialsRejected: true, retryable: true });
    const { sendOptions, requests } = harness([{ status: 401 }, hungUp]);
    const result = await sendHangup(confused, { ...INPUT, credentials: {} }, sendOptions);
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]?.retryable).toBe(false);
    expect(requests).toHaveLength(1);
  });

  it("retries what a module marks retryable whatever the status (Alohaa 1000 under 200)", async () => {
    const readings: Reading[] = [{ status: "failed", code: "1000", detail: "internal", retryable: true }, { status: "terminated", detail: "ok" }];
    const adapter = { ...adapterReading(readings[0]!), readResponse: () => readings.shift()! };
    const { sendOptions } = harness([{ status: 200 }, { status: 200 }]);
    const result = await sendHangup(adapter, { ...INPUT, credentials: {} }, sendOptions);
    expect(result.attempts.map((a) => [a.code, a.outcome])).toEqual([["1000", "failed"], [undefined, "terminated"]]);
  });
});

describe("sendHangup: pauses and budget", () => {
  it("backs off with full jitter, doubling up to maxBackoffMs", async () => {
    const { sendOptions, sleeps } = harness(Array(7).fill(unavailable), { policy: { maxAttempts: 7, baseBackoffMs: 200, maxBackoffMs: 1000, totalBudgetMs: 60_000 } });
    await sendHangup(tryvox, INPUT, sendOptions);
    // random() = 0.5 of min(1000, 200·2^(n-1)).
    expect(sleeps).toEqual([100, 200, 400, 500, 500, 500]);
  });

  it("full jitter can pause not at all", async () => {
    const { sendOptions, sleeps } = harness([unavailable, unavailable, hungUp], { random: () => 0 });
    await sendHangup(tryvox, INPUT, sendOptions);
    expect(sleeps).toEqual([0, 0]);
  });

  it("waits at least what Retry-After asks", async () => {
    const { sendOptions, sleeps } = harness([{ status: 429, headers: { "retry-after": "3" } }, { status: 503, headers: { "retry-after": "0" } }, hungUp]);
    const result = await sendHangup(tryvox, INPUT, sendOptions);
    expect(result.reading.status).toBe("terminated");
    expect(sleeps).toEqual([3000, 200]);
  });

  it("gives up at once when Retry-After is beyond the budget", async () => {
    const { sendOptions, requests, sleeps } = harness([{ status: 429, headers: { "retry-after": "60" } }, hungUp]);
    const result = await sendHangup(tryvox, INPUT, sendOptions);
    expect(result.reading).toMatchObject({ status: "failed" });
    expect(result.reading.detail).toMatch(/gave up after 1 attempts \(time budget spent\)/);
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("stops when the total budget is spent, whatever maxAttempts allows", async () => {
    const slow: Step = { ...unavailable, takesMs: 4_000 };
    const { sendOptions, requests } = harness(Array(10).fill(slow), { policy: { maxAttempts: 10, totalBudgetMs: 10_000 } });
    const result = await sendHangup(tryvox, INPUT, sendOptions);
    // Attempts at 0–4000 and (after 100) 4100–8100; after a pause of 200 there is still time to start a
    // third at 8300; after it, no pause and useful attempt fit before 10000.
    expect(requests).toHaveLength(3);
    expect(result.attempts).toHaveLength(3);
    expect(result.reading.detail).toMatch(/gave up after 3 attempts \(time budget spent\)/);
  });

  it("'no such call' after an attempt that got no answer says that attempt may have hung the call up, and still never claims terminated", async () => {
    const notFound: Step = { status: 404, body: JSON.stringify({ error: "call_not_found" }) };
    const { sendOptions } = harness([{ error: new DOMException("The attempt timed out.", "TimeoutError") }, notFound]);
    const result = await sendHangup(tryvox, INPUT, sendOptions);
    expect(result.reading.status).toBe("not_found");
    expect(result.reading.detail).toMatch(/an earlier attempt got no answer and may have hung the call up itself$/);
    const answered = await sendHangup(tryvox, INPUT, harness([unavailable, notFound]).sendOptions);
    expect(answered.reading).toMatchObject({ status: "not_found", detail: "TryVox has no call with this uuid" });
  });

  it("gives each attempt a real timeout", async () => {
    const hanging: SendOptions["fetcher"] = (request) =>
      new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason)));
    const result = await sendHangup(tryvox, INPUT, { fetcher: hanging, sleep: async () => {}, policy: { attemptTimeoutMs: 20, maxAttempts: 2 } });
    expect(result.attempts.map((a) => a.detail)).toEqual(["the provider did not answer in time", "the provider did not answer in time"]);
  });
});

describe("sendHangup: what is never sent", () => {
  it("rejects, sending nothing, when the module refuses to build the request", async () => {
    const { sendOptions, requests } = harness([hungUp]);
    await expect(sendHangup(tryvox, { ...INPUT, callId: " " }, sendOptions)).rejects.toThrow(/without a specific call id/);
    expect(requests).toEqual([]);
  });

  it("rejects, sending nothing, a request that cannot be sent, instead of retrying it as a network error", async () => {
    const { sendOptions, requests } = harness([hungUp]);
    await expect(sendHangup(tryvox, { ...INPUT, credentials: { auth_id: "acct", api_key: "key\r\nx-injected: 1" } }, sendOptions)).rejects.toThrow();
    await expect(sendHangup(tryvox, { ...INPUT, baseUrl: "ftp://provider.test" }, sendOptions)).rejects.toThrow(/ftp/);
    expect(requests).toEqual([]);
  });

  it("hands the module at most 16 KiB of body", async () => {
    let seen = -1;
    const adapter = {
      ...adapterReading({ status: "terminated", detail: "ok" }),
      readResponse: ({ body }: { body: string }): Reading => {
        seen = body.length;
        return { status: "terminated", detail: "ok" };
      },
    };
    const { sendOptions } = harness([{ status: 200, body: "x".repeat(100_000) }]);
    await sendHangup(adapter, { ...INPUT, credentials: {} }, sendOptions);
    expect(seen).toBe(16 * 1024);
  });
});

describe("sendHangup: redirects", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`a ${status} is one failed attempt, not retried, never read as the provider's answer, never followed`, async () => {
      let read = false;
      const adapter = { ...adapterReading({ status: "terminated", detail: "ok" }), readResponse: (): Reading => ((read = true), { status: "terminated", detail: "ok" }) };
      const { sendOptions, requests } = harness([{ status, headers: { location: "https://elsewhere.test/steal" }, body: '{"success":true}' }, hungUp]);
      const result = await sendHangup(adapter, { ...INPUT, credentials: {} }, sendOptions);
      expect(result.reading).toMatchObject({ status: "failed", retryable: false });
      expect(result.reading.detail).toContain(`redirect (HTTP ${status})`);
      expect(result).toMatchObject({ httpStatus: status, attempts: [{ n: 1, http_status: status, outcome: "failed", retryable: false }] });
      expect(read).toBe(false);
      expect(requests.map((r) => [r.url, r.redirect])).toEqual([["https://provider.test/hangup/call-1", "manual"]]);
    });
  }
});

describe("readCappedBody", () => {
  it("reads at most the cap from an endless body and cancels the rest", async () => {
    let pulls = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new TextEncoder().encode("y".repeat(1000)));
      },
      cancel() {
        cancelled = true;
      },
    });
    const text = await readCappedBody(new Response(endless));
    expect(text).toBe("y".repeat(MAX_PROVIDER_BODY_BYTES));
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThan(MAX_PROVIDER_BODY_BYTES / 1000 + 3);
  });

  it("reads a short body whole, multi-byte characters included", async () => {
    expect(await readCappedBody(new Response("héllo ☎"))).toBe("héllo ☎");
    expect(await readCappedBody(new Response(null, { status: 204 }))).toBe("");
  });
});

/** A provider whose every answer reads as `reading`. */
function adapterReading(reading: Reading): ProviderAdapter<Record<string, never>> {
  return {
    name: "scripted",
    credentials: z.object({}).strict(),
    defaultBaseUrl: "https://provider.test",
    address: { pathTail: (encodedCallId) => `/hangup/${encodedCallId}` },
    buildRequest: ({ callId, baseUrl }) => ({ method: "POST", url: `${baseUrl}/hangup/${segment(callId)}`, headers: {} }),
    readResponse: () => reading,
  };
}
