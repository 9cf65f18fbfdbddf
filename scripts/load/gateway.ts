/**
 * The gateway as it would be deployed, running locally for the load run: the bundle of
 * `wrangler deploy --dry-run` loaded into workerd through Miniflare's programmatic API, with the bindings
 * wrangler.toml declares (read through wrangler itself, so a binding added there is here too), fresh
 * random secrets (never the developer's .dev.vars), and state in a temporary directory.
 *
 * The one departure from wrangler.toml is the tenant rate limit, which the caller sets: the load run is
 * one tenant sending thousands of hangups a minute on purpose, and measures loss, not the limiter.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { OFFLINE_WRANGLER_ENV } from "../lib/wrangler-env";

const WRANGLER_CONFIG = resolve("wrangler.toml");
const BUNDLE_NAME = "index.js";
/** The runtime's last lines of output, shown if something fails. */
const KEPT_OUTPUT_LINES = 40;

export interface LocalGateway {
  url: string;
  adminToken: string;
  recentOutput(): string;
  close(): Promise<void>;
}

interface RateLimitConfig {
  simple: { limit: number; period?: number };
}

export const BUILD_COMMAND = "npx wrangler deploy --dry-run --outdir <tmp>";

async function buildBundle(outdir: string): Promise<string> {
  const args = ["wrangler", "deploy", "--dry-run", "--outdir", outdir];
  try {
    await promisify(execFile)("npx", args, { env: { ...process.env, ...OFFLINE_WRANGLER_ENV }, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`the gateway did not build (npx ${args.join(" ")}):\n${output.stdout ?? ""}${output.stderr ?? ""}`);
  }
  return join(outdir, BUNDLE_NAME);
}

export async function startGateway(options: { workDir: string; tenantRateLimitPerMinute: number }): Promise<LocalGateway> {
  const scriptPath = await buildBundle(join(options.workDir, "dist"));
  const { workerOptions } = unstable_getMiniflareWorkerOptions(WRANGLER_CONFIG);
  const adminToken = randomBytes(24).toString("base64url");
  const output: string[] = [];
  const keep = (stream: Readable) =>
    stream.on("data", (chunk: Buffer) => {
      output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      output.splice(0, Math.max(0, output.length - KEPT_OUTPUT_LINES));
    });

  const mf = new Miniflare({
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      keep(stdout);
      keep(stderr);
    },
    kvPersist: join(options.workDir, "kv"),
    durableObjectsPersist: join(options.workDir, "durable-objects"),
    workers: [
      {
        ...workerOptions,
        name: "gateway",
        modules: true,
        modulesRules: [],
        // Module names are paths relative to this root; the default (the working directory) is not above the bundle.
        modulesRoot: dirname(scriptPath),
        scriptPath,
        bindings: { ...workerOptions.bindings, ADMIN_TOKEN: adminToken, CREDENTIALS_KEY: randomBytes(32).toString("base64") },
        ratelimits: Object.fromEntries(
          Object.entries((workerOptions.ratelimits ?? {}) as Record<string, RateLimitConfig>).map(([name, config]) => [
            name,
            { ...config, simple: { ...config.simple, limit: options.tenantRateLimitPerMinute } },
          ]),
        ),
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      },
    ],
  });
  try {
    const url = await mf.unsafeGetDirectURL("gateway");
    return { url: url.origin, adminToken, recentOutput: () => output.join("\n"), close: () => mf.dispose() };
  } catch (error) {
    await mf.dispose();
    throw new Error(`workerd did not start: ${error instanceof Error ? error.message : String(error)}\n${output.join("\n")}`);
  }
}
