/**
 * Every route group is an OpenAPIHono router made here, so that a request that fails its schema is
 * answered the same way everywhere: 422 problem+json listing every problem with its path.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import type { AppEnv } from "./app-env";
import { problem, problemResponse } from "./problem";

export function zodProblems(error: ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join(".") : "(root)",
    message: issue.message,
  }));
}

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const where = result.target === "json" ? "body" : result.target;
      const errors = zodProblems(result.error);
      return problemResponse(
        problem(422, "invalid_request", `The request ${where} is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`, { errors }),
      );
    },
  });
}
