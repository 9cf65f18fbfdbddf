/**
 * The bench's counting entry (scripts/bench/hangup-counts.ts): the Worker exactly as src/index.ts
 * exports it, with what a plain hangup costs counted from outside the production code. Built by
 * scripts/lib/gateway-build.ts with this file as the entry, only for the counts: the timed runs and the
 * bundle size use the plain bundle. Never deployed.
 *
 * - GATEWAY_KV reads, by the Worker and every Durable Object: one counter for the isolate (locally the
 *   Worker and its objects share one), answered at COUNTS_PATH.
 * - Each call object's SQL (statements, and rows read and written as its cursors report them) and its
 *   alarms, counted since the object started, answered by its `benchStats()` RPC.
 */
import gateway, { BulkHangupJob, CallObject, ConnectionHealth } from "../src/index";

/** Where the Worker answers its KV read count (scripts/bench/hangup-counts.ts asks it). */
const COUNTS_PATH = "/__bench/kv-reads";

let kvReads = 0;
const KV_READS = new Set<PropertyKey>(["get", "getWithMetadata"]);
// One proxy per namespace object: the gateway caches records per KVNamespace, so a new proxy per
// request would defeat that cache and count reads a real isolate never makes.
const countingNamespaces = new WeakMap<KVNamespace, KVNamespace>();

function countingKv(kv: KVNamespace): KVNamespace {
  let counted = countingNamespaces.get(kv);
  if (!counted) {
    counted = new Proxy(kv, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        if (!KV_READS.has(property)) return value.bind(target);
        return (keys: string | string[], ...rest: unknown[]) => {
          kvReads += Array.isArray(keys) ? keys.length : 1;
          return value.call(target, keys, ...rest);
        };
      },
    });
    countingNamespaces.set(kv, counted);
  }
  return counted;
}

const withCountingKv = (env: Env): Env => ({ ...env, GATEWAY_KV: countingKv(env.GATEWAY_KV) });

export interface BenchStats {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  alarmsRun: number;
  databaseSize: number;
}

/**
 * Makes `ctx.storage.sql.exec` remember each cursor it returns, as the object sees it. The state itself must
 * stay the runtime's own (the base class refuses anything else), so its `storage` is shadowed by an own
 * property: a view of the same storage whose `sql` is a view of the same SQL.
 */
function countStatements(ctx: DurableObjectState, cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[]): void {
  const forward = <T extends object>(target: T, replaced: PropertyKey, by: unknown): T =>
    new Proxy(target, {
      get(inner, property) {
        if (property === replaced) return by;
        const value: unknown = Reflect.get(inner, property, inner);
        return typeof value === "function" ? value.bind(inner) : value;
      },
    });
  const sql = ctx.storage.sql;
  const exec = (query: string, ...bindings: SqlStorageValue[]) => {
    const cursor = sql.exec(query, ...bindings);
    cursors.push(cursor);
    return cursor;
  };
  Object.defineProperty(ctx, "storage", { value: forward(ctx.storage, "sql", forward(sql, "exec", exec)) });
}

/** Counts in `#` fields, which cannot clash with anything the class declares. */
class CountingCallObject extends CallObject {
  readonly #cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[];
  #alarms = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
    countStatements(ctx, cursors);
    super(ctx, withCountingKv(env));
    this.#cursors = cursors;
  }

  override async alarm(...args: Parameters<CallObject["alarm"]>): Promise<void> {
    this.#alarms++;
    await super.alarm(...args);
  }

  benchStats(): BenchStats {
    return {
      statements: this.#cursors.length,
      rowsRead: this.#cursors.reduce((sum, cursor) => sum + cursor.rowsRead, 0),
      rowsWritten: this.#cursors.reduce((sum, cursor) => sum + cursor.rowsWritten, 0),
      alarmsRun: this.#alarms,
      databaseSize: this.ctx.storage.sql.databaseSize,
    };
  }
}

class CountingConnectionHealth extends ConnectionHealth {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, withCountingKv(env));
  }
}

class CountingBulkHangupJob extends BulkHangupJob {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, withCountingKv(env));
  }
}

// Exported under the names wrangler.toml binds.
export { CountingBulkHangupJob as BulkHangupJob, CountingCallObject as CallObject, CountingConnectionHealth as ConnectionHealth };

export default {
  fetch: (request, env, ctx) =>
    new URL(request.url).pathname === COUNTS_PATH ? Response.json({ kvReads }) : gateway.fetch(request, withCountingKv(env), ctx),
  queue: (batch, env) => gateway.queue(batch, withCountingKv(env)),
} satisfies ExportedHandler<Env>;
