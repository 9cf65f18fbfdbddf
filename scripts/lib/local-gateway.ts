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
 * `countKvReads` loads the bundle behind a small entry module (written next to it) that hands the
 * Worker and every Durable Object a GATEWAY_KV that counts reads; `kvReads()` answers the count. It
 * costs a little CPU per read, so only the counting part of the bench uses it, never a timed one.
 *
 * D1 databases get wrangler.toml's migrations (each database's `migrations_dir`, default migrations/),
 * applied as `wrangler d1 migrations apply` does (same files, same `d1_migrations` table), before the
 * gateway answers its first request.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { childProcesses, processMemory } from "../bench/process-stats";
import type { GatewayBuild } from "./gateway-build";

const PASSTHROUGH_SCRIPT = resolve("bench/passthrough-worker.js");
const FLOOR_SCRIPT = resolve("bench/floor-worker.js");
const WRANGLER_CONFIG = "wrangler.toml";
const UNREACHABLE_RATE_LIMIT = 1_000_000_000;
const GATEWAY = "gateway";
const PASSTHROUGH = "passthrough";
const FLOOR = "floor";
const KV_BINDING = "GATEWAY_KV";
const KV_COUNTER_PATH = "/__local-gateway/kv-reads";
export const COUNTING_ENTRY = "kv-counting-entry.js";
/** The runtime's last lines of output, shown if something fails; the access log's info lines are not kept. */
const KEPT_OUTPUT_LINES = 40;
const ROUTINE_LINE = /"level":"info"/;

type RateLimiterOptions = NonNullable<WorkerOptions["ratelimits"]>[string];

/** What the bench's counting build of the call object reports (production code has no counters). */
export interface StorageStats {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  alarmsRun: number;
  databaseSize: number;
}

export interface LocalGatewayOptions {
  build: GatewayBuild;
  /** Where KV and Durable Objects keep their files. */
  storageDir: string;
  /** Requests per tenant per minute; by default out of any run's reach. */
  tenantRateLimitPerMinute?: number;
  /** Also run the baselines (the bare pass-through Worker and the platform floor), in front of this provider. */
  passthrough?: { providerUrl: string; auth: { auth_id: string; auth_token: string } };
  /** Open workerd's DevTools endpoint (for profiles). */
  inspect?: boolean;
  countKvReads?: boolean;
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
  /** workerd's resident set once the Workers answered, before any measurement (null without /proc). */
  rssAtStartBytes: number | null;
  /** Where Durable Objects keep their SQLite files. */
  durableObjectDir: string;
  /** The DevTools endpoint (http://127.0.0.1:port) when started with `inspect`, else null. */
  inspectorUrl: string | null;
  /** GATEWAY_KV reads (keys asked for) by the Worker and its objects since start; needs `countKvReads`. */
  kvReads(): Promise<number>;
  /** The call object's own storage counters (`storageStats()` RPC), by object name (src/storage-keys.ts). */
  storageStats(objectName: string): Promise<StorageStats>;
  /** The id (hex) of the CALLS object of that name: its SQLite file is named after it. */
  callObjectId(objectName: string): Promise<string>;
  /** The gateway's queue producer of that binding (CALL_INDEX), to feed its consumer as call objects do. */
  queueProducer(binding: string): ReturnType<Miniflare["getQueueProducer"]>;
  /** The gateway's D1 database of that binding (CALL_INDEX_DB). */
  d1Database(binding: string): ReturnType<Miniflare["getD1Database"]>;
  recentOutput(): string;
  close(): Promise<void>;
}

/**
 * The entry module of a counting run: the bundle's own exports, with GATEWAY_KV wrapped for the
 * Worker's handlers and for each Durable Object class. Locally the Worker and its objects share one
 * isolate, so one module-level counter sees them all.
 */
function countingEntry(classNames: string[]): string {
  return `import gateway from "./index.js";
import * as bundle from "./index.js";
export * from "./index.js";
let reads = 0;
const READS = new Set(["get", "getWithMetadata"]);
// One proxy per namespace object: the gateway caches records per KVNamespace (a WeakMap), so a new
// proxy per request would defeat that cache and count reads a real isolate never makes.
const proxies = new WeakMap();
function countingKv(kv) {
  let proxy = proxies.get(kv);
  if (!proxy) proxies.set(kv, (proxy = makeCountingKv(kv)));
  return proxy;
}
function makeCountingKv(kv) {
  return new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (!READS.has(property)) return value.bind(target);
      return (keys, ...rest) => {
        reads += Array.isArray(keys) ? keys.length : 1;
        return value.call(target, keys, ...rest);
      };
    },
  });
}
const counted = (env) => ({ ...env, ${KV_BINDING}: countingKv(env.${KV_BINDING}) });
const handlers = {};
for (const [name, handler] of Object.entries(gateway)) {
  handlers[name] = typeof handler === "function" ? (event, env, ctx) => handler.call(gateway, event, counted(env), ctx) : handler;
}
const fetchGateway = handlers.fetch;
handlers.fetch = (request, env, ctx) =>
  new URL(request.url).pathname === ${JSON.stringify(KV_COUNTER_PATH)} ? Response.json({ reads }) : fetchGateway(request, env, ctx);
export default handlers;
${classNames.map((name) => `export class ${name} extends bundle.${name} {\n  constructor(ctx, env) {\n    super(ctx, counted(env));\n  }\n}`).join("\n")}
`;
}

function durableObjectClassNames(configured: WorkerOptions): string[] {
  const bindings = Object.values(configured.durableObjects ?? {}) as (string | { className: string })[];
  return bindings.map((binding) => (typeof binding === "string" ? binding : binding.className));
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
  let scriptPath = options.build.scriptPath;
  if (options.countKvReads) {
    scriptPath = join(dirname(options.build.scriptPath), COUNTING_ENTRY);
    writeFileSync(scriptPath, countingEntry(durableObjectClassNames(configured)));
  }

  const workerdBefore = new Set(childProcesses("workerd"));
  const workers: WorkerOptions[] = [
    {
      ...configured,
      name: GATEWAY,
      modules: true,
      scriptPath,
      // The bundle and the counting entry are both ES modules (Miniflare would take an imported .js for CommonJS).
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
    ...(options.inspect ? { inspectorPort: 0 } : {}),
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
    const inspectorUrl = options.inspect ? (await mf.getInspectorURL()).href.replace(/^ws:/, "http:").replace(/\/$/, "") : null;
    const callObjects = () => mf.getDurableObjectNamespace("CALLS", GATEWAY);
    return {
      gatewayUrl,
      passthroughUrl,
      floorUrl,
      adminToken,
      workerdPid,
      rssAtStartBytes: workerdPid === null ? null : (processMemory(workerdPid)?.rssBytes ?? null),
      durableObjectDir,
      inspectorUrl,
      async kvReads() {
        if (!options.countKvReads) throw new Error("kvReads() needs a gateway started with countKvReads");
        const { reads } = (await (await fetch(gatewayUrl + KV_COUNTER_PATH)).json()) as { reads: number };
        return reads;
      },
      async storageStats(objectName) {
        const namespace = await callObjects();
        const stub = namespace.get(namespace.idFromName(objectName)) as unknown as { storageStats(): Promise<StorageStats> };
        // The answer is a proxy into workerd, dead once Miniflare is disposed: copy it out.
        const { statements, rowsRead, rowsWritten, alarmsRun, databaseSize } = await stub.storageStats();
        return { statements, rowsRead, rowsWritten, alarmsRun, databaseSize };
      },
      async callObjectId(objectName) {
        return (await callObjects()).idFromName(objectName).toString();
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
