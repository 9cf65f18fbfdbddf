/**
 * What every provider's fake (`src/providers/<name>/fake.ts`) is made of: the shape of a recorded request and
 * of a reply, and small pieces to read the one and write the other. The fakes are pure functions of the
 * request and their state; `test/fake-provider/server.ts` serves them all on 127.0.0.1. Test code only:
 * nothing in the Worker imports this folder.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface FakeReply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/** A provider's routes: return a reply for requests it owns, or undefined to pass. */
export interface FakeProviderRoutes {
  name: string;
  /** The call id this request addresses, or undefined if it is not one of this provider's requests. */
  callId(request: RecordedRequest): string | undefined;
  /** The documented default answer; `state` remembers which calls this fake has already hung up. */
  answer(request: RecordedRequest, callId: string, state: FakeState): FakeReply;
}

export interface FakeState {
  ended: Set<string>;
  /** Commands already carried out, for providers that ignore a repeated command id (Telnyx). */
  commandIds: Set<string>;
}

/**
 * Call ids with these prefixes get the documented answer for that situation from every provider, to a hangup
 * and to a status read alike (a call that is over, with the cause each fake's header names; one never known).
 */
export const FAKE_CALL_PREFIXES = {
  ended: "ended-",
  unknown: "unknown-",
} as const;

export function json(status: number, body: unknown): FakeReply {
  return { status, body: JSON.stringify(body) };
}

/** The request's path without its query; a fake's route regexes allow any prefix (a `base_url` path). */
export function pathOf(request: RecordedRequest): string {
  return request.path.split("?")[0] ?? "";
}

/** A path segment as the provider would read it, or undefined when it is not valid percent-encoding. */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function bearerToken(request: RecordedRequest): string | undefined {
  const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? "");
  return match?.[1];
}

export function basicAuthorization(user: string, password: string): string {
  return "Basic " + btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)));
}

export function isJsonRequest(request: RecordedRequest): boolean {
  return (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() === "application/json";
}

/** The body as a JSON object, or undefined when it is not one. */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
