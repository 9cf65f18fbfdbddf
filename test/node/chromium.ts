/**
 * Headless Chromium for the browser tests: Debian's `chromium` package, installed on first use where the
 * test runs as root (CI), and driven with `--dump-dom`, which loads a page and prints its DOM: all a
 * check of a script-free page needs, without a browser-automation library.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CHROMIUM = "chromium";
const DUMP_TIMEOUT_MS = 60_000;

/** A browser that stays off the network and leaves no profile behind. */
const HEADLESS_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // The page's console (CSP violations among it) on stderr.
  "--enable-logging=stderr",
  "--v=0",
];

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

/** The DOM of `url` after it loaded, and what the browser logged meanwhile. */
export async function dumpDom(url: string): Promise<{ dom: string; log: string }> {
  const profile = mkdtempSync(join(tmpdir(), "chromium-profile-"));
  try {
    const child = spawn(CHROMIUM, [...HEADLESS_FLAGS, `--user-data-dir=${profile}`, "--dump-dom", url], { stdio: ["ignore", "pipe", "pipe"] });
    let dom = "";
    let log = "";
    child.stdout.on("data", (chunk: Buffer) => (dom += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), DUMP_TIMEOUT_MS);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    clearTimeout(timer);
    if (code !== 0) throw new Error(`${CHROMIUM} --dump-dom ${url} exited with ${code}:\n${log}`);
    return { dom, log };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
