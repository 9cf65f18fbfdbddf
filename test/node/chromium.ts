/**
 * Headless Chromium for the browser tests: Debian's `chromium` package, installed on first use where the
 * test runs as root (CI), driven by playwright-core. Every page runs behind a guard that refuses any
 * request to a host other than the gateway and records it, and records every console error and uncaught
 * exception, so a test can assert that a page reached nothing else and logged nothing.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { REPO_ROOT } from "./gateway-process";

const CHROMIUM = "chromium";

/** A browser that stays off the network (no update checks, no sync, no QUIC probing). */
const HEADLESS_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Where screenshots go, for a reviewer to look at (git-ignored). */
export const SCREENSHOT_DIR = join(REPO_ROOT, "test-results", "screenshots");

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

function installed(): boolean {
  return spawnSync("sh", ["-c", `command -v ${CHROMIUM}`]).status === 0;
}

/** Installs Debian's chromium when it is missing; only root can, so anyone else is told what to run. */
export function ensureChromium(): void {
  if (installed()) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${CHROMIUM} is not installed; run: sudo apt-get update && sudo apt-get install -y ${CHROMIUM}`);
  }
  console.log(`Installing ${CHROMIUM} (apt-get; a minute or two, once)…`);
  execFileSync("apt-get", ["update"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", CHROMIUM], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

export function launchChromium(): Promise<Browser> {
  const executablePath = spawnSync("sh", ["-c", `command -v ${CHROMIUM}`]).stdout.toString().trim();
  return chromium.launch({ executablePath, args: HEADLESS_FLAGS });
}

export interface GuardedPage {
  context: BrowserContext;
  page: Page;
  /** Requests to any other origin than the gateway's: refused, and listed here. */
  foreignRequests: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
  screenshot(name: string): Promise<void>;
}

/** A fresh context (its own storage) whose page may talk to `origin` only. */
/** How long a page's navigation or a wait for one of its elements may take. */
export const PAGE_TIMEOUT_MS = 60_000;

export async function guardedPage(browser: Browser, origin: string, viewport = DESKTOP): Promise<GuardedPage> {
  const context = await browser.newContext({ viewport });
  const foreignRequests: string[] = [];
  const errors: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    foreignRequests.push(url);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  // A loaded two-core machine (CI runs every browser test after the whole suite) can take long to load the reference's script.
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`exception: ${error.message}`));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    page,
    foreignRequests,
    errors,
    screenshot: async (name) => {
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
    },
  };
}
