/**
 * Sending one status read: one attempt per step with a timeout, redirects never followed, bodies capped,
 * credentials scrubbed, unsendable requests refused before anything leaves. Most cases use an injected
 * fetcher; the redirect case also runs against the fake provider, to see that nothing reached the other host.
 */
import { describe, expect, it } from "vitest";
import { Unsendable } from "../errors";
import { fakeProviderUrl, providerRequests, scriptProvider, uniqueCallId } from "../../test/helpers";
import { readStatus, type StatusReadOptions } from "./read-status";
import { MAX_PROVIDER_BODY_BYTES } from "./send-hangup";
import type { StatusInput, StatusRead, StatusStepReading } from "./types";
import { PLIVO_FAKE_AUTH } from "./plivo/fake";
import { plivoStatusRead } from "./plivo/status";
import { segment } from "./http";

const SECRET = "secret-api-key-123";
const INPUT: StatusInput<{ api_key: string }> = { callId: "call-1", credentials: { api_key: SECRET }, baseUrl: "https://provider.test" };

/** A one-step read whose reader hands back what the test asks, and remembers the bodies it saw. */
function probe(reading: (status: number, body: string) => StatusStepReading = () => ({ kind: "live" })) {
  const bodies: string[] = [];
  const read: StatusRead<{ api_key: string }> = {
    steps: [
      {
        buildRequest: ({ callId, credentials, baseUrl }) => ({ method: "GET", url: `${baseUrl}/calls/${segment(callId)}`, headers: { authorization: `Bearer ${credentials.api_key}` } }),
        readResponse: (answer) => {
          bodies.push(answer.body);
          return reading(answer.status, answer.body);
        },
      },
    ],
  };
  return { read, bodies };
}

function answering(...responses: (Response | Error)[]): StatusReadOptions & { requests: Request[] } {
  const requests: Request[] = [];
  let clock = 1_000;
  return {
    requests,
    now: () => (clock += 5),
    fetcher: async (request) => {
      requests.push(request);
      const next = responses.shift();
      if (!next) throw new Error("no more answers");
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

describe("readStatus", () => {
  it("sends the step's request once, with redirect manual, and records it", async () => {
    const { read } = probe();
    const options = answering(new Response("{}", { status: 200 }));
    expect(await readStatus(read, INPUT, options)).toEqual({
      reading: { kind: "live" },
      httpStatus: 200,
      steps: [{ step: 1, started_at: new Date(1_005).toISOString(), duration_ms: 5, http_status: 200 }],
    });
    expect(options.requests).toHaveLength(1);
    expect(options.requests[0]).toMatchObject({ method: "GET", url: "https://provider.test/calls/call-1", redirect: "manual" });
  });

  it("a redirect is an error, not retryable, and never handed to the reader", async () => {
    const { read, bodies } = probe();
    const result = await readStatus(read, INPUT, answering(new Response('{"status":"completed"}', { status: 302, headers: { location: "https://elsewhere.test/" } })));
    expect(result).toMatchObject({ reading: { kind: "error", retryable: false }, httpStatus: 302 });
    expect(bodies).toEqual([]);
  });

  it("no answer in time, or no connection, is a retryable error without a status", async () => {
    const { read } = probe();
    const never: StatusReadOptions = {
      timeoutMs: 20,
      fetcher: (request) => new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason))),
    };
    expect(await readStatus(read, INPUT, never)).toMatchObject({ reading: { kind: "error", retryable: true, detail: "the provider did not answer in time" }, httpStatus: null });
    expect(await readStatus(read, INPUT, answering(new TypeError("Network connection lost.")))).toMatchObject({
      reading: { kind: "error", retryable: true, detail: "the provider could not be reached" },
      httpStatus: null,
    });
  });

  it("reads a body only up to the cap", async () => {
    const { read, bodies } = probe();
    await readStatus(read, INPUT, answering(new Response("x".repeat(MAX_PROVIDER_BODY_BYTES * 4), { status: 200 })));
    expect(bodies[0]).toHaveLength(MAX_PROVIDER_BODY_BYTES);
  });

  it("scrubs the connection's credentials from whatever the reading carries", async () => {
    const echo = probe((_status, body) => (body === "error" ? { kind: "error", retryable: false, detail: `rejected key ${SECRET}` } : { kind: "ended", cause: "unknown", endedBy: "unknown", providerCause: `bad ${SECRET}`, endedAt: null, answeredAt: null, durationSeconds: null }));
    const failed = await readStatus(echo.read, INPUT, answering(new Response("error", { status: 401 })));
    expect(JSON.stringify(failed)).not.toContain(SECRET);
    expect(failed.reading).toMatchObject({ detail: "rejected key [redacted]" });
    const ended = await readStatus(echo.read, INPUT, answering(new Response("ended", { status: 200 })));
    expect(ended.reading).toMatchObject({ providerCause: "bad [redacted]" });
  });

  it.each([
    ["in upper case", SECRET.toUpperCase()],
    ["percent-encoded", encodeURIComponent(`${SECRET}/`)],
    ["in base64", btoa(SECRET)],
    ["in part", SECRET.slice(2, 12)],
  ])("scrubs the credentials %s as well, as the hangup does (./scrub.ts)", async (_, form) => {
    const echo = probe(() => ({ kind: "ended", cause: "unknown", endedBy: "unknown", providerCause: `bad ${form}`, endedAt: null, answeredAt: null, durationSeconds: null }));
    const ended = await readStatus(echo.read, INPUT, answering(new Response("ended", { status: 200 })));
    expect(ended.reading).toMatchObject({ providerCause: expect.stringMatching(/^bad \[redacted\]/) });
  });

  it("refuses before sending anything: no call id, a scheme other than http(s), a header that cannot be sent", async () => {
    const { read } = probe();
    for (const input of [{ ...INPUT, callId: "" }, { ...INPUT, callId: ".." }, { ...INPUT, baseUrl: "ftp://provider.test" }]) {
      const options = answering();
      await expect(readStatus(read, input, options)).rejects.toBeInstanceOf(Unsendable);
      expect(options.requests).toEqual([]);
    }
    const options = answering();
    await expect(readStatus(read, { ...INPUT, credentials: { api_key: "a\r\nb" } }, options)).rejects.toThrow();
    expect(options.requests).toEqual([]);
  });

  it("a read whose last step still says `next` ends in an error, not a reading it never had", async () => {
    const { read } = probe(() => ({ kind: "next" }));
    expect((await readStatus(read, INPUT, answering(new Response("", { status: 404 })))).reading).toMatchObject({ kind: "error", retryable: false });
  });

  it("against the fake: a Plivo 301 elsewhere is not followed; nothing reaches the other host", async () => {
    const callId = uniqueCallId("plivo");
    const elsewhere = `${fakeProviderUrl().replace("127.0.0.1", "localhost")}/__elsewhere/${callId}`;
    await scriptProvider(callId, [{ status: 301, headers: { location: elsewhere } }]);
    const result = await readStatus(plivoStatusRead, { callId, credentials: PLIVO_FAKE_AUTH, baseUrl: fakeProviderUrl() });
    expect(result).toMatchObject({ reading: { kind: "error", retryable: false }, httpStatus: 301, steps: [{ step: 1 }] });
    expect(await providerRequests(callId)).toHaveLength(1);
    const reached = await (await fetch(`${fakeProviderUrl()}/__elsewhere`)).json<{ path: string }[]>();
    expect(reached.filter((request) => request.path.includes(callId))).toEqual([]);
  });
});
