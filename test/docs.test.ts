/**
 * GET /docs: every operation of the OpenAPI document on one self-contained page, under a CSP that allows
 * inline styles only; and the renderer escapes whatever the document says.
 */
import { describe, expect, it, vi } from "vitest";
import { renderDocsPage, type OpenApiDocument } from "../src/http/docs-page";
import { DOCS_CONTENT_SECURITY_POLICY, docsRoutes } from "../src/http/docs-routes";
import { send } from "./helpers";

const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)>`;

describe("GET /docs", () => {
  it("lists every operation of /openapi.json", async () => {
    const doc = await (await send("/openapi.json")).json<OpenApiDocument>();
    const res = await send("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    const routes = Object.entries(doc.paths ?? {}).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.length).toBeGreaterThan(5);
    for (const route of routes) expect(html, route).toContain(`data-operation="${route}"`);
  });

  it("is self-contained, and its CSP allows inline styles and nothing else", async () => {
    const res = await send("/docs");
    expect(res.headers.get("content-security-policy")).toBe(DOCS_CONTENT_SECURITY_POLICY);
    expect(DOCS_CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'/);
    const html = await res.text();
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });

  it("renders the page once per isolate", async () => {
    const document = vi.fn(() => ({ openapi: "3.1.0", info: { title: "t", version: "1" } }));
    const routes = docsRoutes(document);
    const first = await (await routes.request("/docs")).text();
    const second = await (await routes.request("/docs")).text();
    expect(second).toBe(first);
    expect(document).toHaveBeenCalledTimes(1);
  });
});

describe("renderDocsPage", () => {
  it("escapes every text that comes from the document", () => {
    const html = renderDocsPage({
      openapi: "3.1.0",
      info: { title: HOSTILE, version: HOSTILE, description: HOSTILE },
      servers: [{ url: HOSTILE, description: HOSTILE }],
      tags: [{ name: HOSTILE, description: HOSTILE }],
      paths: {
        [`/x/${HOSTILE}`]: {
          post: {
            tags: [HOSTILE],
            summary: HOSTILE,
            description: `\`${HOSTILE}\``,
            parameters: [{ name: HOSTILE, in: "query", description: HOSTILE, schema: { type: "string", pattern: HOSTILE, example: HOSTILE } }],
            requestBody: { content: { "application/json": { schema: { $ref: `#/components/schemas/${HOSTILE}` } } } },
            responses: { "200": { description: HOSTILE, content: { "application/json": { schema: { type: "object", example: { [HOSTILE]: HOSTILE } } } } } },
          },
        },
      },
      components: {
        schemas: { [HOSTILE]: { type: "object", description: HOSTILE, properties: { [HOSTILE]: { type: "string", enum: [HOSTILE] } } } },
        securitySchemes: { [HOSTILE]: { type: "http", scheme: HOSTILE, description: HOSTILE } },
      },
    });
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain("&lt;script&gt;");
  });

  it("links each operation from the navigation and each schema where it is used", () => {
    const html = renderDocsPage({
      openapi: "3.1.0",
      info: { title: "t", version: "1" },
      paths: {
        "/a/{id}": { get: { responses: { "200": { description: "ok", content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } } } } } },
      },
      components: { schemas: { Thing: { type: "object", properties: { id: { type: "string" } }, required: ["id"] } } },
    });
    expect(html).toContain('href="#op-get-a-id"');
    expect(html).toContain('id="op-get-a-id"');
    expect(html).toContain('<a href="#schema-thing">Thing</a>');
    expect(html).toContain('id="schema-thing"');
  });
});
