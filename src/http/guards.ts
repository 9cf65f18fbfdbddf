/**
 * Request guards applied before any route: a bounded body and JSON-only bodies. Cheap checks that keep
 * hostile input away from the handlers.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ProblemError } from "./problem";

export const MAX_BODY_BYTES = 64 * 1024;

export const limitBody: MiddlewareHandler = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ProblemError(413, "payload_too_large", `The body may be at most ${MAX_BODY_BYTES} bytes.`);
  },
});

/** Bodies are JSON; anything else is 415, before a parser sees it. */
export const requireJsonBody: MiddlewareHandler = async (c, next) => {
  const method = c.req.method;
  if (method === "POST" || method === "PUT" || method === "PATCH") {
    const type = c.req.header("content-type") ?? "";
    const hasBody = c.req.header("content-length") !== "0" && (c.req.raw.body !== null);
    if (hasBody && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
      throw new ProblemError(415, "unsupported_media_type", "Send the body as application/json.");
    }
  }
  await next();
};
