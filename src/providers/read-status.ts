/**
 * Sends one status read (reconciliation) to a provider and reads the answer: each step is one attempt with a
 * timeout, a redirect is never followed (no credential goes to another host, and a 3xx proves nothing), a
 * body is read only up to its cap, and every reading is scrubbed of every form of the connection's credentials. No
 * retry here: the call's reconciliation duty asks again later, paced and backed off, when the reading is a
 * retryable `error`. A request that cannot be built (no call id) throws before anything is sent.
 */
import { Unsendable } from "../errors";
import { providerWord } from "./lifecycle/bounds";
import { scrubberFor, type Scrub } from "./scrub";
import { DEFAULT_SEND_POLICY, readCappedBody } from "./send-hangup";
import type { OutboundRequest, StatusInput, StatusRead, StatusReading } from "./types";

export interface StatusReadOptions {
  /** Per step; default the hangup's attempt timeout. */
  timeoutMs?: number;
  fetcher?: (request: Request) => Promise<Response>;
  now?: () => number;
}

export interface StatusReadStep {
  /** 1 for the first request, 2 for Plivo's detail record. */
  step: number;
  started_at: string;
  duration_ms: number;
  http_status: number | null;
}

export interface StatusReadResult {
  reading: StatusReading;
  /** The HTTP status of the last answer, or null when the last request got none (network error, timeout). */
  httpStatus: number | null;
  /** Every request made, in order. */
  steps: StatusReadStep[];
}

/** Every text a reading carries, with every form of the connection's credentials removed (./scrub.ts). */
function scrubReading(reading: StatusReading, clean: Scrub): StatusReading {
  if (reading.kind === "error") return { ...reading, detail: clean(reading.detail) };
  // Cut again: "[redacted]" may be longer than what it replaced.
  if (reading.kind === "ended" && reading.providerCause !== null) return { ...reading, providerCause: providerWord(clean(reading.providerCause)) };
  return reading;
}

/** A request that cannot be sent (another scheme, a header with a line break) is refused before anything goes out. */
function assertSendable(outbound: OutboundRequest): void {
  const { protocol } = new URL(outbound.url);
  if (protocol !== "https:" && protocol !== "http:") throw new Unsendable(`refusing to send a status read over ${protocol}`);
  new Headers(outbound.headers);
}

function toRequest(outbound: OutboundRequest, timeoutMs: number): Request {
  // `manual`: a redirect comes back as the 3xx itself; following it would resend the credentials elsewhere.
  return new Request(outbound.url, { method: outbound.method, headers: outbound.headers, body: outbound.body ?? null, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
}

function networkError(error: unknown, httpStatus: number | null): StatusReading {
  if (httpStatus !== null) return { kind: "error", retryable: true, detail: `the provider's answer (HTTP ${httpStatus}) was cut short` };
  const timedOut = error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
  return { kind: "error", retryable: true, detail: timedOut ? "the provider did not answer in time" : "the provider could not be reached" };
}

export async function readStatus<C>(read: StatusRead<C>, input: StatusInput<C>, options: StatusReadOptions = {}): Promise<StatusReadResult> {
  const fetcher = options.fetcher ?? ((request: Request) => fetch(request));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_SEND_POLICY.attemptTimeoutMs;
  // Build every request first: a call id that must not be sent is refused before the first step goes out.
  const requests = await Promise.all(read.steps.map((step) => step.buildRequest(input)));
  requests.forEach(assertSendable);
  const clean = scrubberFor(input.credentials, requests[0]);
  const steps: StatusReadStep[] = [];

  for (const [index, step] of read.steps.entries()) {
    const startedAt = now();
    let httpStatus: number | null = null;
    let reading: StatusReading | { kind: "next" };
    try {
      const response = await fetcher(toRequest(requests[index]!, timeoutMs));
      httpStatus = response.status;
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        reading = { kind: "error", retryable: false, detail: `the provider answered with a redirect (HTTP ${response.status}); redirects are not followed` };
      } else {
        reading = step.readResponse({ status: response.status, headers: response.headers, body: await readCappedBody(response) });
      }
    } catch (error) {
      reading = networkError(error, httpStatus);
    }
    steps.push({ step: index + 1, started_at: new Date(startedAt).toISOString(), duration_ms: now() - startedAt, http_status: httpStatus });
    if (reading.kind !== "next") return { reading: scrubReading(reading, clean), httpStatus, steps };
  }
  // Only a last step that still says "next" gets here: the provider's own reading is missing a step.
  return { reading: { kind: "error", retryable: false, detail: "the status read ended without a reading" }, httpStatus: steps.at(-1)?.http_status ?? null, steps };
}
