/**
 * What a counter asks a call object when it audits a place: the one RPC the call's Durable Object
 * (src/calls/call-object.ts) answers for the counters.
 *
 * `isLive()` is true while the call is registered and live: from its registration until it ends (by any
 * path: signal, provider callback or event, reconciliation) or its hangup is final, or its watch ends.
 * False for an object that never stored a registration, e.g. one that crashed between taking its places
 * and storing its record. A counter frees the places of a call that answers false.
 */
export interface LiveCall {
  isLive(): Promise<boolean>;
}
