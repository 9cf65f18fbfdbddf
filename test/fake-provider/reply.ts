/** Small pieces every fake provider module uses to read a request and write its answer. */
import type { FakeReply, RecordedRequest } from "./server";

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
  return "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
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
