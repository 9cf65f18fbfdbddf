/**
 * The official SDKs as peers (Node only): each provider's `sdk.node.test.ts` makes the SDK hang up a call
 * against the fake provider on 127.0.0.1 and the gateway's own `sendHangup` hang up another, then compares
 * the two requests as the provider would read them. The SDKs are dev dependencies: nothing here or in them
 * reaches the Worker.
 */
import { startFakeProvider, type FakeProvider } from "../../../test/fake-provider/server";
import type { RecordedRequest } from "./fakes";

export interface WireView {
  method: string;
  /** The path as sent, without the query. */
  rawPath: string;
  /** Each segment percent-decoded: what the provider's router sees. */
  decodedPath: string;
  /** `Basic user:password` decoded, `Bearer <token>` as sent, or "none". */
  auth: string;
  /** The media type without parameters, or "none". */
  contentType: string;
  /** The body's fields: a form's pairs or a JSON object's; the raw text otherwise. */
  body: unknown;
}

function decodeBasic(value: string): string {
  return `Basic ${Buffer.from(value, "base64").toString("utf8")}`;
}

export function wireView(request: RecordedRequest): WireView {
  const rawPath = request.path.split("?")[0] ?? "";
  const authorization = request.headers.authorization ?? "";
  const [scheme = "", credential = ""] = authorization.split(" ");
  const contentType = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase() || "none";
  let body: unknown = request.body;
  if (contentType === "application/x-www-form-urlencoded") body = Object.fromEntries(new URLSearchParams(request.body));
  else if (contentType === "application/json" && request.body !== "") body = JSON.parse(request.body);
  return {
    method: request.method,
    rawPath,
    decodedPath: rawPath.split("/").map(decodeURIComponent).join("/"),
    auth: scheme === "Basic" ? decodeBasic(credential) : authorization || "none",
    contentType,
    body,
  };
}

/** The JWT's header and claims, decoded (no verification: the fake verifies). */
export function jwtParts(authorization: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header = "", claims = ""] = authorization.replace(/^Bearer /, "").split(".");
  const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
  return { header: decode(header), claims: decode(claims) };
}

export interface Peer {
  fake: FakeProvider;
  /** The one request the fake received for this call id, seen as the provider reads it. */
  requestFor(callId: string): Promise<RecordedRequest>;
}

export async function startPeer(): Promise<Peer> {
  const fake = await startFakeProvider();
  return {
    fake,
    async requestFor(callId) {
      const found = (await (await fetch(`${fake.url}/__requests?call=${encodeURIComponent(callId)}`)).json()) as RecordedRequest[];
      if (found.length !== 1) throw new Error(`expected one request for ${callId}, the fake saw ${found.length}`);
      return found[0]!;
    },
  };
}

/** An id with every character a call id may hold that a path treats specially (see http.ts `segment`). */
export function oddCallId(prefix: string): string {
  return `${prefix}:1@2+3=4,5;6$7!8~9'(0)*-${crypto.randomUUID().slice(0, 8)}`;
}
