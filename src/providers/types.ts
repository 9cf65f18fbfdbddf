/**
 * The shape every provider module has: a credentials schema, a default base URL, and two pure
 * functions, one building the hangup request in the provider's dialect and one reading its answer
 * into the gateway's outcome vocabulary. Sending, timeouts and retries live in ./send-hangup.ts.
 */
import type { z } from "zod";
import type { OutcomeStatus } from "../http/schemas";

export interface HangupInput<C> {
  /** The provider's call id; never empty (see assertCallId). */
  callId: string;
  reason?: string;
  /** Stable for one hangup of one call, across retries and restarts (Telnyx `command_id`). */
  operationId: string;
  credentials: C;
  /** The connection's `base_url` or the provider's default, without a trailing slash. */
  baseUrl: string;
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

export interface ProviderAdapter<C = unknown> {
  readonly name: string;
  readonly credentials: z.ZodType<C>;
  readonly defaultBaseUrl: string;
  buildRequest(input: HangupInput<C>): OutboundRequest | Promise<OutboundRequest>;
  readResponse(answer: ProviderAnswer): Reading;
  /**
   * Answers requests inside the gateway instead of the network (the sandbox). Present only for
   * simulated providers; the sending code is the same either way.
   */
  readonly simulate?: (request: Request) => Response | Promise<Response>;
}
