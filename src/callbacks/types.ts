/**
 * A provider's callback dialect: how it proves a status callback is its own, and how its body names
 * the call and says whether the call ended. Both are pure functions of the request as received, so
 * each dialect is tested with the provider's own published examples.
 */

/** A callback as it reached the gateway. */
export interface CallbackRequest {
  /** The exact URL the provider called (the request's own URL; forwarding headers are not trusted). */
  url: string;
  headers: Headers;
  /** The media type of the body, lower-case, without parameters ("application/x-www-form-urlencoded"). */
  mediaType: string;
  body: string;
}

/** What a callback says about a call. */
export interface CallStatusEvent {
  callId: string;
  /** The provider's own word for what happened ("completed", "Hangup", "call.hangup"), for the record. */
  status: string;
  /** Did the call end (completed, busy, failed, not answered, cancelled)? */
  ended: boolean;
}

export interface CallbackDialect {
  provider: string;
  /**
   * Checks the provider's signature with the connection's (opened) credentials. Null for a provider
   * whose callbacks carry nothing the connection's credentials can check: those are accepted only
   * from connections set to `callbacks: "unsigned-ok"`.
   */
  verify: ((request: CallbackRequest, credentials: unknown) => Promise<boolean>) | null;
  /** The call event in the body, or null when the body does not name a call. */
  parse(request: CallbackRequest): CallStatusEvent | null;
}
