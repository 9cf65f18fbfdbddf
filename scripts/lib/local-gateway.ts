/**
 * The one way scripts run the gateway locally (the bench, the load run, the profiler): the bundle
 * `wrangler deploy --dry-run` builds (./gateway-build.ts), in workerd, through Miniflare's programmatic
 * API, with state in a directory the caller owns. Optionally the bench's two baselines run in the same
 * workerd process, the bare pass-through Worker (bench/passthrough-worker.js) and the platform floor
 * (bench/floor-worker.js), so all three share the runtime, the CPU and whatever else the machine does at
 * that moment, which is what makes their ratios meaningful. Each Worker gets its own direct socket on
 * 127.0.0.1: nothing of Miniflare's routing sits in front of any.
 *
 * The gateway's bindings come from wrangler.toml through wrangler's own translation
 * (`unstable_getMiniflareWorkerOptions`), so a binding added there (a Durable Object, a queue, a rate
 * limiter) is here too, as in `wrangler dev`. Three things are set here instead: the vars are
 * wrangler.toml's only (a developer's .dev.vars must not change the figures), the secrets are fresh,
 * and the tenant rate limit is the caller's (by default one no run reaches: the limiter is still asked
 * on every request, so its cost is measured, it just never says no to one tenant sending thousands a
 * minute).
 *
 * D1 databases get wrangler.toml's migrations (each database's `migrations_dir`, default migrations/),
 * applied as `wrangler d1 migrations apply` does (same files, same `d1_migrations` table), before the
 * gateway answers its first request.
 */
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { childProcesses } from "./process-stats";
import type { GatewayBuild } from "./gateway-build";

const PASSTHROUGH_SCRIPT = resolve("bench/passthrough-worker.js");
const FLOOR_SCRIPT = resolve("bench/floor-worker.js");
const WRANGLER_CONFIG = "wrangler.toml";
const UNREACHABLE_RATE_LIMIT = 1_000_000_000;
const GATEWAY = "gateway";
const PASSTHROUGH = "passthrough";
const FLOOR = "floor";
/** The runtime's last lines of output, shown if something fails; the access log's info lines are not kept. */
const KEPT_OUTPUT_LINES = 40;
const ROUTINE_LINE = /"level":"info"/;

type RateLimiterOptions = NonNullable<WorkerOptions["ratelimits"]>[string];

export interface LocalGatewayOptions {
  build: GatewayBuild;
  /** Where KV and Durable Objects keep their files. */
  storageDir: string;
  /** Requests per tenant per minute; by default out of any run's reach. */
  tenantRateLimitPerMinute?: number;
  /** Also run the baselines (the bare pass-through Worker and the platform floor), in front of this provider. */
  passthrough?: { providerUrl: string; auth: { auth_id: string; auth_token: string } };
}

export interface LocalGateway {
  gatewayUrl: string;
  /** null unless started with `passthrough`. */
  passthroughUrl: string | null;
  /** The platform floor (bench/floor-worker.js); null unless started with `passthrough`. */
  floorUrl: string | null;
  adminToken: string;
  /** The workerd process (for its memory and CPU), or null where /proc is not available. */
  workerdPid: number | null;
  /** The gateway's Durable Object of that binding and name (src/objects.ts), for RPC from Node. */
  durableObject(binding: string, objectName: string): Promise<ReturnType<Awaited<ReturnType<Miniflare["getDurableObjectNamespace"]>>["get"]>>;
  /** The gateway's queue producer of that binding (CALL_INDEX), to feed its consumer as call objects do. */
  queueProducer(binding: string): ReturnType<Miniflare["getQueueProducer"]>;
  /** The gateway's D1 database of that binding (CALL_INDEX_DB). */
  d1Database(binding: string): ReturnType<Miniflare["getD1Database"]>;
  recentOutput(): string;
  close(): Promise<void>;
}

/** Applies the database's migrations not yet recorded in its `d1_migrations` table, each in one batch. */
async function applyMigrations(db: Awaited<ReturnType<Miniflare["getD1Database"]>>, dir: string): Promise<void> {
  await db.prepare("CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)").run();
  const applied = new Set((await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results.map((row) => row.name));
  for (const migration of await readD1Migrations(dir)) {
    if (applied.has(migration.name)) continue;
    await db.batch([...migration.queries.map((sql) => db.prepare(sql)), db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(migration.name)]);
  }
}

export async function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
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
  const limit = options.tenantRateLimitPerMinute ?? UNREACHABLE_RATE_LIMIT;
  const configuredLimiters: Record<string, RateLimiterOptions> = configured.ratelimits ?? {};
  const ratelimits = Object.fromEntries(
    Object.entries(configuredLimiters).map(([name, limiter]) => [name, { ...limiter, simple: { ...limiter.simple, limit } }]),
  );
  const scriptPath = options.build.scriptPath;

  const workerdBefore = new Set(childProcesses("workerd"));
  const workers: WorkerOptions[] = [
    {
      ...configured,
      name: GATEWAY,
      modules: true,
      scriptPath,
      // The bundle is ES modules (Miniflare would take an imported .js for CommonJS).
      modulesRules: [{ type: "ESModule", include: ["**/*.js"] }],
      // Module names are paths relative to this root; the bundle lives outside the working directory.
      modulesRoot: dirname(scriptPath),
      bindings: { ...unstable_readConfig({ config: WRANGLER_CONFIG }).vars, ADMIN_TOKEN: adminToken, CREDENTIALS_KEY: randomBytes(32).toString("base64") },
      ratelimits,
      unsafeDirectSockets: directSocket,
    },
  ];
  if (options.passthrough) {
    const baseline = {
      modules: true,
      // The same runtime behaviour as the gateway's.
      compatibilityDate: configured.compatibilityDate,
      compatibilityFlags: configured.compatibilityFlags,
      bindings: { PROVIDER_URL: options.passthrough.providerUrl, AUTH_ID: options.passthrough.auth.auth_id, AUTH_TOKEN: options.passthrough.auth.auth_token },
      unsafeDirectSockets: directSocket,
    } satisfies WorkerOptions;
    workers.push({ ...baseline, name: PASSTHROUGH, scriptPath: PASSTHROUGH_SCRIPT });
    workers.push({
      ...baseline,
      name: FLOOR,
      scriptPath: FLOOR_SCRIPT,
      kvNamespaces: ["FLOOR_KV"],
      durableObjects: { FLOOR_CALLS: { className: "FloorCall", useSQLite: true } },
      // The gateway's own consumer settings (wrangler.toml): batches of up to 100, or what came within 1 s.
      queueProducers: { FLOOR_INDEX: { queueName: "floor-index" } },
      queueConsumers: { "floor-index": { maxBatchSize: 100, maxBatchTimeout: 1 } },
      d1Databases: ["FLOOR_DB"],
    });
  }
  const mf = new Miniflare({
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      keep(stdout);
      keep(stderr);
    },
    kvPersist: join(options.storageDir, "kv"),
    durableObjectsPersist: durableObjectDir,
    d1Persist: join(options.storageDir, "d1"),
    workers,
  });
  try {
    const gatewayUrl = (await mf.unsafeGetDirectURL(GATEWAY)).origin;
    for (const database of unstable_readConfig({ config: WRANGLER_CONFIG }).d1_databases) {
      await applyMigrations(await mf.getD1Database(database.binding, GATEWAY), database.migrations_dir ?? "migrations");
    }
    const passthroughUrl = options.passthrough ? (await mf.unsafeGetDirectURL(PASSTHROUGH)).origin : null;
    const floorUrl = options.passthrough ? (await mf.unsafeGetDirectURL(FLOOR)).origin : null;
    // Ours is the workerd child that was not there before (a bench may run two at once).
    const workerdPid = childProcesses("workerd").find((pid) => !workerdBefore.has(pid)) ?? null;
    return {
      gatewayUrl,
      passthroughUrl,
      floorUrl,
      adminToken,
      workerdPid,
      async durableObject(binding, objectName) {
        const namespace = await mf.getDurableObjectNamespace(binding, GATEWAY);
        return namespace.get(namespace.idFromName(objectName));
      },
      queueProducer: (binding) => mf.getQueueProducer(binding, GATEWAY),
      d1Database: (binding) => mf.getD1Database(binding, GATEWAY),
      recentOutput: () => output.join("\n"),
      close: () => mf.dispose(),
    };
  } catch (error) {
    await mf.dispose().catch(() => undefined); // it fails again with the same startup error
    throw new Error(`workerd did not start: ${error instanceof Error ? error.message : String(error)}\n${output.join("\n")}`);
  }
}
