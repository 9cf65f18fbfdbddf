/**
 * Small helpers every provider module uses to speak HTTP: joining the base URL with a path, encoding
 * ids into path segments, Basic auth, and the readings that mean the same for every provider.
 */
import { basicCredentials } from "../bytes";
import { Unsendable } from "../errors";
import type { ProviderAnswer, Reading } from "./types";

/**
 * Refuses a call id that must never reach a provider. An empty id would address the collection
 * (Plivo's DELETE .../Call/ hangs up every call on the account), and "." or ".." would be resolved
 * away by URL parsing and address a parent resource.
 */
export function assertCallId(callId: string): void {
  if (callId.trim() === "" || /^\.{1,2}$/.test(callId)) {
    throw new Unsendable("refusing to address a provider without a specific call id");
  }
}

/**
 * A value as one path segment: percent-encoded except RFC 3986's path characters (unreserved, sub-delims,
 * `:` and `@`), which is how the providers' SDKs send ids (`v3:…` Telnyx ids keep their colon). `/`, `?`,
 * `#`, `%` and spaces are always encoded, so a value can never become two segments or a query.
 */
export function segment(value: string): string {
  assertCallId(value);
  return encodePathCharacters(value);
}

/** `segment()`'s encoding alone, for any text (the scrubber looks for credentials in the form they were sent). */
export function encodePathCharacters(value: string): string {
  return value.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@]+/g, encodeURIComponent);
}

/** `base` keeps its own path: `http://127.0.0.1:9000/eu` + `/v1/x` → `http://127.0.0.1:9000/eu/v1/x`. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, "") + path;
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${basicCredentials(user, password)}`;
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A field of a JSON object, if the body is one. */
export function jsonField(body: string, field: string): unknown {
  const parsed = parseJson(body);
  return isJsonObject(parsed) ? parsed[field] : undefined;
}

export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

/** The documented success of the providers that answer a hangup with no content (204). */
export function isEmptyBody(body: string): boolean {
  return body.trim() === "";
}

/**
 * Whether a body says the request failed, whatever its HTTP status (the contract's "What confirms a
 * hangup"): an `error` that is set, a non-empty `errors` list, `success: false`, or a `status` of
 * `false`, `"error"`, `"failed"` or `"failure"`. Every module vetoes its documented success with this, so
 * a body that claims success and failure at once is never a hangup.
 */
export function saysFailure(body: string): boolean {
  const parsed = parseJson(body);
  if (!isJsonObject(parsed)) return false;
  const { error, errors, success, status } = parsed;
  return (
    (error !== undefined && error !== null && error !== false) ||
    (Array.isArray(errors) && errors.length > 0) ||
    success === false ||
    status === false ||
    (typeof status === "string" && /^(error|fail(ed|ure)?)$/i.test(status))
  );
}

export function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * What an HTTP status means when the provider's own body says nothing more specific: shared by every
 * provider so that a 2xx without the documented success, 401, 429 and 5xx are read the same way everywhere.
 */
export function readGenericFailure(answer: ProviderAnswer, code?: string): Reading {
  const { status } = answer;
  if (isSuccessStatus(status)) {
    // A 2xx that is not the provider's documented success (the module checked): it confirms nothing.
    return { status: "failed", code, detail: `the provider answered HTTP ${status} without its documented success; the hangup is not confirmed`, retryable: false };
  }
  if (status === 401 || status === 403) {
    return { status: "failed", code, detail: `the provider rejected the credentials (HTTP ${status})`, credentialsRejected: true, retryable: false };
  }
  if (status === 429) {
    return { status: "failed", code, detail: "the provider is rate limiting (HTTP 429)", retryable: true, retryAfterMs: retryAfterMs(answer.headers) };
  }
  if (status >= 500) {
    return { status: "failed", code, detail: `the provider failed (HTTP ${status})`, retryable: true, retryAfterMs: retryAfterMs(answer.headers) };
  }
  return { status: "failed", code, detail: `the provider refused the request (HTTP ${status})`, retryable: false };
}
