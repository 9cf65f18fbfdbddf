/**
 * RFC 9457 problem details: the only shape an error of this gateway takes.
 * `code` is the stable, machine-readable name clients switch on; `title` follows from it.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { NotConfigured } from "../errors";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
const TYPE_BASE = "https://hangup-gateway.dev/problems/";
/** What a 503 for a transient Durable Object error asks the client to wait. */
const TRANSIENT_RETRY_AFTER_S = 1;

const TITLES = {
  invalid_request: "The request is not valid",
  unauthorized: "Authentication is required",
  forbidden: "Not allowed",
  policy_denied: "A policy forbids this",
  insufficient_scope: "The API key's scopes do not allow this",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  conflict: "Conflict",
  idempotency_key_reused: "The Idempotency-Key was used for a different request",
  payload_too_large: "The request body is too large",
  unsupported_media_type: "Unsupported media type",
  rate_limited: "Too many requests",
  provider_unavailable: "The provider is unavailable",
  not_configured: "The gateway is not configured for this",
  temporarily_unavailable: "Temporarily unavailable",
  internal_error: "Internal error",
} as const;

export type ProblemCode = keyof typeof TITLES;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  [extension: string]: unknown;
}

export function problem(
  status: number,
  code: ProblemCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): Problem {
  return { type: TYPE_BASE + code, title: TITLES[code], status, detail, code, ...extensions };
}

/** Thrown anywhere below a route; the app's error handler turns it into the response. */
export class ProblemError extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: ProblemCode,
    detail: string,
    extensions: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.problem = problem(status, code, detail, extensions);
    this.headers = headers;
  }
}

export function problemResponse(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(p), {
    status: p.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...headers },
  });
}

const CODE_BY_STATUS: Record<number, ProblemCode> = {
  400: "invalid_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "invalid_request",
  429: "rate_limited",
  503: "not_configured",
};

/**
 * The app-wide error handler. Known problems pass through; Hono's own HTTP exceptions (bad JSON, body
 * limit) keep their status; anything else is a 500 whose detail says nothing about the cause, because
 * an unexpected error may carry a secret in its message.
 */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ProblemError) return problemResponse(err.problem, err.headers);
  // Domain errors' messages are written to be shown (src/errors.ts).
  if (err instanceof NotConfigured) return problemResponse(problem(503, "not_configured", err.message));
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code = CODE_BY_STATUS[status] ?? "invalid_request";
    return problemResponse(problem(status, code, err.message || TITLES[code]));
  }
  // Durable Object errors say whether they are transient (`retryable`) or the object is `overloaded`:
  // the client may try again, so this is a 503 with Retry-After, not a failure of the gateway.
  const transient = err as Error & { retryable?: boolean; overloaded?: boolean };
  if (transient.retryable === true || transient.overloaded === true) {
    console.error(JSON.stringify({ level: "warn", msg: "transient storage error", overloaded: transient.overloaded === true, request_id: c.get("requestId") }));
    return problemResponse(
      problem(503, "temporarily_unavailable", "The call's storage is briefly unavailable; retry the request (it is idempotent)."),
      { "retry-after": String(TRANSIENT_RETRY_AFTER_S) },
    );
  }
  console.error(JSON.stringify({ level: "error", msg: "unhandled error", error: err.name, request_id: c.get("requestId") }));
  return problemResponse(problem(500, "internal_error", "The gateway failed unexpectedly; the request id identifies it in the logs."));
}
