/**
 * The static pages (/docs, /console) come from Workers Static Assets: the assets binding serves them as
 * HTML under their own strict headers. The Worker runs first on their paths only to answer other methods
 * with a problem+json 405; GET and HEAD it hands to the assets unchanged, and its API answers are as before. (Which requests reach the assets and which the
 * Worker is wrangler's routing, checked against a real `wrangler dev` in test/node/docs-browser.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { PAGE_PATHS } from "../src/http/page-routes";
import { asset, expectProblem, send } from "./helpers";

/** A CSP as a map of directive → sources. */
function csp(res: Response): Map<string, string[]> {
  const header = res.headers.get("content-security-policy") ?? "";
  return new Map(header.split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name!, sources]));
}

describe.each(["/docs", "/console"])("%s, a static page", (path) => {
  it("is HTML, with a CSP that lets it load and contact its own origin only", async () => {
    const res = await asset(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const policy = csp(res);
    expect(policy.get("default-src")).toEqual(["'self'"]);
    expect(policy.get("script-src")).toEqual(["'self'"]);
    expect(policy.get("connect-src")).toEqual(["'self'"]);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    expect(policy.get("base-uri")).toEqual(["'none'"]);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
    // Exactly one policy: two would both be enforced, and the stricter one would break the page.
    expect(res.headers.get("content-security-policy")).not.toMatch(/,/);
  });

  it("has no inline script and names no other host", async () => {
    const html = await (await asset(path)).text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([^]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/[^/]/);
      expect(body!.trim()).toBe("");
    }
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it("reaches the Worker (wrangler.toml run_worker_first), which hands GET and HEAD to the assets unchanged", async () => {
    for (const method of ["GET", "HEAD"]) {
      const [direct, worker] = [await asset(path, { method }), await send(path, { method })];
      expect(worker.status, method).toBe(direct.status);
      for (const header of ["content-type", "content-security-policy", "x-frame-options", "referrer-policy", "etag"]) {
        expect(worker.headers.get(header), `${method} ${header}`).toBe(direct.headers.get(header));
      }
      expect(await worker.text()).toBe(await direct.text());
      expect(worker.headers.get("x-request-id")).toMatch(/.+/);
    }
  });
});

describe("any method but GET and HEAD on a page or its files", () => {
  const PATHS = [...PAGE_PATHS.filter((p) => !p.includes("*")), "/assets/docs.js", "/assets/missing.js"];
  const METHODS = ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"];

  it.each(PATHS)("%s: 405 problem+json with Allow: GET, HEAD, like every other error", async (path) => {
    for (const method of METHODS) {
      const res = await send(path, { method, headers: { "content-type": "application/json", "x-request-id": `page-${method}` }, body: method === "OPTIONS" ? undefined : "{}" });
      const problem = await expectProblem(res, 405, "method_not_allowed");
      expect(problem.detail).toMatch(method);
      expect(res.headers.get("allow"), `${method} ${path}`).toBe("GET, HEAD");
      expect(res.headers.get("x-request-id")).toBe(`page-${method}`);
    }
  });

  it("a file that does not exist is the API's 404 problem, whatever the method asks", async () => {
    await expectProblem(await send("/assets/missing.js"), 404, "not_found");
  });
});

describe("the pages' files", () => {
  it.each(["/assets/docs.js", "/assets/vendor/scalar-api-reference.js", "/assets/console.js", "/assets/console.css"])("%s is served with its type", async (path) => {
    const res = await asset(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(path.endsWith(".css") ? /^text\/css/ : /^(text|application)\/javascript/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("Scalar's reference is the npm package's standalone build, configured to stay on this origin", async () => {
    const script = await (await asset("/assets/docs.js")).text();
    expect(script).toContain('url: "/openapi.json"');
    expect(script).toMatch(/withDefaultFonts: false/);
    expect(script).toMatch(/telemetry: false/);
    expect(script).toMatch(/agent: \{ disabled: true \}/);
    expect(script).toMatch(/mcp: \{ disabled: true \}/);
    expect(script).not.toMatch(/https?:\/\//);
    const html = await (await asset("/docs")).text();
    expect(html).toContain('src="/assets/vendor/scalar-api-reference.js"');
  });

  it("tooling next to the pages is not served", async () => {
    for (const path of ["/_headers", "/.assetsignore", "/tsconfig.json"]) expect((await asset(path)).status, path).toBe(404);
  });
});

describe("API routes are unaffected", () => {
  it("answer as before, with the Worker's own headers", async () => {
    const health = await send("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });
    const doc = await asset("/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.headers.get("content-type")).toMatch(/^application\/json/);
    const unknown = await send("/v1/nothing-here");
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get("content-type")).toBe("application/problem+json");
  });
});
