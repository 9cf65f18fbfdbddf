/**
 * The words of a call's lifecycle, shared by every provider's callback mapping and status read (and by the
 * call's record, its webhooks and the call index, which build their schemas from these lists with
 * `z.enum(...)`). One list per word family, so that a provider's mapping can only produce a known word.
 */

/** Where a call is in its life; it only ever moves forward through this list. */
export const LIFECYCLE_STATES = ["initiated", "ringing", "answered", "ended"] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/**
 * Why a call ended: `completed` a normal end (after an answer), `busy`, `no_answer` (rang out or timed out),
 * `rejected` (declined), `canceled` (given up before an answer), `failed` (a network or provider failure),
 * `unknown` (the provider did not say, or said something the mapping does not know).
 */
export const CALL_CAUSES = ["completed", "busy", "no_answer", "rejected", "canceled", "failed", "unknown"] as const;
export type CallCause = (typeof CALL_CAUSES)[number];

/**
 * Who ended a call. `gateway` is the gateway's own knowledge (its hangup was confirmed), never read from a
 * provider; `provider` is the provider's own limit or failure.
 */
export const ENDED_BY = ["gateway", "caller", "callee", "provider", "unknown"] as const;
export type EndedBy = (typeof ENDED_BY)[number];

/** What a provider's event or status read can say about who ended a call. */
export type ProviderEndedBy = Exclude<EndedBy, "gateway">;

/** A provider's own word (status, cause, detail) is cut to this length before it is kept. */
export const MAX_PROVIDER_WORD_CHARS = 64;
