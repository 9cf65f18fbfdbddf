/**
 * `npm start`: the gateway on localhost in workerd (wrangler dev) with local KV and Durable Object
 * state (its D1 schema applied by `wrangler d1 migrations apply`, as a deploy does), seeded so that a newcomer can hang up a sandbox call in one paste: local secrets, the demo
 * tenant and its key, a sandbox connection, and the policy in policies/default.yaml.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readFileSync, watch, writeFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { PolicyDocument } from "../src/policy/schema";
import { ensureDevSecrets } from "./lib/dev-vars";
import { expectOk, gatewayClient } from "./lib/gateway-client";
import { applyLocalMigrations } from "./lib/local-migrations";
import { writeStartConfig } from "./lib/start-config";
import { OFFLINE_WRANGLER_ENV } from "./lib/wrangler-env";

const PORT = Number(process.env.PORT ?? 8787);
const BASE = `http://127.0.0.1:${PORT}`;
const DEMO_TENANT = "demo";
const DEMO_CONNECTION = "sandbox";
const DEMO_KEY_FILE = ".wrangler/demo-key";
const POLICY_FILE = "policies/default.yaml";
const STATE_DIR = ".wrangler/state";
const READY_TIMEOUT_MS = 60_000;
const WRANGLER_BIN = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
const TSX_CLI = createRequire(import.meta.url).resolve("tsx/cli");
/** Editors write a file in several steps: one rebuild for them all. */
const REBUILD_DEBOUNCE_MS = 300;

const { vars, generated } = ensureDevSecrets();
if (generated.length) console.log(`Generated ${generated.join(" and ")} in .dev.vars (local only, git-ignored).`);

applyLocalMigrations(STATE_DIR);

/**
 * The assets wrangler's [build] command would write (scripts/lib/start-config.ts says why npm start runs
 * wrangler without it): once before wrangler starts, and again, in a fresh process (the routes' modules
 * are new), whenever a file under src/ changes, so /openapi.json follows the routes as they are edited.
 */
function buildAssets(): ChildProcess {
  return spawn(process.execPath, [TSX_CLI, "scripts/build-assets.ts"], { stdio: "inherit" });
}
const firstBuild = buildAssets();
const built = await new Promise<number | null>((resolve) => firstBuild.once("exit", resolve));
if (built !== 0) {
  console.error("npm start: scripts/build-assets.ts failed");
  process.exit(1);
}
let rebuild: { running: boolean; again: boolean } = { running: false, again: false };
function rebuildAssets(): void {
  if (rebuild.running) {
    rebuild.again = true;
    return;
  }
  rebuild = { running: true, again: false };
  buildAssets().once("exit", () => {
    const again = rebuild.again;
    rebuild = { running: false, again: false };
    if (again) rebuildAssets();
  });
}
let pending: NodeJS.Timeout | undefined;
watch("src", { recursive: true }, () => {
  clearTimeout(pending);
  pending = setTimeout(rebuildAssets, REBUILD_DEBOUNCE_MS);
});

// wrangler runs in its own process group so that stopping this script stops workerd too.
const wrangler = spawn(
  process.execPath,
  [WRANGLER_BIN, "dev", "--config", writeStartConfig("."), "--ip", "127.0.0.1", "--port", String(PORT), "--persist-to", STATE_DIR, "--show-interactive-dev-session=false"],
  { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ...OFFLINE_WRANGLER_ENV }, detached: true },
);
function stop(): void {
  try {
    process.kill(-wrangler.pid!, "SIGTERM");
  } catch {
    // already gone
  }
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("SIGHUP", stop);
process.on("exit", stop);
wrangler.on("exit", (code) => process.exit(code ?? 0));

async function waitUntilReady(): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${BASE}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the gateway did not answer on ${BASE} within ${READY_TIMEOUT_MS / 1000} s`);
}

const operator = gatewayClient(BASE, { adminToken: vars.ADMIN_TOKEN });

/** Reuses the demo key from an earlier start while it still works; issues a new one otherwise. */
async function demoKey(): Promise<string> {
  if (existsSync(DEMO_KEY_FILE)) {
    const key = readFileSync(DEMO_KEY_FILE, "utf8").trim();
    const probe = await gatewayClient(BASE, { apiKey: key }).v1.calls[":call_id"].$get({ param: { call_id: "probe" }, query: { connection: DEMO_CONNECTION } });
    if ((probe.status as number) !== 401) return key; // route types list only the success status
  }
  const { key } = await expectOk("demo key", operator.admin.tenants[":tenant"].keys.$post({ param: { tenant: DEMO_TENANT }, json: { name: "npm start" } }));
  mkdirSync(".wrangler", { recursive: true });
  writeFileSync(DEMO_KEY_FILE, key + "\n", { mode: 0o600 });
  return key;
}

async function seed(): Promise<void> {
  await waitUntilReady();
  await expectOk("demo tenant", operator.admin.tenants[":tenant"].$put({ param: { tenant: DEMO_TENANT }, json: { name: "Demo tenant" } }));
  await expectOk(
    "sandbox connection",
    operator.admin.tenants[":tenant"].connections[":connection"].$put({ param: { tenant: DEMO_TENANT, connection: DEMO_CONNECTION }, json: { provider: "sandbox", credentials: {} } }),
  );
  // The file is checked by the gateway itself, as `npm run policies -- publish` would.
  const policy = await expectOk("policy", operator.admin.policies.$put({ json: parseYaml(readFileSync(POLICY_FILE, "utf8")) as PolicyDocument }));
  const key = await demoKey();

  console.log(`
hangup-gateway is running on ${BASE}  (Ctrl-C stops it)
  admin token:   ${vars.ADMIN_TOKEN}   (from .dev.vars)
  demo tenant:   ${DEMO_TENANT}, connection "${DEMO_CONNECTION}" (the sandbox provider: no network)
  demo API key:  ${key}
  policy:        ${POLICY_FILE} published as ${policy.version}
  API reference: ${BASE}/docs

Hang up a sandbox call:
  curl -s -X POST ${BASE}/v1/calls/call-123/hangup \\
    -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\
    -d '{"connection":"${DEMO_CONNECTION}","reason":"trying the gateway"}'

Then read its record:
  curl -s '${BASE}/v1/calls/call-123?connection=${DEMO_CONNECTION}' -H 'Authorization: Bearer ${key}'

Other outcomes: call ids starting ended-, unknown-, fail-, flaky-, badauth- (see README, "The sandbox").
`);
}

seed().catch((error: unknown) => {
  console.error(`npm start could not seed the gateway: ${error instanceof Error ? error.message : String(error)}`);
  stop();
  process.exitCode = 1;
});
