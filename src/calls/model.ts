/**
 * What the gateway says about a call: the outcome every hangup answer carries, and the full record the
 * status route returns. Both are built from the call's Durable Object storage (./call-store.ts).
 */
import type { OutcomeStatus } from "../http/schemas";
import type { Decision } from "../policy/types";
import type { AttemptLog } from "../providers/send-hangup";

export type CallState = "live" | "hanging_up" | "ended";
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
  data: Record<string, unknown>;
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
  metadata: Record<string, unknown> | null;
  hangup: HangupRecord | null;
  attempts: AttemptLog[];
  events: CallEvent[];
  created_at: string;
  updated_at: string;
}

/** Who the call belongs to; the object's name is derived from the same three ids. */
export interface CallIdentity {
  tenant: string;
  connection: string;
  call_id: string;
  provider: string;
}
