/**
 * Where the gateway's CPU goes inside workerd: a V8 CPU profile of the gateway's isolate (the Worker
 * and its Durable Objects) while it hangs up new calls, taken through workerd's DevTools endpoint, and
 * summarised by component. The bundle is built without minification so that function names survive.
 * The .cpuprofile file opens in Chrome DevTools (Performance) or speedscope for the full picture.
 *
 *   NODE_OPTIONS=--experimental-websocket npx tsx scripts/bench/profile-gateway.ts [concurrency] [requests]
 *
 * (Node 20 has WebSocket only behind that flag; Node 22 has it by default.) Components are matched by
 * function names on the sampled stacks, so the categories below must follow the source's names.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeProvider } from "./fake-provider";
import { buildGateway } from "../lib/gateway-build";
import { runLoad } from "./http-client";
import { realisticPolicy } from "./policy-fixtures";
import { startStack } from "./stack";
import { memoryBackedDir } from "./storage-medium";
import { Teardown } from "./teardown";

const PROVIDER_LATENCY_MS = 20;
const SAMPLING_INTERVAL_US = 200;
const WARMUP_REQUESTS = 300;
const RESULTS_DIR = "bench/results";
const TOP_FUNCTIONS = 15;

/** First match wins, leaf frame first for the native leaves, then anywhere on the stack. */
const CATEGORIES: { name: string; leaf?: RegExp; stack?: RegExp }[] = [
  { name: "idle (isolate waiting)", leaf: /^\(idle\)$/ },
  { name: "garbage collection", leaf: /^\(garbage collector\)$/ },
  { name: "runtime outside JS", leaf: /^\(program\)$/ },
  { name: "call object: SQL statements", leaf: /^exec$/ },
  { name: "call object: alarm set/delete", leaf: /^(setAlarm|deleteAlarm|getAlarm)$/ },
  { name: "call object: alarm handler (duties)", stack: /^(alarm|runDuty|deliverDue|deliverMessages)$/ },
  { name: "provider request (build, fetch, read)", stack: /^(sendHangup|toRequest|readBody|buildRequest|readResponse)$/ },
  { name: "circuit breaker (isolate view, connection health object)", stack: /^(admitHangup|reportHangup|admit|report|#?sync|ask)$/ },
  { name: "credentials (KV read, AES-GCM)", stack: /^(dispatchHangup|openCredentials|unseal)$/ },
  { name: "call object: other JS", stack: /^(hangup|runRound|sendRound|scheduleAlarm|nextAlarmAt|earliestDue|save|CallStore|CallObject)$/ },
  { name: "authentication (key hash, KV read)", stack: /^(requireTenant|hashApiKey|secretsEqual|getApiKeyByHash)$/ },
  { name: "rate limiter", stack: /^(limitTenantRate|withinLimit)$/ },
  { name: "policy (load, evaluate)", stack: /^(evaluate|loadActivePolicy|currentSnapshot)$/ },
  { name: "connection lookup (KV read)", stack: /^(requireConnection|getConnection)$/ },
  { name: "request validation (zod)", stack: /(_zod|safeParse|zValidator|validator)/ },
];
const OTHER = "HTTP handling (hono routing, middleware, JSON, RPC to the object)";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A minimal Chrome DevTools Protocol client over one WebSocket. */
async function devtools(url: string) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", reject, { once: true });
  });
  let nextId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  return {
    send: <T>(method: string, params: object = {}) =>
      new Promise<T>((resolve) => {
        const id = ++nextId;
        pending.set(id, (result) => resolve(result as T));
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

/** Self time per category and per function, in µs, from the profile's samples. */
function summarise(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const categoryOf = new Map<number, string>();
  const classify = (id: number): string => {
    const cached = categoryOf.get(id);
    if (cached) return cached;
    const stack: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) stack.push(byId.get(at)!.callFrame.functionName);
    const leaf = stack[0] ?? "";
    const category =
      CATEGORIES.find((c) => (c.leaf ? c.leaf.test(leaf) : c.stack!.test(leaf) || stack.some((name) => c.stack!.test(name))))?.name ?? OTHER;
    categoryOf.set(id, category);
    return category;
  };
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i + 1] ?? 0;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = `${functionName || "(anonymous)"} ${url ? `${url.split("/").pop()}:${lineNumber + 1}` : "(native)"}`;
    categories.set(classify(id), (categories.get(classify(id)) ?? 0) + micros);
    functions.set(name, (functions.get(name) ?? 0) + micros);
  });
  return { categories, functions };
}

function table(entries: Map<string, number>, requests: number, limit = Infinity): string {
  const total = [...entries.values()].reduce((sum, micros) => sum + micros, 0);
  return [...entries]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, micros]) => `${((100 * micros) / total).toFixed(1).padStart(5)}%  ${(micros / 1000 / requests).toFixed(3)} ms/request  ${name}`)
    .join("\n");
}

async function main(): Promise<void> {
  if (typeof WebSocket === "undefined") throw new Error("no WebSocket in this Node: run with NODE_OPTIONS=--experimental-websocket (Node 20)");
  const concurrency = Number(process.argv[2] ?? 16);
  const requests = Number(process.argv[3] ?? 1000);
  const teardown = new Teardown();
  try {
    const workDir = mkdtempSync(join(memoryBackedDir() ?? tmpdir(), "hangup-gateway-profile-"));
    teardown.add("temporary directory", () => rmSync(workDir, { recursive: true, force: true }));
    const build = await buildGateway(join(workDir, "build"), { minify: false });
    const provider = await startFakeProvider(PROVIDER_LATENCY_MS);
    teardown.add("fake provider", () => provider.close());
    const stack = await startStack({ name: "gateway", build, provider, storageDir: join(workDir, "storage"), policy: realisticPolicy(100), teardown, inspect: true });
    await runLoad(WARMUP_REQUESTS, concurrency, () => stack.gateway.hangupNewCall());

    const targets = (await (await fetch(`${stack.runtime.inspectorUrl}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
    const gatewayTarget = targets.find((target) => target.webSocketDebuggerUrl.endsWith("/core:user:gateway"));
    if (!gatewayTarget) throw new Error(`no gateway isolate among ${targets.map((t) => t.webSocketDebuggerUrl).join(", ")}`);
    const session = await devtools(gatewayTarget.webSocketDebuggerUrl);
    teardown.add("devtools session", () => session.close());
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
    await session.send("Profiler.start");
    const load = await runLoad(requests, concurrency, () => stack.gateway.hangupNewCall());
    const { profile } = await session.send<{ profile: CpuProfile }>("Profiler.stop");

    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `gateway-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    const { categories, functions } = summarise(profile);
    console.log(`${requests} hangups of new calls at ${concurrency} concurrent, ${(requests / (load.wallMs / 1000)).toFixed(0)} req/s while profiled; profile: ${file}`);
    console.log(`\nBy component (self time of the gateway isolate's samples):\n${table(categories, requests)}`);
    console.log(`\nFunctions with the most self time:\n${table(functions, requests, TOP_FUNCTIONS)}`);
  } finally {
    await teardown.run();
  }
}

main().catch((error: unknown) => {
  console.error(`profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
