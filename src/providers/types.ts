/**
 * The shape every provider module has: a credentials schema, a default base URL, and two pure
 * functions, one building the hangup request in the provider's dialect and one reading its answer
 * into the gateway's outcome vocabulary. Sending, timeouts and retries live in ./send-hangup.ts.
 * Where the provider documents reading one call's status, `status` holds that read in the same shape
 * (builder and reader per request), sent by ./read-status.ts.
 */
import type { z } from "zod";
import type { OutcomeStatus } from "../http/schemas";
import type { CallCause, ProviderEndedBy } from "./lifecycle/vocabulary";

export interface HangupInput<C> {
  /** The provider's call id; never empty (see assertCallId). */
  callId: string;
  reason?: string;
  /** Stable for one hangup of one call, across retries and restarts (Telnyx `command_id`). */
  operationId: string;
  credentials: C;
  /** The connection's `base_url` or the provider's default, without a trailing slash. */
  baseUrl: string;
  /** Whose hangup this is: the sandbox keeps its memory of ended calls apart per tenant and connection. */
  scope: { tenant: string; connection: string };
}

export interface OutboundRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ProviderAnswer {
  status: number;
  headers: Headers;
  /** The body as text, possibly empty or cut short by the provider. */
  body: string;
}

export interface Reading {
  status: OutcomeStatus;
  /** The provider's own code for this answer, when it gives one ("1040", "call_already_ended", "21220"). */
  code?: string;
  /** What happened, for the record; never contains a credential. */
  detail: string;
  /** For `failed`: may another attempt succeed? Never true for rejected credentials. */
  retryable?: boolean;
  /** For `failed`: the provider rejected the connection's credentials. */
  credentialsRejected?: boolean;
  /** The provider asked for this pause before the next attempt (Retry-After). */
  retryAfterMs?: number;
}

/**
 * Where a module's request names the call, checked by ./request-guard.ts before anything is sent: the
 * URL's path ends with `pathTail` of the call id as `segment()` encodes it, and, for providers whose body
 * names the call, the JSON body's `bodyField` is exactly the call id.
 */
export interface CallAddress {
  pathTail(encodedCallId: string): string;
  bodyField?: string;
}

export interface ProviderAdapter<C = unknown> {
  readonly name: string;
  readonly credentials: z.ZodType<C>;
  readonly defaultBaseUrl: string;
  readonly address: CallAddress;
  buildRequest(input: HangupInput<C>): OutboundRequest | Promise<OutboundRequest>;
  readResponse(answer: ProviderAnswer): Reading;
  /**
   * Answers requests inside the gateway instead of the network (the sandbox). Present only for
   * simulated providers; the sending code is the same either way.
   */
  readonly simulate?: (request: Request) => Response | Promise<Response>;
  /**
   * How to ask the provider for one call's status (reconciliation), where it documents such a read; absent
   * elsewhere. Sent by ./read-status.ts.
   */
  readonly status?: StatusRead<C>;
}

export interface StatusInput<C> {
  /** The provider's call id; never empty (see assertCallId). */
  callId: string;
  credentials: C;
  /** The connection's `base_url` or the provider's default, without a trailing slash. */
  baseUrl: string;
}

/**
 * What a status read says about a call. `live`: the provider says it is still going. `ended`: it is over, with
 * what the provider tells of how (`unknown` where it does not; every value bounded like a callback's).
 * `unknown`: the provider does not know the call (404). `error`: the read told nothing (network, timeout,
 * 3xx, 401/403, 429, 5xx, or a 2xx without the documented field); `retryable` says whether asking again
 * later may tell more (never for rejected credentials or a redirect).
 */
export type StatusReading =
  | { kind: "live" }
  | {
      kind: "ended";
      cause: CallCause;
      endedBy: ProviderEndedBy;
      /** The provider's own cause words (Plivo `hangup_cause_name`, Callab `disconnect_reason`), at most 64 characters. */
      providerCause: string | null;
      /** ISO-8601 UTC, when the answer says. */
      endedAt: string | null;
      /** ISO-8601 UTC, when the answer says (Plivo's detail record). */
      answeredAt: string | null;
      /** The provider's own duration figure in whole seconds, when it gives one. */
      durationSeconds: number | null;
    }
  | { kind: "unknown" }
  | { kind: "error"; retryable: boolean; detail: string; retryAfterMs?: number };

/** A step's reading may instead send the read on to the next step (Plivo: not live, so read the detail record). */
export type StatusStepReading = StatusReading | { kind: "next" };

/** One request of a status read, in the same shape as a hangup: a pure builder and a pure reader. */
export interface StatusStep<C> {
  buildRequest(input: StatusInput<C>): OutboundRequest | Promise<OutboundRequest>;
  readResponse(answer: ProviderAnswer): StatusStepReading;
}

/** A status read: one step for most providers, two for Plivo (the live-call read, then the detail record). */
export interface StatusRead<C> {
  readonly steps: readonly [StatusStep<C>, ...StatusStep<C>[]];
}
