/**
 * /docs in a real browser, served by a real `wrangler dev`: Scalar's API reference lists every route of
 * /openapi.json, and its try-it-out sends a request that the gateway answers. The page reaches no host
 * but the gateway and logs no error. Also here, since only wrangler routes requests between the static
 * assets and the Worker: pages are pages, and API routes still reach the Worker.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { ensureChromium, guardedPage, launchChromium, PAGE_TIMEOUT_MS, PHONE } from "./chromium";
import { sharedGateway, type Gateway } from "./gateway-process";

/** Installing Chromium with apt-get can take minutes on a fresh machine. */
const SETUP_TIMEOUT_MS = 600_000;
const RENDER_TIMEOUT_MS = PAGE_TIMEOUT_MS;

let gateway: Gateway;
let browser: Browser;

beforeAll(async () => {
  ensureChromium();
  [gateway, browser] = await Promise.all([sharedGateway(), launchChromium()]);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

interface Route {
  method: string;
  path: string;
  summary: string;
}

async function documentedRoutes(): Promise<Route[]> {
  const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { summary: string }>> };
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), path, summary: op.summary })));
}

describe("routing between the static pages and the Worker (wrangler dev)", () => {
  it("serves /docs and /console as HTML pages under their CSP, and their .html and slash spellings redirect", async () => {
    for (const path of ["/docs", "/console"]) {
      const res = await fetch(gateway.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(res.headers.get("content-security-policy"), path).toMatch(/default-src 'self'.*connect-src 'self'.*frame-ancestors 'none'/);
      for (const spelling of [`${path}.html`, `${path}/`]) {
        const redirect = await fetch(gateway.url + spelling, { redirect: "manual" });
        expect(redirect.status, spelling).toBe(307);
        expect(new URL(redirect.headers.get("location")!, gateway.url).pathname).toBe(path);
      }
    }
  });

  it("leaves every API route to the Worker: JSON and problem+json, never an HTML page", async () => {
    const health = await fetch(`${gateway.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });
    expect((await fetch(`${gateway.url}/openapi.json`)).headers.get("content-type")).toMatch(/^application\/json/);
    for (const [path, status] of [["/v1/calls", 401], ["/admin/policies", 401], ["/no-such-page", 404], ["/v1/no-such-route", 401], ["/assets/missing.js", 404]] as const) {
      const res = await fetch(gateway.url + path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get("content-type"), path).toBe("application/problem+json");
    }
  });
});

describe("/docs in Chromium", () => {
  it("lists every route of /openapi.json, answers a try-it-out request, and reaches nothing else", async () => {
    const routes = await documentedRoutes();
    expect(routes.length).toBeGreaterThan(10);
    const { page, foreignRequests, errors, screenshot, context } = await guardedPage(browser, gateway.url);
    await page.goto(`${gateway.url}/docs`);
    await page.getByRole("heading", { name: "hangup-gateway", level: 1 }).waitFor({ timeout: RENDER_TIMEOUT_MS });

    // Every route is in the sidebar, under its summary and with its method (Scalar abbreviates DELETE), as a
    // reader finds it.
    const sidebar = page.locator("aside").first();
    for (const route of routes) {
      const method = route.method === "DELETE" ? "DEL(ETE)?" : route.method;
      const entry = sidebar.locator("a, button, li").filter({ hasText: route.summary }).filter({ hasText: new RegExp(`\\b${method}\\b`, "i") });
      expect(await entry.count(), `${route.method} ${route.path} (${route.summary})`).toBeGreaterThan(0);
    }
    await screenshot("docs-1280");

    // Try it out: open Liveness, send its request from Scalar's client, and read the gateway's answer.
    await sidebar.getByText("Liveness", { exact: true }).first().click();
    const answered = page.waitForResponse((res) => new URL(res.url()).pathname === "/healthz" && res.request().method() === "GET", { timeout: RENDER_TIMEOUT_MS });
    await page.getByRole("button", { name: /test request/i }).first().click();
    await page.getByRole("button", { name: /^send/i }).first().click();
    const response = await answered;
    expect(response.status()).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true });
    await page.getByText('"ok": true').first().waitFor({ timeout: RENDER_TIMEOUT_MS });
    await screenshot("docs-try-it-out-1280");

    expect(foreignRequests).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("is readable on a phone", async () => {
    const { page, foreignRequests, errors, screenshot, context } = await guardedPage(browser, gateway.url, PHONE);
    await page.goto(`${gateway.url}/docs`);
    await page.getByRole("heading", { name: "hangup-gateway", level: 1 }).waitFor({ timeout: RENDER_TIMEOUT_MS });
    // Nothing wider than the screen: the reader scrolls down, never sideways.
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
    await screenshot("docs-390");
    expect(foreignRequests).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
