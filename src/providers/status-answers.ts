/**
 * Readings every provider's status read shares: an ended call bounded like a callback's event, an answer
 * that lacks the documented field, and what an HTTP status means when the body says nothing more.
 */
import { instantOrNull, providerWord, seconds } from "./lifecycle/bounds";
import type { CallCause, ProviderEndedBy } from "./lifecycle/vocabulary";
import { retryAfterMs } from "./http";
import type { ProviderAnswer, StatusReading } from "./types";

export interface EndedFacts {
  cause?: CallCause | null;
  endedBy?: ProviderEndedBy | null;
  providerCause?: string | null;
  endedAt?: string | null;
  answeredAt?: string | null;
  durationSeconds?: unknown;
}

export function endedReading(facts: EndedFacts): StatusReading {
  return {
    kind: "ended",
    cause: facts.cause ?? "unknown",
    endedBy: facts.endedBy ?? "unknown",
    providerCause: providerWord(facts.providerCause),
    endedAt: instantOrNull(facts.endedAt),
    answeredAt: instantOrNull(facts.answeredAt),
    durationSeconds: seconds(facts.durationSeconds),
  };
}

/** A 2xx that does not carry what the provider documents: it proves nothing, so it is not `live`. */
export function undocumentedAnswer(provider: string, missing: string): StatusReading {
  return { kind: "error", retryable: true, detail: `${provider} answered without ${missing}; the call's status is not known` };
}

export function is2xx(answer: ProviderAnswer): boolean {
  return answer.status >= 200 && answer.status < 300;
}

/**
 * What a status means for a status read when the provider's body says nothing more specific: 404 is a call
 * the provider does not know, 401/403 rejected credentials (not retried), 429 and 5xx worth asking again.
 */
export function readStatusFailure(answer: ProviderAnswer): StatusReading {
  const { status } = answer;
  if (status === 404) return { kind: "unknown" };
  if (status === 401 || status === 403) {
    return { kind: "error", retryable: false, detail: `the provider rejected the credentials (HTTP ${status})` };
  }
  if (status === 429 || status >= 500) {
    const pause = retryAfterMs(answer.headers);
    const detail = status === 429 ? "the provider is rate limiting (HTTP 429)" : `the provider failed (HTTP ${status})`;
    return { kind: "error", retryable: true, detail, ...(pause !== undefined ? { retryAfterMs: pause } : {}) };
  }
  return { kind: "error", retryable: false, detail: `the provider refused the status read (HTTP ${status})` };
}
