/**
 * The problems an operation can answer before or around its handler, added to its OpenAPI entry from the
 * same table that mounts the guards (src/app.ts): a guard's status is documented on every operation behind
 * it, so no route can forget one (the tenant rate limit's 429, a body limit's 413). Added here too, for
 * every operation they apply to: the validation hook's 422 (any parameter or body) and the error handler's
 * 400 (a JSON body that does not parse). A route's own description of a status wins.
 */
import { PROBLEM_STATUS_TEXT } from "./schemas";

/** What the guards mounted on one path prefix can answer. */
export interface GuardProblems {
  /** Hono's pattern, as mounted: `/v1/*`. */
  path: `/${string}/*`;
  /** Statuses any request under the prefix may get. */
  statuses: number[];
  /** Statuses only a request with a body may get (an operation with a request body). */
  bodyStatuses?: number[];
}

interface Operation {
  parameters?: unknown[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, unknown>;
}

const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"]);

const PROBLEM_CONTENT = { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } };

/** The statuses an operation at `path` can answer without its handler saying so. */
export function guardStatuses(path: string, operation: Operation, guards: GuardProblems[]): number[] {
  const hasBody = operation.requestBody !== undefined;
  const statuses = guards
    .filter((guard) => path.startsWith(guard.path.slice(0, -1)))
    .flatMap((guard) => [...guard.statuses, ...(hasBody ? (guard.bodyStatuses ?? []) : [])]);
  if (operation.requestBody?.content?.["application/json"]) statuses.push(400);
  if (hasBody || (operation.parameters?.length ?? 0) > 0) statuses.push(422);
  return statuses;
}

/** `document` with every guard's problem on each operation behind it, and each operation's answers in status order. */
export function withGuardProblems<T extends { paths?: object }>(document: T, guards: GuardProblems[]): T {
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Record<string, Operation>>)) {
    for (const operation of Object.entries(item).filter(([method]) => METHODS.has(method)).map(([, op]) => op)) {
      const responses: Record<string, unknown> = { ...operation.responses };
      for (const status of guardStatuses(path, operation, guards)) {
        responses[status] ??= { description: PROBLEM_STATUS_TEXT[status] ?? "Error", content: PROBLEM_CONTENT };
      }
      operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
  return document;
}
