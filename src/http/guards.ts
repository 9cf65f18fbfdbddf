/**
 * Request guards applied before any route: a bounded body, and bodies that are JSON as sent (no
 * Content-Encoding). Cheap checks that keep hostile input away from the handlers.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ProblemError } from "./problem";

export const MAX_BODY_BYTES = 64 * 1024;
/** Policy documents grow with tenants (10,000 rules are about 1 MiB); a KV value holds up to 25 MiB. */
export const MAX_POLICY_BODY_BYTES = 2 * 1024 * 1024;
/** The routes whose body carries a whole policy document. */
const POLICY_DOCUMENT_PATHS = new Set(["/admin/policies", "/v1/policies/evaluate"]);

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;
/** The one content coding that is no coding at all (RFC 9110 §8.4.1). */
const IDENTITY_ENCODING = /^\s*identity\s*$/i;

/** The largest body a route accepts. */
export function maxBodyBytes(path: string): number {
  return POLICY_DOCUMENT_PATHS.has(path) ? MAX_POLICY_BODY_BYTES : MAX_BODY_BYTES;
}

/** A body limit answering 413 problem+json, for routes with a limit of their own. */
export function limitBodyTo(maxSize: number): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ProblemError(413, "payload_too_large", `The body may be at most ${maxSize} bytes.`);
    },
  });
}

const defaultLimit = limitBodyTo(MAX_BODY_BYTES);
const policyLimit = limitBodyTo(MAX_POLICY_BODY_BYTES);

export const limitBody: MiddlewareHandler = (c, next) =>
  (maxBodyBytes(c.req.path) === MAX_POLICY_BODY_BYTES ? policyLimit : defaultLimit)(c, next);

/**
 * Bodies are JSON, sent as they are; anything else is 415 before a parser sees it. A compressed body
 * would otherwise reach the JSON parser as bytes and be answered "malformed JSON", which sends a client
 * looking for the wrong mistake; the Worker runtime does not decompress request bodies.
 */
export const requireJsonBody: MiddlewareHandler = async (c, next) => {
  const method = c.req.method;
  if (method === "POST" || method === "PUT" || method === "PATCH") {
    const hasBody = c.req.header("content-length") !== "0" && c.req.raw.body !== null;
    if (hasBody && !JSON_MEDIA_TYPE.test(c.req.header("content-type") ?? "")) {
      throw new ProblemError(415, "unsupported_media_type", "Send the body as application/json.");
    }
    const encoding = c.req.header("content-encoding");
    if (hasBody && encoding !== undefined && !IDENTITY_ENCODING.test(encoding)) {
      throw new ProblemError(415, "unsupported_media_type", "Send the body uncompressed: Content-Encoding is not supported.");
    }
  }
  await next();
};
