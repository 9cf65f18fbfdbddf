/**
 * `GET /v1/calls`: the tenant's calls from the index (newest first, keyset pages). The index trails the
 * calls' own records by the queue's delivery time (README, "Call index and bulk hangups").
 */
import { createRoute } from "@hono/zod-openapi";
import { requires } from "../auth/scopes";
import { addLogFields } from "../http/access-log";
import { ProblemError } from "../http/problem";
import { createRouter } from "../http/router";
import { problemResponses } from "../http/schemas";
import { InvalidCursorError } from "../http/keyset-cursor";
import { listCalls } from "./list";
import type { ListFilter } from "./list-query";
import { CallListSchema, DEFAULT_LIST_LIMIT, ListCallsQuery } from "./schemas";

const listRoute = createRoute({
  method: "get",
  path: "/v1/calls",
  tags: ["Calls"],
  summary: "The tenant's calls, newest first",
  description:
    "Lists the calls the gateway has seen for this tenant, newest `created_at` first. Following `next_cursor` until it is null " +
    "lists each matching call exactly once, even while new calls arrive. The list may trail the calls' own records by at most 10 s.",
  security: requires("calls:read"),
  request: { query: ListCallsQuery },
  responses: {
    200: { description: "One page of calls", content: { "application/json": { schema: CallListSchema } } },
    ...problemResponses(401, 422, 429),
  },
});

export const callIndexRoutes = createRouter().openapi(listRoute, async (c) => {
  const query = c.req.valid("query");
  const filter: ListFilter = {
    connection: query.connection,
    state: query.state,
    status: query.status,
    registered: query.registered,
    lifecycle_state: query.lifecycle_state,
    cause: query.cause,
    flag: query.flag?.toLowerCase(),
    since: query.since === undefined ? undefined : new Date(query.since).toISOString(),
    until: query.until === undefined ? undefined : new Date(query.until).toISOString(),
  };
  if (query.connection) addLogFields(c, { connection: query.connection });
  try {
    return c.json(await listCalls(c.env, c.get("tenant"), filter, query.limit ?? DEFAULT_LIST_LIMIT, query.cursor), 200);
  } catch (err) {
    if (err instanceof InvalidCursorError) {
      throw new ProblemError(422, "invalid_request", "The request query is not valid: cursor: " + err.message, {
        errors: [{ path: "cursor", message: err.message }],
      });
    }
    throw err;
  }
});
