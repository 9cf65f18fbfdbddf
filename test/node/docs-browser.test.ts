/**
 * /docs in a real browser: headless Chromium loads the page from a running gateway, under the page's own
 * Content-Security-Policy, and every route of /openapi.json is on it. Nothing is blocked (nothing is
 * requested but the page itself) and nothing is logged to the console.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dumpDom, ensureChromium } from "./chromium";
import { startGateway, type Gateway } from "./gateway-process";

/** Installing Chromium with apt-get can take minutes on a fresh machine. */
const SETUP_TIMEOUT_MS = 600_000;

let gateway: Gateway;

beforeAll(async () => {
  ensureChromium();
  gateway = await startGateway();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await gateway?.stop();
});

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

describe("/docs in Chromium", () => {
  it("lists every route of /openapi.json, and the browser blocks and logs nothing", async () => {
    const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })));
    expect(routes.length).toBeGreaterThan(5);

    const { dom, log } = await dumpDom(`${gateway.url}/docs`);
    expect(dom).toContain("<h1>hangup-gateway");
    for (const { method, path } of routes) {
      // The route's section, and its method and path as the reader sees them.
      expect(dom, `${method} ${path}`).toMatch(
        new RegExp(`data-operation="${method} ${escapeRegExp(escapeHtml(path))}"[^]*?>${method}</span> <code class="path">${escapeRegExp(escapeHtml(path))}</code>`),
      );
    }
    expect(log).not.toMatch(/CONSOLE|Content Security Policy/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
