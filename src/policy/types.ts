/**
 * The policy engine's public types: what an evaluation is asked about and what it answers. The
 * document schema itself lives in ./schema.ts (zod, the single source of truth).
 */

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
    from?: string;
    to?: string;
    flags?: string[];
  };
  /** Evaluation time, epoch milliseconds (passed in so evaluation stays a pure function). */
  now: number;
}

export type RuleKind = "allowed_tenants" | "max_duration" | "fraud_flags" | "protect";

/**
 * What a matching rule asks for: `deny` the request (allowed_tenants), `terminate` the call now
 * (fraud_flags, or max_duration already exceeded), `schedule` a termination at a deadline
 * (max_duration not yet reached), or `protect` the call from automatic termination.
 */
export type RuleEffect = "deny" | "terminate" | "schedule" | "protect";

export interface MatchedRule {
  id: string;
  kind: RuleKind;
  effect: RuleEffect;
  /** True when the rule (or the whole document) is in shadow mode: reported, never enforced. */
  shadow: boolean;
  /** One sentence on why it matched, e.g. "tenant globex is not in [acme]". */
  detail: string;
  /** For `schedule` and max_duration `terminate`: when the call reaches its maximum (ISO-8601). */
  deadline?: string;
}

export interface Decision {
  kind: EventKind;
  /** May the request go ahead (hangup sent, call registered)? False only for an enforced deny. */
  allowed: boolean;
  /** Content hash of the document that decided; null when no policy is published (everything allowed). */
  policy_version: string | null;
  /** Every rule that matched, enforced or shadow, in document order. */
  matched: MatchedRule[];
  /** kind "call": hang the call up now, because of this enforced rule (null if not, or protected). */
  terminate: { rule: string; reason: string } | null;
  /** kind "call": the earliest enforced max_duration deadline still ahead (ISO-8601), null if none or protected. */
  deadline: string | null;
  /** kind "call": an enforced protect rule matched, so nothing is terminated automatically. */
  protected: boolean;
}
