/**
 * What the gateway says about a call: the outcome every hangup answer carries, and the full record the
 * status route returns. Both are built from the call's Durable Object storage (./call-store.ts).
 */
import type { OutcomeStatus } from "../http/schemas";
import type { Decision } from "../policy/types";
import type { AttemptLog } from "../providers/send-hangup";

export type CallState = "live" | "hanging_up" | "ended";

/**
 * A JSON object read back from storage. Its values are typed `{} | null` rather than `unknown` so that
 * the record stays serializable in the types of the Durable Object's RPC answers (`unknown` is not,
 * and would erase the record from them); a recursive JSON type is too deep for Hono's response types.
 */
export type JsonObject = Record<string, {} | null>;

/** Fraud flags one call may carry, all signals together: enough for any real use, bounded for storage. */
export const MAX_FLAGS_PER_CALL = 100;
export type HangupSource = "api" | "policy";

/** The answer of POST /v1/calls/{call_id}/hangup: identical for every request about the same call. */
export interface CallOutcome {
  call_id: string;
  tenant: string;
  connection: string;
  provider: string;
  status: OutcomeStatus;
  reason: string | null;
  decision: Decision | null;
  provider_response: { http_status: number | null; code?: string; detail: string };
  attempts: number;
  requested_at: string;
  completed_at: string;
}

export interface HangupRecord {
  operation_id: string;
  status: "pending" | "completed";
  source: HangupSource;
  reason: string | null;
  requested_at: string;
  completed_at: string | null;
  outcome: CallOutcome | null;
}

export interface CallEvent {
  at: string;
  type: string;
  data: JsonObject;
}

/** A registered call: when it was registered and the latest automatic-termination decision about it. */
export interface RegistrationRecord {
  registered_at: string;
  decision: Decision;
  evaluated_at: string;
}

/**
 * The outcome webhook of a call: `pending` until delivered (`delivered`), given up after the bounded
 * retries (`failed`), or never sent because the tenant had no webhook (`not_configured`).
 */
export type WebhookStatus = "pending" | "delivered" | "failed" | "not_configured";

/** One POST to the tenant's webhook. Neither the signature nor the secret is kept. */
export interface WebhookDelivery {
  n: number;
  attempted_at: string;
  duration_ms: number;
  /** The receiver's status; null when it could not be reached or did not answer in time. */
  http_status: number | null;
  error: string | null;
  /** When the next attempt is due after this failed one; null after a success or the last attempt. */
  next_attempt_at: string | null;
}

export interface WebhookRecord {
  /** The `webhook-id` header: the same on every attempt. */
  id: string;
  status: WebhookStatus;
  next_attempt_at: string | null;
  deliveries: WebhookDelivery[];
}

/** The answer of GET /v1/calls/{call_id}. */
export interface CallRecord {
  call_id: string;
  tenant: string;
  connection: string;
  provider: string;
  state: CallState;
  registered: boolean;
  started_at: string | null;
  from: string | null;
  to: string | null;
  flags: string[];
  metadata: JsonObject | null;
  registration: RegistrationRecord | null;
  hangup: HangupRecord | null;
  attempts: AttemptLog[];
  webhook: WebhookRecord | null;
  events: CallEvent[];
  created_at: string;
  updated_at: string;
}

/** What a registration says about a call beyond who it belongs to. */
export interface CallDetails {
  /** ISO-8601 UTC. */
  started_at: string;
  from: string | null;
  to: string | null;
  /** Lower-case, without duplicates: the policy compares flags case-insensitively. */
  flags: string[];
  metadata: JsonObject | null;
}

/** A call the object is watching for automatic termination: registered, live, never hung up. */
export interface WatchedCall extends CallIdentity, CallDetails {
  registration: RegistrationRecord;
}

/** Who the call belongs to; the object's name is derived from the same three ids. */
export interface CallIdentity {
  tenant: string;
  connection: string;
  call_id: string;
  provider: string;
}
