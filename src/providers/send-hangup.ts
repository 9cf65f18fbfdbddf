/**
 * Sends one hangup to a provider and reads the answer: a timeout on every attempt, retries only for
 * what may succeed next time (network errors, timeouts, 5xx, 429, or whatever the module marks
 * retryable), full-jitter exponential backoff honouring Retry-After, all inside a total time budget.
 * Rejected credentials are never retried. Nothing is sent that fails ./request-guard.ts (a URL that lost the
 * call's path, a body naming another call). Redirects are never followed: a 3xx is a failed attempt, so no
 * credential ever goes to another host and no answer from elsewhere passes for a hangup. A body is read
 * only up to its cap and the rest cancelled. Every attempt is reported as it ends, for the call's record.
 */
import type { OutcomeStatus } from "../http/schemas";
import { assertSendable } from "./request-guard";
import { scrubberFor, type Scrub } from "./scrub";
import type { HangupInput, OutboundRequest, ProviderAdapter, Reading } from "./types";

export interface SendPolicy {
  attemptTimeoutMs: number;
  totalBudgetMs: number;
  maxAttempts: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_SEND_POLICY: SendPolicy = {
  attemptTimeoutMs: 5_000,
  totalBudgetMs: 15_000,
  maxAttempts: 4,
  baseBackoffMs: 200,
  maxBackoffMs: 2_000,
};

/** Provider bodies are read for a code and a few fields; more than this is not worth holding (or waiting for). */
export const MAX_PROVIDER_BODY_BYTES = 16 * 1024;

/** A provider code longer than this is not a code; it is cut so the record stays small. */
const MAX_CODE_CHARS = 64;

/** Less time than this left in the budget after a pause is not worth another attempt. */
const MIN_USEFUL_ATTEMPT_MS = 100;

export interface AttemptLog {
  n: number;
  started_at: string;
  duration_ms: number;
  http_status: number | null;
  code?: string;
  outcome: OutcomeStatus;
  detail: string;
  retryable: boolean;
}

export interface SendResult {
  reading: Reading;
  httpStatus: number | null;
  attempts: AttemptLog[];
}

export interface SendOptions {
  policy?: Partial<SendPolicy>;
  fetcher?: (request: Request) => Promise<Response>;
  onAttempt?: (attempt: AttemptLog) => void | Promise<void>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** The clock the budget is measured with (tests pair it with `sleep`). */
  now?: () => number;
}

function toRequest(outbound: OutboundRequest, signal: AbortSignal): Request {
  // `manual`: a redirect comes back as the 3xx itself; following it would resend the credentials elsewhere.
  return new Request(outbound.url, { method: outbound.method, headers: outbound.headers, body: outbound.body ?? null, signal, redirect: "manual" });
}

/**
 * What `AbortSignal.timeout(ms)` does (a TimeoutError abort), with a timer the attempt clears when it
 * ends: left to ring, it woke the isolate seconds after every hangup to abort a request long answered.
 */
function attemptTimeout(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException("The attempt timed out.", "TimeoutError")), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/**
 * "Over" or "no such call" after an attempt that got no answer: that attempt may have reached the
 * provider and hung the call up itself. Nothing confirms it, so the outcome stays what the provider said
 * (never `terminated`), and its detail says why it may be the gateway's own doing.
 */
function afterUnanswered(reading: Reading, attempts: AttemptLog[]): Reading {
  const ended = reading.status === "already_ended" || reading.status === "not_found";
  if (!ended || !attempts.some((attempt) => attempt.http_status === null)) return reading;
  return { ...reading, detail: `${reading.detail}; an earlier attempt got no answer and may have hung the call up itself` };
}

/** The body's first `MAX_PROVIDER_BODY_BYTES` as text; the rest is never read, its stream cancelled. */
export async function readCappedBody(response: Response, maxBytes = MAX_PROVIDER_BODY_BYTES): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let received = 0;
  try {
    while (received < maxBytes) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      const chunk = value.byteLength > maxBytes - received ? value.subarray(0, maxBytes - received) : value;
      received += chunk.byteLength;
      text += decoder.decode(chunk, { stream: true });
    }
    return text + decoder.decode();
  } finally {
    reader.cancel().catch(() => {});
  }
}

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/** A redirect proves nothing about the call and is not followed: a failed attempt, not retried. */
function redirectReading(status: number): Reading {
  return {
    status: "failed",
    detail: `the provider answered with a redirect (HTTP ${status}); redirects are not followed, so nothing confirmed the hangup and no credential left for another host`,
    retryable: false,
  };
}

/**
 * A provider may echo what it was sent (a key in an error message, the Basic header in a code): whatever
 * its answer carried into the reading is scrubbed of every form of the hangup's credentials (./scrub.ts)
 * before it is stored, logged or returned.
 */
function scrubReading(reading: Reading, scrub: Scrub): Reading {
  const detail = scrub(reading.detail);
  let code = reading.code === undefined ? undefined : scrub(reading.code);
  if (code !== undefined && code.length > MAX_CODE_CHARS) code = code.slice(0, MAX_CODE_CHARS);
  return { ...reading, detail, ...(code !== undefined ? { code } : {}) };
}

function describeNetworkError(error: unknown): string {
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return "the provider did not answer in time";
  }
  return "the provider could not be reached";
}

export async function sendHangup<C>(
  adapter: ProviderAdapter<C>,
  input: HangupInput<C>,
  options: SendOptions = {},
): Promise<SendResult> {
  const policy = { ...DEFAULT_SEND_POLICY, ...options.policy };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const fetcher = adapter.simulate ?? options.fetcher ?? ((r: Request) => fetch(r));
  const outbound = await adapter.buildRequest(input);
  // A request that cannot be sent or that lost its call is a fault of the request, not of the network:
  // refused before the first attempt, never retried.
  assertSendable(outbound, adapter.address, input.callId);
  const scrub = scrubberFor(input.credentials, outbound);
  const deadline = now() + policy.totalBudgetMs;
  const attempts: AttemptLog[] = [];

  for (let n = 1; ; n++) {
    const startedAt = now();
    const timeout = attemptTimeout(Math.max(1, Math.min(policy.attemptTimeoutMs, deadline - startedAt)));
    let reading: Reading;
    let httpStatus: number | null = null;
    try {
      const response = await fetcher(toRequest(outbound, timeout.signal));
      httpStatus = response.status;
      if (isRedirect(response.status)) {
        await response.body?.cancel();
        reading = redirectReading(response.status);
      } else {
        reading = scrubReading(adapter.readResponse({ status: response.status, headers: response.headers, body: await readCappedBody(response) }), scrub);
      }
    } catch (error) {
      // An error after the status arrived means the body was cut short, not that nobody answered.
      const detail = httpStatus === null ? describeNetworkError(error) : `the provider's answer (HTTP ${httpStatus}) was cut short`;
      reading = { status: "failed", detail, retryable: true };
    } finally {
      timeout.clear();
    }

    const attempt: AttemptLog = {
      n,
      started_at: new Date(startedAt).toISOString(),
      duration_ms: now() - startedAt,
      http_status: httpStatus,
      outcome: reading.status,
      detail: reading.detail,
      retryable: reading.status === "failed" && reading.retryable === true && !reading.credentialsRejected,
      ...(reading.code !== undefined ? { code: reading.code } : {}),
    };
    attempts.push(attempt);
    await options.onAttempt?.(attempt);

    if (!attempt.retryable) return { reading: afterUnanswered(reading, attempts), httpStatus, attempts };
    if (n >= policy.maxAttempts) {
      return { reading: { ...reading, detail: `${reading.detail}; gave up after ${n} attempts` }, httpStatus, attempts };
    }
    const backoff = Math.max(
      reading.retryAfterMs ?? 0,
      random() * Math.min(policy.maxBackoffMs, policy.baseBackoffMs * 2 ** (n - 1)),
    );
    // No time left for the pause and a useful attempt after it: stop with what we know.
    if (now() + backoff + MIN_USEFUL_ATTEMPT_MS >= deadline) {
      return { reading: { ...reading, detail: `${reading.detail}; gave up after ${n} attempts (time budget spent)` }, httpStatus, attempts };
    }
    await sleep(backoff);
  }
}
