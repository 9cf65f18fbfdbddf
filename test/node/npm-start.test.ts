/**
 * `npm start` as a newcomer runs it (scripts/start.ts, in a copy of the repository with its own .dev.vars
 * and state): once the gateway says it is ready, it stays up. wrangler does not build or load the Worker a
 * second time (it used to: "The file src changed, restarting build..." and a reload, during which a request
 * got wrangler's own 503), and requests sent right after ready are answered by the Worker itself.
 * Also here, because only wrangler routes between the static assets and the Worker: the pages answer any
 * method but GET and HEAD with the Worker's 405 problem, and GET stays the page.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFFLINE_WRANGLER_ENV } from "../../scripts/lib/wrangler-env";
import { REPO_ROOT } from "./gateway-process";

const STARTED_TIMEOUT_MS = 150_000;
/** How long after "Ready" a restart would show itself: the second build took 5–15 s on a loaded machine. */
const WATCH_AFTER_READY_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
/** What `npm start` needs of the repository; node_modules is linked, not copied. */
const COPIED = ["package.json", "tsconfig.json", "wrangler.toml", "worker-configuration.d.ts", "src", "scripts", "public", "policies", "migrations"];

let dir = "";
let child: ChildProcess | undefined;
let output = "";
let base = "";
/** Every answer to the requests sent from the moment wrangler said "Ready". */
const answers: { status: number; body: string; requestId: string | null; at: number }[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}

function waitFor(text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = setInterval(() => {
      if (output.includes(text)) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() > deadline || child?.exitCode !== null) {
        clearInterval(poll);
        reject(new Error(`npm start did not print "${text}" within ${timeoutMs / 1000} s:\n${output.slice(-4_000)}`));
      }
    }, 50);
  });
}

/** POST /docs: only the Worker answers it with a problem (the assets' own 405 is empty, wrangler's 503 is text). */
async function probe(): Promise<void> {
  const started = Date.now();
  try {
    const res = await fetch(`${base}/docs`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    answers.push({ status: res.status, body: await res.text(), requestId: res.headers.get("x-request-id"), at: started });
  } catch (error) {
    answers.push({ status: 0, body: String(error), requestId: null, at: started });
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hangup-gateway-npm-start-"));
  for (const entry of COPIED) cpSync(join(REPO_ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const tsx = createRequire(import.meta.url).resolve("tsx/cli");
  child = spawn(process.execPath, [tsx, "scripts/start.ts"], {
    cwd: dir,
    env: { ...process.env, ...OFFLINE_WRANGLER_ENV, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitFor("Ready on", STARTED_TIMEOUT_MS);
  // From "Ready" on, a request every 100 ms for the whole window a restart would fall in.
  const until = Date.now() + WATCH_AFTER_READY_MS;
  while (Date.now() < until) {
    await probe();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await waitFor("hangup-gateway is running", STARTED_TIMEOUT_MS);
}, STARTED_TIMEOUT_MS + WATCH_AFTER_READY_MS + 60_000);

afterAll(async () => {
  if (child?.pid !== undefined) {
    // start.ts and wrangler each lead a process group of their own (wrangler's holds workerd).
    const groups = [child.pid, ...spawnSync("ps", ["-o", "pid=", "--ppid", String(child.pid)]).stdout.toString().split(/\s+/).filter(Boolean).map(Number)];
    const exited = child.exitCode === null ? new Promise((resolve) => child!.once("exit", resolve)) : Promise.resolve();
    for (const group of groups) signal(group, "SIGTERM");
    const timer = setTimeout(() => groups.forEach((group) => signal(group, "SIGKILL")), STOP_TIMEOUT_MS);
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const group of groups) signal(group, "SIGKILL");
    clearTimeout(timer);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function signal(group: number, name: NodeJS.Signals): void {
  try {
    process.kill(-group, name);
  } catch {
    // already gone
  }
}

describe("npm start", () => {
  it("builds and loads the Worker once: no restart after ready", () => {
    expect(output).not.toMatch(/restarting build/);
    expect(output).not.toMatch(/Reloading local server/);
    expect(output.match(/Starting local server/g)).toHaveLength(1);
  });

  it("answers every request sent right after ready from the Worker, never with wrangler's 503", () => {
    expect(answers.length).toBeGreaterThan(20);
    const notTheWorker = answers.filter((a) => a.status !== 405 || !a.body.includes('"method_not_allowed"') || !a.requestId);
    expect(notTheWorker.map((a) => `${a.status} ${a.body.slice(0, 120)}`)).toEqual([]);
  });

  it("seeds the demo tenant as before", () => {
    expect(output).toMatch(/demo API key: {2}hgw_/);
  });
});

describe("pages behind wrangler's asset routing", () => {
  it("any method but GET and HEAD on /docs, /console, /openapi.json is the Worker's 405 problem with Allow and X-Request-Id", async () => {
    for (const path of ["/docs", "/console", "/openapi.json", "/docs.html", "/assets/docs.js"]) {
      for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
        const res = await fetch(base + path, { method, headers: { "x-request-id": "page-probe-1" } });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get("content-type"), `${method} ${path}`).toBe("application/problem+json");
        expect(res.headers.get("allow"), `${method} ${path}`).toBe("GET, HEAD");
        expect(res.headers.get("x-request-id"), `${method} ${path}`).toBe("page-probe-1");
        expect(await res.json()).toMatchObject({ status: 405, code: "method_not_allowed" });
      }
    }
  });

  it("GET stays the page under its own headers, and /openapi.json the document", async () => {
    const docs = await fetch(`${base}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toMatch(/^text\/html/);
    expect(docs.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
    expect(docs.headers.get("x-frame-options")).toBe("DENY");
    expect(docs.headers.get("x-request-id")).toMatch(/.+/);
    const doc = await fetch(`${base}/openapi.json`);
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toBe("3.1.0");
    const head = await fetch(`${base}/console`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toMatch(/^text\/html/);
  });
});
