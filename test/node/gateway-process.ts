/**
 * A real gateway for the node tests: `wrangler dev` on free ports, with fresh local state (D1 migrated as
 * `npm start` migrates it) and fixed test secrets, ready once /healthz answers. `stop()` ends wrangler and
 * its workerd children (they share a process group) and removes the state. `sharedGateway()` is one such
 * gateway for the whole run (./shared-gateway-setup.ts), for files that change nothing other files see.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { applyLocalMigrations } from "../../scripts/lib/local-migrations";
import { OFFLINE_WRANGLER_ENV } from "../../scripts/lib/wrangler-env";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const TEST_ADMIN_TOKEN = "node-test-admin-token";
const TEST_CREDENTIALS_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

const HOST = "127.0.0.1";
const WRANGLER = join(REPO_ROOT, "node_modules/.bin/wrangler");
const READY_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 200;
const STOP_TIMEOUT_MS = 5_000;
/** How much of wrangler's output a failure message quotes. */
const OUTPUT_TAIL_CHARS = 4_000;

export interface Gateway {
  url: string;
  adminToken: string;
  stop(): Promise<void>;
}

/** The run's shared gateway (its `stop()` does nothing: the setup stops it after the last file). */
export async function sharedGateway(): Promise<Gateway> {
  const res = await fetch(inject("sharedGatewayBroker"));
  if (!res.ok) throw new Error(`the shared gateway did not start: ${await res.text()}`);
  const { url, adminToken } = (await res.json()) as { url: string; adminToken: string };
  return { url, adminToken, stop: async () => {} };
}

/** A port nothing listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, HOST, resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

export async function startGateway(): Promise<Gateway> {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const url = `http://${HOST}:${port}`;
  const stateDir = mkdtempSync(join(tmpdir(), "hangup-gateway-state-"));
  applyLocalMigrations(stateDir, REPO_ROOT);
  const child = spawn(
    WRANGLER,
    [
      "dev",
      "--ip", HOST,
      "--port", String(port),
      "--inspector-port", String(inspectorPort),
      "--persist-to", stateDir,
      "--var", `ADMIN_TOKEN:${TEST_ADMIN_TOKEN}`,
      "--var", `CREDENTIALS_KEY:${TEST_CREDENTIALS_KEY}`,
      "--show-interactive-dev-session=false",
    ],
    { cwd: REPO_ROOT, env: { ...process.env, ...OFFLINE_WRANGLER_ENV }, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let output = "";
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS));
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, "SIGTERM");
      const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(stateDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, adminToken: TEST_ADMIN_TOKEN, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  await stop();
  throw new Error(`wrangler dev did not answer on ${url}/healthz within ${READY_TIMEOUT_MS / 1000} s:\n${output}`);
}
