/**
 * /openapi.json is complete and current: every route the app registers is in it, every tag is explained,
 * every request body and successful JSON answer carries an example a reader can copy, and the file served
 * is the one the routes make now (it is written at build time: scripts/build-assets.ts).
 */
import { METHOD_NAME_ALL } from "hono/router";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import type { OpenApiDocument, SchemaObject } from "./openapi-document";
import { LOCAL_SERVER_URL, OPENAPI_CONFIG } from "../src/http/openapi-config";
import { send, servedOpenApiDocument } from "./helpers";

const openApiDocument = () => servedOpenApiDocument<OpenApiDocument>();

function operations(doc: OpenApiDocument) {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
  );
}

/** Hono's `/v1/calls/:call_id` (with an optional `{regex}`) in OpenAPI's spelling, `/v1/calls/{call_id}`. */
function openApiPath(honoPath: string): string {
  return honoPath.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");
}

function hasExample(schema: SchemaObject | undefined, doc: OpenApiDocument): boolean {
  if (!schema) return false;
  const resolved = schema.$ref ? doc.components?.schemas?.[schema.$ref.split("/").pop()!] : schema;
  return resolved?.example !== undefined || (resolved?.examples?.length ?? 0) > 0;
}

describe("GET /openapi.json", () => {
  it("is the document the app's routes make now, served as a static asset, not by the Worker", async () => {
    expect(await openApiDocument()).toEqual(JSON.parse(JSON.stringify(app.getOpenAPI31Document(OPENAPI_CONFIG))));
    const worker = await send("/openapi.json");
    expect(worker.status).toBe(404);
    expect(worker.headers.get("content-type")).toBe("application/problem+json");
  });

  it("documents every route registered on the app", async () => {
    const documented = new Set(operations(await openApiDocument()).map((o) => o.route));
    const registered = app.routes
      .filter((route) => route.method !== METHOD_NAME_ALL)
      .map((route) => `${route.method} ${openApiPath(route.path)}`);
    expect(registered.length).toBeGreaterThan(0);
    expect(registered.filter((route) => !documented.has(route))).toEqual([]);
  });

  it("describes every tag an operation uses", async () => {
    const doc = await openApiDocument();
    const described = new Set((doc.tags ?? []).filter((t) => t.description).map((t) => t.name));
    const undescribed = operations(doc).filter(({ op }) => !op.tags?.length || op.tags.some((tag) => !described.has(tag)));
    expect(undescribed.map((o) => `${o.route} ${JSON.stringify(o.op.tags)}`)).toEqual([]);
  });

  it("has an example for every request body and every successful JSON answer", async () => {
    const doc = await openApiDocument();
    const missing: string[] = [];
    for (const { route, op } of operations(doc)) {
      const body = op.requestBody && !("$ref" in op.requestBody) ? op.requestBody : undefined;
      for (const [type, media] of Object.entries(body?.content ?? {})) {
        if (media.example === undefined && !hasExample(media.schema as SchemaObject, doc)) missing.push(`${route} request ${type}`);
      }
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (!status.startsWith("2") || "$ref" in response) continue;
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (media.example === undefined && !hasExample(media.schema as SchemaObject, doc)) missing.push(`${route} ${status} ${type}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("names the local server and this gateway's own origin", async () => {
    const doc = await openApiDocument();
    expect(doc.servers?.map((s) => s.url)).toEqual(["/", LOCAL_SERVER_URL]);
  });

  it("gives the problem document an example", async () => {
    const doc = await openApiDocument();
    expect(hasExample({ $ref: "#/components/schemas/Problem" }, doc)).toBe(true);
  });
});
