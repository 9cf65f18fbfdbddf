/**
 * `X-Request-Id` on every answer (contract, "Errors"): the client's own when it is 1–128 visible ASCII
 * characters, else a new one; the access log writes the same id. The header is set once the answer
 * exists, whoever made it: the error handler, the not-found handler and the validation hook return
 * Responses of their own, which headers set before `next()` never reach.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env";

export const REQUEST_ID_HEADER = "X-Request-Id";
const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const sent = c.req.header(REQUEST_ID_HEADER);
  const id = sent !== undefined && CLIENT_REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
  c.set("requestId", id);
  await next();
  c.header(REQUEST_ID_HEADER, id);
};
