/**
 * Schemas shared by several routes. They validate requests and, through @hono/zod-openapi, are the
 * OpenAPI document: one definition for both.
 */
import { z } from "@hono/zod-openapi";

/** Tenant, connection and key ids (contract). */
export const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const Id = z.string().regex(ID_PATTERN, "must match ^[a-z0-9][a-z0-9_-]{0,62}$");

/**
 * A provider's call id (contract): 1–256 printable ASCII characters without `/`, `\\`, `?`, `#`, `%` or
 * whitespace, and not `.` or `..`. Providers differ (UUIDs, Twilio `CA…` sids, Telnyx `v3:…` control
 * ids), so anything else printable is accepted; the excluded characters are the ones a proxy or URL
 * parser could turn into a separator or another resource (`x%2F..%2F` decoded is a parent path).
 */
export const CALL_ID_PATTERN = /^(?!\.\.?$)[!"$&'()*+,\-.0-9:;<=>@A-Z[\]^_`a-z{|}~]{1,256}$/;
export const CALL_ID_MAX_LENGTH = 256;

export const CallId = z
  .string()
  .min(1, "must not be empty")
  .max(CALL_ID_MAX_LENGTH, `must be at most ${CALL_ID_MAX_LENGTH} characters`)
  .regex(/^[\x21-\x7e]*$/, "must be printable ASCII without spaces")
  .regex(/^[^/\\?#%]*$/, "must not contain /, \\, ?, # or %")
  .refine((id) => id !== "." && id !== "..", "must not be . or ..")
  .openapi({
    description: "1–256 printable ASCII characters without /, \\, ?, #, % or whitespace, and not . or ..",
    example: "2f1c9a52-9a0d-4e4e-9f5b-6f1f4c1f0b11",
  });

/** True when `value` is a call id the gateway accepts (the same rule as the `CallId` schema). */
export function isCallId(value: string): boolean {
  return CALL_ID_PATTERN.test(value);
}

export const IsoDateTime = z.iso.datetime({ offset: true });

export const MAX_LIST_LIMIT = 500;
export const DEFAULT_LIST_LIMIT = 50;

/** A list's `limit` query parameter: 1 to 500 (default 50). */
export const ListLimit = z
  .string()
  .regex(/^[0-9]{1,3}$/, "must be an integer from 1 to 500")
  .transform(Number)
  .pipe(z.number().int().min(1, "must be at least 1").max(MAX_LIST_LIMIT, "must be at most 500"))
  .optional()
  .openapi({ type: "integer", minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT });
export const E164 = z.string().regex(/^\+[1-9]\d{1,14}$/, "must be an E.164 number such as +14155550100");

export { OUTCOME_STATUSES, OutcomeStatus } from "../vocabulary";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ example: "invalid_request" }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .openapi("Problem", {
    example: {
      type: "https://hangup-gateway.dev/problems/invalid_request",
      title: "The request is not valid",
      status: 422,
      detail: "The request body is not valid: connection: must match ^[a-z0-9][a-z0-9_-]{0,62}$",
      code: "invalid_request",
      errors: [{ path: "connection", message: "must match ^[a-z0-9][a-z0-9_-]{0,62}$" }],
    },
  });

/** The OpenAPI `responses` entry of an error, for `createRoute`. */
export function problemResponses(...statuses: number[]) {
  const out: Record<number, { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } }> = {};
  for (const status of statuses) {
    out[status] = { description: PROBLEM_STATUS_TEXT[status] ?? "Error", content: { "application/problem+json": { schema: ProblemSchema } } };
  }
  return out;
}

/** How the OpenAPI document describes each error status. */
export const PROBLEM_STATUS_TEXT: Record<number, string> = {
  400: "Malformed request",
  401: "Missing or invalid credentials",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  413: "Body too large",
  415: "Unsupported media type",
  422: "Invalid request body or parameters",
  429: "Rate limited",
  502: "Provider error",
  503: "Not configured, or briefly unavailable (retry after Retry-After)",
};
