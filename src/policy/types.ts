/**
 * The policy engine's public types: what an evaluation is asked about and what it answers. The
 * document schema itself lives in ./schema.ts (zod, the single source of truth).
 */
import type { Decision } from "../vocabulary";

/** What is being decided: an explicit hangup request, or a registered call being watched. */
export type EventKind = "hangup" | "call";

export interface PolicyEvent {
  kind: EventKind;
  tenant: string;
  connection: string;
  provider: string;
  call?: {
    call_id?: string;
    /** ISO-8601. */
    started_at?: string;
    /** ISO-8601, when the gateway knows it (a provider event, or the registration): max_duration counts from it. */
    answered_at?: string;
    from?: string;
    to?: string;
    flags?: string[];
  };
  /** Evaluation time, epoch milliseconds (passed in so evaluation stays a pure function). */
  now: number;
}

export type { Decision };

/**
 * What the rules that judge calls together saw: rule id → the count its counter gave for this event
 * (concurrency: the live calls, velocity: the registrations in the window, the judged call included).
 * src/counters/ reads them; a rule without its count is not judged.
 */
export type Counts = Readonly<Record<string, number>>;

/** One rule that matched: its shape is the vocabulary's (../vocabulary.ts), shared with every answer. */
export type MatchedRule = Decision["matched"][number];
export type RuleKind = MatchedRule["kind"];
export type RuleEffect = MatchedRule["effect"];

/** What one rule says about one event: a matched entry without the rule's own id, kind and mode. */
export type Firing = Pick<MatchedRule, "effect" | "detail" | "deadline" | "count">;
