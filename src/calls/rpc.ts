/**
 * What a call's object is asked over RPC and what it answers: every answer a union discriminated on
 * `kind`. The routes, the bulk job and the object's own duties all speak these.
 */
import type { Decision } from "../policy/types";
import type { ConnectionRecord } from "../tenants/store";
import type { HangupOutcome } from "../vocabulary";
import type { RoundRequest } from "./rounds";
import type { CallRecord } from "./schemas";
import type { LifecycleEvent } from "../providers/lifecycle/event";
import type { CallDetails, CallIdentity } from "./stored-call";

export interface HangupCommand extends CallIdentity, RoundRequest {
  /** The connection as the route read it, so the object need not read it again (absent: it reads KV). */
  connection_record?: ConnectionRecord;
  /** Idempotency-Key header with the fingerprint of the request body it came with. */
  idempotency?: { key: string; fingerprint: string };
}

export type HangupAnswer =
  | { kind: "outcome"; outcome: HangupOutcome; replayed: boolean }
  | { kind: "idempotency_mismatch" }
  /** A bulk hangup of a call the policy in force protects (judged on the call's own details): nothing was sent. */
  | { kind: "protected"; decision: Decision }
  /** Nothing was sent: the call is reported ended, or was hung up for good by a round that is not the asker's. */
  | { kind: "ended" };

export interface RegisterCommand extends CallIdentity, CallDetails {
  /** Lower-case, distinct. */
  flags: string[];
  /** Hash of the registration request (values, not bytes), to tell a retry of it from a different registration. */
  fingerprint: string;
  /** The route's decision (kind "call") on this registration, which allowed it. */
  decision: Decision;
  /** The connection reads a watched call's status at its provider when its events go missing. */
  reconcile: boolean;
}

export type RegisterAnswer = { kind: "registered"; record: CallRecord } | { kind: "replayed"; record: CallRecord } | { kind: "conflict"; detail: string };

export interface SignalCommand {
  /** Lower-case, distinct. */
  flags: string[];
  ended: boolean;
}

export type SignalAnswer = { kind: "signalled"; record: CallRecord } | { kind: "unknown" } | { kind: "too_many_flags" };

export interface ProviderEventCommand extends CallIdentity {
  /** What the provider's callback said, in the gateway's words (each provider's lifecycle.ts). */
  event: LifecycleEvent;
  /**
   * The connection watches every call (`watch: "all"`) and the policy allows registering this one: an event
   * about a call the gateway has not registered registers it, with this decision (kind "call").
   */
  register: { decision: Decision; reconcile: boolean } | null;
}

export type ProviderEventAnswer = { kind: "recorded" } | { kind: "registered" } | { kind: "unknown" };
