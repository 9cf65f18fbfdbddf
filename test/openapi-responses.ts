/**
 * Every answer a test receives through the shared helpers (./helpers.ts `send`, ./gateway-fetch.ts) is
 * checked against the served /openapi.json, so the document and the gateway cannot drift apart: the status
 * is documented for the operation, so is the content type, and the body is valid against the documented
 * schema (JSON Schema 2020-12, @cfworker/json-schema: it runs in workerd, which allows no code generation).
 * An answer to a path or method the document has no operation for must be a problem document (404, 405),
 * or the static asset itself (a page, src/http/page-routes.ts).
 * The checker reads whatever the document says, so routes and fields added later are checked as they are.
 */
import { Validator, type Schema } from "@cfworker/json-schema";
import { env } from "cloudflare:workers";
import { GUARD_PROBLEMS } from "../src/app";
import type { OpenApiDocument, OperationObject } from "./openapi-document";

interface Operation {
  template: string;
  method: string;
  pattern: RegExp;
  operation: OperationObject;
}

interface Loaded {
  operations: Operation[];
  components: unknown;
  validators: Map<string, Validator>;
}

let loaded: Promise<Loaded> | undefined;

/** Keys whose values are maps of names to schemas: a property may be called "example". */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "dependentSchemas", "schemas"]);

/**
 * The document without `example`/`examples`: annotations that validate nothing, whose ids (`"id": …` in an
 * example) the validator would otherwise take for schema ids.
 */
function withoutExamples(value: unknown, isMap = false): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutExamples(item));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => isMap || (key !== "example" && key !== "examples"))
      .map(([key, inner]) => [key, withoutExamples(inner, !isMap && SCHEMA_MAPS.has(key))]),
  );
}

async function load(): Promise<Loaded> {
  const res = await env.ASSETS.fetch(new Request("http://gateway.test/openapi.json"));
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}: run scripts/build-assets.ts`);
  const document = await res.json<OpenApiDocument>();
  const operations = Object.entries(document.paths ?? {}).flatMap(([template, item]) =>
    Object.entries(item as Record<string, OperationObject>).map(([method, operation]) => ({
      template,
      method: method.toUpperCase(),
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
      operation,
    })),
  );
  // Literal segments win over parameters (`/v1/calls` before `/v1/calls/{call_id}` were they to overlap).
  operations.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  return { operations, components: withoutExamples(document.components), validators: new Map() };
}

function validator(state: Loaded, key: string, schema: unknown): Validator {
  let found = state.validators.get(key);
  if (!found) {
    // The schema's `$ref`s point into `#/components`, so the components travel with it as its root.
    found = new Validator({ ...(withoutExamples(schema) as object), components: state.components } as Schema, "2020-12", false);
    state.validators.set(key, found);
  }
  return found;
}

function isJson(mediaType: string): boolean {
  return /^application\/([\w.-]+\+)?json$/.test(mediaType);
}

/** Throws, saying what disagrees, unless `response` is what /openapi.json documents for `method url`. */
export async function checkAnswer(method: string, url: string, response: Response): Promise<void> {
  const state = await (loaded ??= load());
  const path = new URL(url).pathname;
  const where = `${method} ${path} answered ${response.status}`;
  const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const text = await response.text();
  const lookup = method === "HEAD" ? "GET" : method;
  const match = state.operations.find((op) => op.method === lookup && op.pattern.test(path));

  if (!match) {
    if (mediaType !== "application/problem+json") {
      // A page or one of its files (src/http/page-routes.ts): what the assets binding itself answers.
      const asset = await env.ASSETS.fetch(new Request(url, { method, redirect: "manual" }));
      const same = asset.status === response.status && asset.headers.get("content-type") === response.headers.get("content-type");
      await asset.body?.cancel();
      if (!same) throw new Error(`${where} (${mediaType}), but /openapi.json has no operation ${lookup} for this path and the static assets answer ${asset.status}`);
      return;
    }
    // The guards in front of a prefix answer before any route is looked for.
    const guards = GUARD_PROBLEMS.filter((guard) => path.startsWith(guard.path.slice(0, -1))).flatMap((g) => [...g.statuses, ...(g.bodyStatuses ?? [])]);
    if (![404, 405, ...guards].includes(response.status)) {
      throw new Error(`${where} (${mediaType}), but /openapi.json has no operation ${lookup} for this path: only a 404 or 405 problem (or a guard's) may answer it`);
    }
    if (method !== "HEAD") expectValid(validator(state, "problem", { $ref: "#/components/schemas/Problem" }), text, where);
    return;
  }

  const responses = match.operation.responses ?? {};
  const documented = responses[String(response.status)] ?? responses[`${String(response.status)[0]}XX`] ?? responses.default;
  if (!documented || "$ref" in documented) {
    throw new Error(`${where}: /openapi.json documents ${match.method} ${match.template} with ${Object.keys(responses).join(", ")} only`);
  }
  const content = documented.content ?? {};
  if (Object.keys(content).length === 0) {
    if (text.length > 0) throw new Error(`${where} with a body (${mediaType}), but /openapi.json documents none for it`);
    return;
  }
  const media = content[mediaType];
  if (!media) throw new Error(`${where} as ${mediaType || "(no content type)"}; /openapi.json documents ${Object.keys(content).join(", ")}`);
  if (method === "HEAD" || !media.schema || !isJson(mediaType)) return;
  const key = `${match.method} ${match.template} ${response.status} ${mediaType}`;
  expectValid(validator(state, key, media.schema), text, `${where} (${match.template})`);
}

function expectValid(check: Validator, text: string, where: string): void {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${where}: the body is not JSON: ${text.slice(0, 200)}`);
  }
  const result = check.validate(body);
  if (!result.valid) {
    // The innermost errors say what is wrong; the outer ones only that something below failed.
    const errors = result.errors.slice(-4).map((e) => `${e.instanceLocation}: ${e.error}`);
    throw new Error(`${where}: the body does not match /openapi.json:\n  ${errors.join("\n  ")}\nbody: ${text.slice(0, 500)}`);
  }
}
