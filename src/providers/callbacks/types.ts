/**
 * A provider's callback dialect: how it proves a status callback is its own, and what its body says about
 * the call, as one normalized lifecycle event (../lifecycle/event.ts; each provider's mapping is its
 * `lifecycle.ts`). Both are pure functions of the request as received (and the connection's credentials),
 * so each dialect is tested with the provider's own published examples and cross-checked with its SDK.
 */
import type { LifecycleEvent } from "../lifecycle/event";

/** A callback as it reached the gateway. */
export interface CallbackRequest {
  /**
   * The URL the provider signed: the request's own URL, or `PUBLIC_URL` + its path and query when the
   * gateway runs behind a proxy (forwarding headers are never trusted).
   */
  url: string;
  headers: Headers;
  /** The media type of the body, lower-case, without parameters ("application/x-www-form-urlencoded"). */
  mediaType: string;
  body: string;
}

/**
 * `authentic`: signed, and the signature checks out. `forged`: the connection holds what checks this
 * provider's signatures and the request fails that check (missing, wrong or stale signature).
 * `uncheckable`: the connection holds nothing to check it with (a provider that does not sign, or a Telnyx
 * connection without `public_key`): accepted only from connections set to `callbacks: "unsigned-ok"`.
 */
export type Verdict = "authentic" | "forged" | "uncheckable";

export interface CallbackDialect {
  /** Checks the provider's signature with the connection's (opened) credentials. */
  verify(request: CallbackRequest, credentials: unknown, now?: Date): Promise<Verdict>;
  /** The call's lifecycle event in the body, or null when the body does not name a call. */
  parse(request: CallbackRequest): LifecycleEvent | null;
}

/** For providers that do not sign their callbacks. */
export const unsigned = async (): Promise<Verdict> => "uncheckable";

export function verdict(valid: boolean): Verdict {
  return valid ? "authentic" : "forged";
}
