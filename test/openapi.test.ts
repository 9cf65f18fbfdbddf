/**
 * /openapi.json is complete and current: every route the app registers is in it, every tag is explained,
 * every request body and successful JSON answer carries an example a reader can copy, and the file served
 * is the one the routes make now (it is written at build time: scripts/build-assets.ts).
 */
import { METHOD_NAME_ALL } from "hono/router";
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { maxBodyBytes } from "../src/http/guards";
import { PAGE_PATHS } from "../src/http/page-routes";
import { checkAnswer } from "./openapi-responses";
import { app } from "../src/app";
import type { OpenApiDocument, SchemaObject } from "./openapi-document";
import { LOCAL_SERVER_URL } from "../src/http/openapi-config";
import { openApiDocument as currentDocument } from "../src/http/openapi-document";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { BASE, createConnection, createTenant, fakeProviderUrl, getCall, hangup, scriptProvider, send, servedOpenApiDocument, uniqueCallId } from "./helpers";

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
  it("is the document the app's routes make now, served as a static asset", async () => {
    expect(await openApiDocument()).toEqual(JSON.parse(JSON.stringify(currentDocument())));
    // The Worker runs first on its path (to answer other methods with a 405 problem) and serves the asset as it is.
    const worker = await send("/openapi.json");
    expect(worker.status).toBe(200);
    expect(await worker.json()).toEqual(await openApiDocument());
  });

  it("documents every route registered on the app", async () => {
    const documented = new Set(operations(await openApiDocument()).map((o) => o.route));
    const registered = app.routes
      .filter((route) => route.method !== METHOD_NAME_ALL && !PAGE_PATHS.includes(route.path))
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

  it("lets a field be null only as a validator reads it: anyOf [$ref, {type: null}], never allOf with a null type nor a component made nullable", async () => {
    const doc = await openApiDocument();
    const faults: string[] = [];
    const walk = (value: unknown, where: string): void => {
      if (Array.isArray(value)) return value.forEach((item, i) => walk(item, `${where}/${i}`));
      if (value === null || typeof value !== "object") return;
      const schema = value as SchemaObject;
      // An allOf branch that says "or null" is ANDed with the others, which refuse null.
      if (schema.allOf?.some((branch) => [branch.type].flat().includes("null"))) faults.push(where);
      for (const [key, inner] of Object.entries(value)) walk(inner, `${where}/${key}`);
    };
    walk(doc.paths, "#/paths");
    walk(doc.components, "#/components");
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
      if ([schema.type].flat().includes("null")) faults.push(`#/components/schemas/${name} is nullable everywhere it is used`);
    }
    expect(faults).toEqual([]);
  });

  it("gives the problem document an example", async () => {
    const doc = await openApiDocument();
    expect(hasExample({ $ref: "#/components/schemas/Problem" }, doc)).toBe(true);
  });
});

/**
 * Answers are checked against the document by the helpers themselves (./openapi-responses.ts); these are
 * the answers few other tests see.
 */
describe("answers the document must accept", () => {
  it("a call's record read while its round is in flight: the round's and the hangup's outcome are null", async () => {
    const { key } = await createTenant("openapi-in-flight");
    await createConnection("openapi-in-flight", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
    const callId = uniqueCallId();
    await scriptProvider(callId, [{ status: 204, delay_ms: 2_000 }]);
    const answer = hangup(key, callId, { connection: "plivo" });
    let record: { hangup: { outcome: unknown } | null; rounds: { outcome: unknown }[] } | undefined;
    for (let i = 0; i < 40 && record?.hangup?.outcome !== null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      // `getCall` checks the answer against /openapi.json: a null the document refuses fails here.
      const res = await getCall(key, callId, "plivo");
      if (res.status === 200) record = await res.json();
    }
    expect(record?.hangup?.outcome).toBeNull();
    expect(record?.rounds.map((round) => round.outcome)).toEqual([null]);
    expect((await answer).status).toBe(200);
  });
});

describe("what the guards answer", () => {
  it("is documented on every operation behind them: 401, 413, 415, 400 and the tenant rate limit's 429", async () => {
    const doc = await openApiDocument();
    const { key } = await createTenant("openapi-guards");
    // A rate limiter that refuses everything: the 429 of any tenant route, without sending 600 requests.
    const limited = { ...env, TENANT_RATE_LIMITER: { limit: async () => ({ success: false }) } };
    const checked: string[] = [];
    for (const { route, op } of operations(doc)) {
      const [method, template] = route.split(" ") as [string, string];
      const path = template.replace(/\{[^}]+\}/g, "x");
      const expectAnswer = async (expected: number, init: RequestInit, bindings: Env = env) => {
        const request = new Request(BASE + path, { method, ...init });
        const res = await app.fetch(request, bindings, createExecutionContext());
        expect(res.status, `${route}: ${await res.clone().text()}`).toBe(expected);
        await checkAnswer(method, request.url, res);
        checked.push(`${route} ${expected}`);
      };
      const credential = { authorization: `Bearer ${template.startsWith("/admin/") ? env.ADMIN_TOKEN : key}` };
      const json = { ...credential, "content-type": "application/json" };
      if (!template.startsWith("/v1/") && !template.startsWith("/admin/")) continue;
      await expectAnswer(401, {});
      if (op.requestBody) {
        await expectAnswer(413, { headers: json, body: JSON.stringify({ pad: "x".repeat(maxBodyBytes(path)) }) });
        await expectAnswer(415, { headers: { ...credential, "content-type": "text/plain" }, body: "x" });
        await expectAnswer(400, { headers: json, body: "{not json" });
      }
      if (template.startsWith("/v1/")) await expectAnswer(429, { headers: credential }, limited);
    }
    expect(checked).toContain("POST /v1/policies/evaluate 429");
  });
});
