/**
 * Both Workers in one workerd process, through Miniflare's programmatic API: the gateway bundle and the
 * bare pass-through baseline. Each Worker gets its own direct socket on 127.0.0.1, so the client talks
 * HTTP straight to it, with nothing of Miniflare's own routing in front of either. Being in the same
 * process, the two share the runtime, the CPU and whatever else the machine is doing at that moment,
 * which is what makes their ratio meaningful.
 *
 * The gateway's bindings come from wrangler.toml through wrangler's own translation
 * (`unstable_getMiniflareWorkerOptions`), so a binding added there (a Durable Object, a rate limiter)
 * is in the benchmark too, as it is in `wrangler dev`. Three things are set here instead: the vars are
 * wrangler.toml's only (a developer's .dev.vars must not change the figures), the secrets are fresh,
 * and the rate limit is one no benchmark reaches: the limiter is still asked on every request (its
 * cost is measured), it just never says no to the thousands of requests a minute one tenant sends.
 */
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { FAKE_AUTH_ID, FAKE_AUTH_TOKEN } from "./fake-provider";
import { childProcesses, processMemory } from "./process-stats";

const PASSTHROUGH_SCRIPT = resolve("bench/passthrough-worker.js");
const WRANGLER_CONFIG = "wrangler.toml";
const UNREACHABLE_RATE_LIMIT = 1_000_000_000;
const GATEWAY = "gateway";
const PASSTHROUGH = "passthrough";
/** The runtime's last lines of output, shown if something fails; the access log's info lines are not kept. */
const KEPT_OUTPUT_LINES = 40;
const ROUTINE_LINE = /"level":"info"/;

type RateLimiterOptions = NonNullable<WorkerOptions["ratelimits"]>[string];

export interface Runtime {
  gatewayUrl: string;
  passthroughUrl: string;
  adminToken: string;
  /** The workerd process (for its memory and CPU), or null where /proc is not available. */
  workerdPid: number | null;
  /** workerd's resident set once both Workers answered, before any measurement (null without /proc). */
  rssAtStartBytes: number | null;
  /** Where Durable Objects keep their SQLite files. */
  durableObjectDir: string;
  /** The DevTools endpoint (http://127.0.0.1:port) when started with `inspect`, else null. */
  inspectorUrl: string | null;
  recentOutput(): string;
  close(): Promise<void>;
}

export async function startRuntime(options: { gatewayScript: string; providerUrl: string; storageDir: string; inspect?: boolean }): Promise<Runtime> {
  const adminToken = randomBytes(24).toString("base64url");
  const durableObjectDir = join(options.storageDir, "durable-objects");
  const output: string[] = [];
  const keep = (stream: Readable) =>
    stream.on("data", (chunk: Buffer) => {
      output.push(...chunk.toString("utf8").split("\n").filter((line) => line && !ROUTINE_LINE.test(line)));
      output.splice(0, Math.max(0, output.length - KEPT_OUTPUT_LINES));
    });
  const directSocket = [{ host: "127.0.0.1", port: 0 }];
  const { workerOptions: configured } = unstable_getMiniflareWorkerOptions(WRANGLER_CONFIG);
  const configuredLimiters: Record<string, RateLimiterOptions> = configured.ratelimits ?? {};
  const ratelimits = Object.fromEntries(
    Object.entries(configuredLimiters).map(([name, limiter]) => [name, { ...limiter, simple: { ...limiter.simple, limit: UNREACHABLE_RATE_LIMIT } }]),
  );

  const workerdBefore = new Set(childProcesses("workerd"));
  const mf = new Miniflare({
    ...(options.inspect ? { inspectorPort: 0 } : {}),
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      keep(stdout);
      keep(stderr);
    },
    kvPersist: join(options.storageDir, "kv"),
    durableObjectsPersist: durableObjectDir,
    workers: [
      {
        ...configured,
        name: GATEWAY,
        modules: true,
        scriptPath: options.gatewayScript,
        // Module names are paths relative to this root; the bundle lives outside the working directory.
        modulesRoot: dirname(options.gatewayScript),
        bindings: { ...unstable_readConfig({ config: WRANGLER_CONFIG }).vars, ADMIN_TOKEN: adminToken, CREDENTIALS_KEY: randomBytes(32).toString("base64") },
        ratelimits,
        unsafeDirectSockets: directSocket,
      },
      {
        name: PASSTHROUGH,
        modules: true,
        scriptPath: PASSTHROUGH_SCRIPT,
        // The same runtime behaviour as the gateway's.
        compatibilityDate: configured.compatibilityDate,
        compatibilityFlags: configured.compatibilityFlags,
        bindings: { PROVIDER_URL: options.providerUrl, AUTH_ID: FAKE_AUTH_ID, AUTH_TOKEN: FAKE_AUTH_TOKEN },
        unsafeDirectSockets: directSocket,
      },
    ],
  });
  try {
    const [gatewayUrl, passthroughUrl] = await Promise.all([mf.unsafeGetDirectURL(GATEWAY), mf.unsafeGetDirectURL(PASSTHROUGH)]);
    // Ours is the workerd child that was not there before (a bench may run two at once).
    const workerdPid = childProcesses("workerd").find((pid) => !workerdBefore.has(pid)) ?? null;
    const inspectorUrl = options.inspect ? (await mf.getInspectorURL()).href.replace(/^ws:/, "http:").replace(/\/$/, "") : null;
    return {
      gatewayUrl: gatewayUrl.origin,
      passthroughUrl: passthroughUrl.origin,
      adminToken,
      workerdPid,
      rssAtStartBytes: workerdPid === null ? null : (processMemory(workerdPid)?.rssBytes ?? null),
      durableObjectDir,
      inspectorUrl,
      recentOutput: () => output.join("\n"),
      close: () => mf.dispose(),
    };
  } catch (error) {
    await mf.dispose().catch(() => undefined); // it fails again with the same startup error
    throw new Error(`workerd did not start: ${error instanceof Error ? error.message : String(error)}\n${output.join("\n")}`);
  }
}
