/**
 * A hangup's critical path: the cross-object calls a plain hangup waits for (its own call object, and
 * nothing of the connection's health object while the isolate's view of the breaker is fresh), and what
 * a slow health object does to a plain hangup's latency.
 *
 * The gateway's bundle runs in a workerd of its own behind this file's entry module, which (1) hands the
 * Worker and every Durable Object namespaces whose stubs count their calls, and (2) replaces
 * ConnectionHealth by a subclass whose methods wait `delay` ms first (bench only; production code has no
 * such knob). Locally the Worker and all objects share one isolate, so one module-level counter sees all.
 *
 * Counting runs send one hangup at a time with the health object 150 ms slow: a call to it that
 * completes while its hangup has not answered yet is one the hangup waited for; the background refreshes
 * of the isolate's view complete long after theirs answered.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import type { PolicyDocument } from "../../src/policy/schema";
import type { GatewayBuild } from "../lib/gateway-build";
import { gatewayClient } from "../lib/gateway-client";
import type { FakeProvider } from "./fake-provider";
import { httpTarget, runLoad } from "./http-client";
import { ObjectPacer } from "../lib/object-pacing";
import { BENCH_CONNECTION } from "./policy-fixtures";
import { ms, type BudgetCheck, type Measurement } from "./report";
import { seedGateway } from "./seed";
import { summarize } from "../lib/stats";
import { Teardown } from "./teardown";

const ENTRY = "critical-path-entry.js";
const CONTROL_PATH = "/__bench/critical-path";
const SLOW_HEALTH_MS = 150;
/** The p50 a slow health object may add to a plain hangup. */
const P50_SHIFT_BUDGET_MS = 10;
const CONCURRENCIES = [1, 16];
const PLAN = {
  full: { warmup: 100, counted: 40, rounds: 4, perRound: { 1: 50, 16: 120 } as Record<number, number> },
  quick: { warmup: 20, counted: 10, rounds: 2, perRound: { 1: 10, 16: 32 } as Record<number, number> },
};

interface Counts {
  hangups: number;
  callObjectCalls: number;
  healthWaitedFor: number;
  healthInBackground: number;
}

/** The entry module: the bundle's exports, with counting namespaces and a ConnectionHealth that can be slow. */
function entryModule(classNames: string[]): string {
  const counted = classNames.filter((name) => name !== "ConnectionHealth");
  return `import gateway from "./index.js";
import * as bundle from "./index.js";
export * from "./index.js";
let delayMs = 0;
let counts;
let answering = null; // the hangup being answered (counting runs send one at a time)
const reset = () => (counts = { hangups: 0, callObjectCalls: 0, healthWaitedFor: 0, healthInBackground: 0 });
reset();
function countingStub(stub, onCall) {
  return new Proxy(stub, {
    get(target, property) {
      if (typeof property !== "string" || property === "then") return target[property];
      // Called as a method of the stub itself: an RPC method taken off a stub does not survive apply().
      return (...args) => onCall(target[property](...args));
    },
  });
}
function countingNamespace(namespace, onCall) {
  return new Proxy(namespace, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property !== "get" && property !== "getByName") return value.bind(target);
      return (...args) => countingStub(value.apply(target, args), onCall);
    },
  });
}
const onCallObject = (result) => (counts.callObjectCalls++, result);
const onHealth = (result) => {
  const hangup = answering;
  Promise.resolve(result).then(
    () => (hangup && !hangup.answered ? counts.healthWaitedFor++ : counts.healthInBackground++),
    () => {},
  );
  return result;
};
const envs = new WeakMap();
function counting(env) {
  let wrapped = envs.get(env);
  if (!wrapped) {
    wrapped = { ...env, CALLS: countingNamespace(env.CALLS, onCallObject), CONNECTION_HEALTH: countingNamespace(env.CONNECTION_HEALTH, onHealth) };
    envs.set(env, wrapped);
  }
  return wrapped;
}
const handlers = {};
for (const [name, handler] of Object.entries(gateway)) {
  handlers[name] = typeof handler === "function" ? (event, env, ctx) => handler.call(gateway, event, counting(env), ctx) : handler;
}
const fetchGateway = handlers.fetch;
handlers.fetch = async (request, env, ctx) => {
  const url = new URL(request.url);
  if (url.pathname === ${JSON.stringify(CONTROL_PATH)}) {
    if (request.method === "POST") {
      delayMs = Number(url.searchParams.get("delay") ?? 0);
      reset();
    }
    return Response.json(counts);
  }
  if (!url.pathname.endsWith("/hangup")) return fetchGateway(request, env, ctx);
  const hangup = { answered: false };
  answering = hangup;
  counts.hangups++;
  try {
    return await fetchGateway(request, env, ctx);
  } finally {
    hangup.answered = true;
    if (answering === hangup) answering = null;
  }
};
export default handlers;
const pause = () => (delayMs ? new Promise((resolve) => setTimeout(resolve, delayMs)) : undefined);
export class ConnectionHealth extends bundle.ConnectionHealth {
  constructor(ctx, env) {
    super(ctx, counting(env));
  }
  async sync(results) {
    await pause();
    return super.sync(results);
  }
  async admit() {
    await pause();
    return super.admit();
  }
}
${counted.map((name) => `export class ${name} extends bundle.${name} {\n  constructor(ctx, env) {\n    super(ctx, counting(env));\n  }\n}`).join("\n")}
`;
}

async function startGateway(build: GatewayBuild, storageDir: string, teardown: Teardown) {
  const { workerOptions: configured } = unstable_getMiniflareWorkerOptions("wrangler.toml");
  const classNames = (Object.values(configured.durableObjects ?? {}) as (string | { className: string })[]).map((b) => (typeof b === "string" ? b : b.className));
  const scriptPath = join(dirname(build.scriptPath), ENTRY);
  writeFileSync(scriptPath, entryModule(classNames));
  // The tenant rate limit out of reach, as in every bench run (scripts/lib/local-gateway.ts).
  const configuredLimiters: Record<string, NonNullable<WorkerOptions["ratelimits"]>[string]> = configured.ratelimits ?? {};
  const ratelimits = Object.fromEntries(
    Object.entries(configuredLimiters).map(([name, limiter]) => [name, { ...limiter, simple: { ...limiter.simple, limit: 1_000_000_000 } }]),
  );
  const adminToken = randomBytes(24).toString("base64url");
  const mf = new Miniflare({
    kvPersist: join(storageDir, "kv"),
    durableObjectsPersist: join(storageDir, "durable-objects"),
    d1Persist: join(storageDir, "d1"),
    workers: [
      {
        ...configured,
        name: "gateway",
        modules: true,
        scriptPath,
        modulesRules: [{ type: "ESModule", include: ["**/*.js"] }],
        modulesRoot: dirname(scriptPath),
        bindings: { ...unstable_readConfig({ config: "wrangler.toml" }).vars, ADMIN_TOKEN: adminToken, CREDENTIALS_KEY: randomBytes(32).toString("base64") },
        ratelimits,
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      } satisfies WorkerOptions,
    ],
  });
  teardown.add("workerd", () => mf.dispose());
  const url = (await mf.unsafeGetDirectURL("gateway")).origin;
  return { url, adminToken };
}

export async function measureCriticalPath(
  options: { build: GatewayBuild; provider: FakeProvider; storageDir: string; policy: PolicyDocument; teardown: Teardown },
  quick: boolean,
): Promise<Measurement> {
  // Its own workerd, stopped when this measurement ends (or with the bench's teardown, on Ctrl-C).
  const own = new Teardown();
  options.teardown.add("critical path", () => own.run());
  try {
    return await measure(options, own, quick);
  } finally {
    await own.run();
  }
}

async function measure(options: { build: GatewayBuild; provider: FakeProvider; storageDir: string; policy: PolicyDocument }, teardown: Teardown, quick: boolean): Promise<Measurement> {
  const plan = quick ? PLAN.quick : PLAN.full;
  const { url, adminToken } = await startGateway(options.build, options.storageDir, teardown);
  const { tenantKey } = await seedGateway(gatewayClient(url, { adminToken }), options.provider.url, options.policy);
  const target = httpTarget(url, Math.max(...CONCURRENCIES));
  teardown.add("client", () => target.close());
  // Every hangup a new call (a new Durable Object), paced as every bench paces them (./object-pacing.ts).
  const pacer = new ObjectPacer();
  let calls = 0;
  const hangups = (count: number, concurrency: number) =>
    runLoad(count, concurrency, async () => {
      const callId = `critical-path-${++calls}`;
      pacer.started();
      const exchange = await target.send("POST", `/v1/calls/${callId}/hangup`, {
        headers: { authorization: `Bearer ${tenantKey}` },
        json: { connection: BENCH_CONNECTION, reason: "benchmark" },
      });
      if (exchange.status !== 200 || (JSON.parse(exchange.body) as { status?: string }).status !== "terminated") {
        throw new Error(`critical path: hangup of ${callId} answered ${exchange.status}: ${exchange.body.slice(0, 500)}`);
      }
      return exchange;
    });
  const control = async (delay: number): Promise<Counts> => JSON.parse((await target.send("POST", `${CONTROL_PATH}?delay=${delay}`)).body) as Counts;
  const counts = async (): Promise<Counts> => JSON.parse((await target.send("GET", CONTROL_PATH)).body) as Counts;

  // Counted: one hangup at a time, the health object slow, right after a warm-up (so the view is fresh).
  await control(SLOW_HEALTH_MS);
  await pacer.reserve(plan.warmup + plan.counted);
  await hangups(plan.warmup, 4);
  await control(SLOW_HEALTH_MS);
  await hangups(plan.counted, 1);
  const counted = await counts();
  // The background refreshes still in flight finish (and are counted) before the figures are read.
  await new Promise((resolve) => setTimeout(resolve, 2 * SLOW_HEALTH_MS));
  const settled = await counts();
  const perHangup = (n: number) => n / counted.hangups;
  const awaited = perHangup(counted.callObjectCalls + settled.healthWaitedFor);

  // Timed: rounds alternating the health object's delay (0, then 150 ms; the order flips each round).
  const latency: Record<string, number[]> = {};
  for (const concurrency of CONCURRENCIES) {
    for (let round = 0; round < plan.rounds; round++) {
      for (const delay of round % 2 === 0 ? [0, SLOW_HEALTH_MS] : [SLOW_HEALTH_MS, 0]) {
        const count = plan.perRound[concurrency]!;
        await pacer.reserve(count + 1);
        await control(delay);
        // Untimed: the isolate's view after the pause between rounds is stale, and its refresh is not a plain hangup's cost.
        await hangups(1, 1);
        (latency[`${concurrency}/${delay}`] ??= []).push(...(await hangups(count, concurrency)).latenciesMs);
      }
    }
  }
  const rows = CONCURRENCIES.map((concurrency) => {
    const normal = summarize(latency[`${concurrency}/0`]!);
    const slow = summarize(latency[`${concurrency}/${SLOW_HEALTH_MS}`]!);
    return { concurrency, normal, slow, shift: slow.p50 - normal.p50 };
  });

  const checks: BudgetCheck[] = [
    { name: "cross-object calls a plain hangup waits for", budget: "= 1", measured: awaited.toFixed(2), pass: awaited === 1 },
    ...rows.map((row) => ({
      name: `plain hangup p50 with the health object ${SLOW_HEALTH_MS} ms slow, ${row.concurrency} concurrent`,
      budget: `< +${P50_SHIFT_BUDGET_MS} ms`,
      measured: `${row.shift >= 0 ? "+" : ""}${ms(row.shift)} ms`,
      pass: row.shift < P50_SHIFT_BUDGET_MS,
    })),
  ];
  return {
    section: {
      title: "Critical path: one object per plain hangup",
      lead:
        `The bundle behind a bench-only entry module (\`scripts/bench/critical-path.ts\`) that counts Durable Object calls and can make ` +
        `ConnectionHealth's methods wait ${SLOW_HEALTH_MS} ms. Counted: ${counted.hangups} plain hangups of new calls sent one at a time right after ` +
        `${plan.warmup} warm-up hangups, with the health object slow; a call to it that completed before its hangup answered is one the hangup waited for. ` +
        `Timed: new calls in rounds alternating a normal and a ${SLOW_HEALTH_MS} ms slow health object (${plan.rounds} rounds per concurrency).`,
      tables: [
        {
          header: ["per plain hangup", "calls"],
          rows: [
            ["call object (awaited)", perHangup(counted.callObjectCalls).toFixed(2)],
            ["connection health object, awaited", perHangup(settled.healthWaitedFor).toFixed(2)],
            ["connection health object, in the background (view refreshes)", perHangup(settled.healthInBackground).toFixed(2)],
          ],
        },
        {
          header: ["concurrent", "requests per mode", "p50 ms", `p50 ms, health ${SLOW_HEALTH_MS} ms slow`, "p50 shift ms", "p99 ms", `p99 ms, health ${SLOW_HEALTH_MS} ms slow`],
          rows: rows.map(({ concurrency, normal, slow, shift }) => [String(concurrency), String(normal.count), ms(normal.p50), ms(slow.p50), ms(shift), ms(normal.p99), ms(slow.p99)]),
        },
      ],
      notes: [
        "A hangup waits for the health object only when its isolate's view of the connection is over 1 s old: its first hangup on the " +
          "connection, or the first after a quiet second (README, \"Failing providers\"); in these runs that is the first of a round after a pause.",
        "The 1-concurrent row is the one that would show a wait: at 16 concurrent the local latency is queueing for workerd's one thread, " +
          "and a hangup idly waiting on a timer overlaps the others' work (before the views, this run measured +123 ms at 1 concurrent and none at 16).",
      ],
    },
    checks: quick ? [] : checks,
    raw: { counted: settled, rows },
  };
}
