/**
 * The bench's counting entry (scripts/bench/counts.ts): the Worker exactly as src/index.ts exports it, with
 * what a request costs counted from outside the production code, and the connection's health object and the
 * policy counters made slow on demand. Built by scripts/lib/gateway-build.ts with this file as the entry,
 * only for the counts: the timed runs and the bundle size use the plain bundle. Never deployed. Locally the
 * Worker and every Durable Object share one isolate, so module-level counters see them all.
 *
 * - GATEWAY_KV reads, by the Worker and every Durable Object.
 * - Calls to Durable Objects through every binding, from the Worker and from the objects: one made while a
 *   request was being answered and completed before it answered is one that request waited for (`awaited`);
 *   any other is `background` (view refreshes, a watch judging a call after its callback was answered).
 *   Counted runs send one request at a time with the slow objects 150 ms slow, so that a call nobody waits
 *   for completes long after its request answered.
 * - Each call object's SQL (statements, rows read and written as its cursors report them) and its alarms,
 *   counted since the object started, answered by its `benchStats()` RPC.
 *
 * CONTROL_PATH answers the counts (GET), or resets them and sets which bindings are slow and by how much
 * (POST `?delay_ms=150&slow=CONNECTION_HEALTH&slow=POLICY_COUNTERS`): a call through a slow binding waits
 * that long before it is made, whichever method it calls.
 */
import gateway, {
  BulkHangupJob as GatewayBulkHangupJob,
  CallObject,
  ConnectionHealth as GatewayConnectionHealth,
  PolicyCounter as GatewayPolicyCounter,
  ProviderPace as GatewayProviderPace,
} from "../src/index";

/** scripts/bench/counts.ts asks here. */
const CONTROL_PATH = "/__bench/counts";

export interface IsolateCounts {
  /** Requests answered by the Worker (this path's own excepted). */
  requests: number;
  kvReads: number;
  /** Per binding: calls a request waited for. */
  awaited: Record<string, number>;
  /** Per binding: calls no request waited for. */
  background: Record<string, number>;
}

export interface BenchStats {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  alarmsRun: number;
  databaseSize: number;
}

const fresh = (): IsolateCounts => ({ requests: 0, kvReads: 0, awaited: {}, background: {} });
let counts = fresh();
let slow = { delayMs: 0, bindings: new Set<string>() };
/** The request being answered (counted runs send one at a time), or null. */
let answering: { answered: boolean } | null = null;

/** One proxy per wrapped object: the gateway caches per KVNamespace, and a proxy per request would defeat that. */
const proxies = new WeakMap<object, object>();
function once<T extends object>(target: T, wrap: (target: T) => T): T {
  let proxy = proxies.get(target) as T | undefined;
  if (!proxy) proxies.set(target, (proxy = wrap(target)));
  return proxy;
}

/** `target` with `replace(name, value)` in place of each property it answers for; methods come bound to `target`. */
function replacing<T extends object>(target: T, replace: (name: PropertyKey, value: unknown) => unknown): T {
  return new Proxy(target, {
    get(inner, property) {
      const value: unknown = Reflect.get(inner, property, inner);
      const bound = typeof value === "function" ? (...args: unknown[]) => (value as (...args: unknown[]) => unknown).apply(inner, args) : value;
      return replace(property, bound) ?? bound;
    },
  });
}

const countingKv = (kv: KVNamespace) =>
  replacing(kv, (name, get) =>
    name === "get" || name === "getWithMetadata"
      ? (keys: unknown, ...rest: unknown[]) => {
          counts.kvReads += Array.isArray(keys) ? keys.length : 1;
          return (get as (...args: unknown[]) => unknown)(keys, ...rest);
        }
      : undefined,
  );

/** Counts the call once it completes: awaited if the request it was made for has not answered yet. */
function counted(binding: string, call: () => unknown): unknown {
  const request = answering;
  const result = slow.bindings.has(binding) && slow.delayMs > 0 ? new Promise((resolve) => setTimeout(resolve, slow.delayMs)).then(call) : call();
  const count = () => {
    const into = request !== null && !request.answered ? counts.awaited : counts.background;
    into[binding] = (into[binding] ?? 0) + 1;
  };
  Promise.resolve(result).then(count, count);
  return result;
}

function countingStub(stub: object, binding: string): object {
  return new Proxy(stub, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function" || property === "then") return value;
      // Called on the stub itself: an RPC method taken off a stub does not survive apply().
      return (...args: unknown[]) => counted(binding, () => (target as Record<PropertyKey, (...args: unknown[]) => unknown>)[property]!(...args));
    },
  });
}

const countingNamespace = <T extends object>(namespace: T, binding: string): T =>
  replacing(namespace, (name, get) =>
    name === "get" || name === "getByName" ? (...args: unknown[]) => countingStub((get as (...args: unknown[]) => object)(...args), binding) : undefined,
  );

const counting = (env: Env): Env =>
  once(env, (env) => {
    const wrapped: Record<string, unknown> = { ...env, GATEWAY_KV: once(env.GATEWAY_KV, countingKv) };
    // Every Durable Object binding, whatever wrangler.toml adds.
    for (const [binding, value] of Object.entries(env)) {
      if (typeof (value as Partial<DurableObjectNamespace>).idFromName === "function") wrapped[binding] = once(value as DurableObjectNamespace, (namespace) => countingNamespace(namespace, binding));
    }
    return wrapped as unknown as Env;
  });

/**
 * Makes `ctx.storage.sql.exec` remember each cursor it returns, as the object sees it. The state itself must
 * stay the runtime's own (the base class refuses anything else), so its `storage` is shadowed by an own
 * property: a view of the same storage whose `sql` is a view of the same SQL.
 */
function countStatements(ctx: DurableObjectState, cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[]): void {
  const sql = replacing(ctx.storage.sql, (name, exec) =>
    name === "exec"
      ? (...args: unknown[]) => {
          const cursor = (exec as (...args: unknown[]) => SqlStorageCursor<Record<string, SqlStorageValue>>)(...args);
          cursors.push(cursor);
          return cursor;
        }
      : undefined,
  );
  Object.defineProperty(ctx, "storage", { value: replacing(ctx.storage, (name) => (name === "sql" ? sql : undefined)) });
}

/** Counts in `#` fields, which cannot clash with anything the class declares. */
class CountingCallObject extends CallObject {
  readonly #cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[];
  #alarms = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
    countStatements(ctx, cursors);
    super(ctx, counting(env));
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

/** `Base` with its env's bindings counted (a mixin's constructor takes any[]). */
function countingObject<T extends new (...args: any[]) => object>(Base: T): T {
  return class extends Base {
    constructor(...args: any[]) {
      super(args[0], counting(args[1] as Env));
    }
  };
}

// Exported under the names wrangler.toml binds.
export { CountingCallObject as CallObject };
export const ConnectionHealth = countingObject(GatewayConnectionHealth);
export const PolicyCounter = countingObject(GatewayPolicyCounter);
export const BulkHangupJob = countingObject(GatewayBulkHangupJob);
export const ProviderPace = countingObject(GatewayProviderPace);

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === CONTROL_PATH) {
      if (request.method === "POST") {
        counts = fresh();
        slow = { delayMs: Number(url.searchParams.get("delay_ms") ?? 0), bindings: new Set(url.searchParams.getAll("slow")) };
      }
      return Response.json(counts);
    }
    const current = { answered: false };
    answering = current;
    counts.requests++;
    try {
      return await gateway.fetch(request, counting(env), ctx);
    } finally {
      current.answered = true;
      if (answering === current) answering = null;
    }
  },
  queue: (batch, env) => gateway.queue(batch, counting(env)),
} satisfies ExportedHandler<Env>;
