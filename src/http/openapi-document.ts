/**
 * The OpenAPI 3.1 document served at /openapi.json (written at build time by scripts/build-assets.ts): the
 * routes' own entries, generated from their zod schemas, and the problems of the guards in front of them.
 */
import { app, GUARD_PROBLEMS } from "../app";
import { withGuardProblems } from "./guard-problems";
import { OPENAPI_CONFIG } from "./openapi-config";

export function openApiDocument() {
  return withGuardProblems(app.getOpenAPI31Document(OPENAPI_CONFIG), GUARD_PROBLEMS);
}
