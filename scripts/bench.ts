/**
 * `npm run bench [-- --quick] [-- --strict]`: the figures BENCHMARKS.md quotes, measured on this machine
 * (wrangler builds offline, workerd through Miniflare, a fake provider on 127.0.0.1); everything started
 * is stopped at the end, on failure too. BENCHMARKS.md, "Running it", says what each mode does and when
 * the run exits 1: a broken harness does, a budget FAIL does only with --strict (time on a shared
 * machine is weather, not a code failure).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { buildGateway } from "./lib/gateway-build";
import { measureBundleSize } from "./bench/bundle-size";
import { measureCallIndex } from "./bench/call-index";
import { measureCriticalPath } from "./bench/critical-path";
import { measureEndToEnd } from "./bench/end-to-end";
import { startFakeProvider } from "./bench/fake-provider";
import { measureHangupCounts } from "./bench/hangup-counts";
import { measurePolicyEvaluation } from "./bench/policy-evaluation";
import { realisticPolicy } from "./bench/policy-fixtures";
import { checkLine, renderChecks, renderSection, writeGeneratedBlock, type Measurement } from "./bench/report";
import { startStack } from "./bench/stack";
import { Teardown } from "./bench/teardown";

/** The provider's own answer time: what a real provider costs, roughly, from inside its region. */
const PROVIDER_LATENCY_MS = 20;
/** The policy published for the gateway runs: a gateway with a couple of dozen tenants. */
const SEED_POLICY_RULES = 100;
/** A run that takes this long is hung: stop it (and everything it started) rather than block CI. */
const WATCHDOG_MS = { full: 15 * 60_000, quick: 5 * 60_000 };
const BENCHMARKS_FILE = "BENCHMARKS.md";
const RESULTS_DIR = "bench/results";
const COUNTING_ENTRY = "bench/counting-entry.ts";
/** Durable Objects in memory (tmpfs) where there is one: on a VM's disk every SQLite commit waits for an fsync, which measures the disk. */
const STORAGE_ROOT = existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();

const args = new Set(process.argv.slice(2));
const unknown = [...args].filter((arg) => arg !== "--quick" && arg !== "--strict");
if (unknown.length) {
  console.error(`unknown option ${unknown.join(" ")}; usage: npm run bench [-- --quick] [-- --strict]`);
  process.exit(2);
}
const quick = args.has("--quick");
const mode = quick ? "quick" : "full";

const teardown = new Teardown();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping everything the bench started`);
    void teardown.run().then(() => process.exit(130));
  });
}

/** Runs one step, saying on the console what it is doing and how long it took. */
async function step<T>(name: string, run: () => T | Promise<T>): Promise<T> {
  const startedAt = Date.now();
  process.stdout.write(`bench: ${name}… `);
  const result = await run();
  console.log(`${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return result;
}

/** Runs every measurement; answers them, and how long the bench waited for workerd to close call objects. */
async function measureAll(): Promise<{ measurements: Measurement[]; pacingWaitMs: number }> {
  const workDir = mkdtempSync(join(STORAGE_ROOT, "hangup-gateway-bench-"));
  teardown.add("temporary directory", () => rmSync(workDir, { recursive: true, force: true }));
  const build = await step("building the gateway (wrangler deploy --dry-run)", () => buildGateway(join(workDir, "build")));
  const countingBuild = await step(`building it from ${COUNTING_ENTRY}`, () => buildGateway(join(workDir, "counting-build"), { entry: COUNTING_ENTRY }));
  const measurements = [await step("bundle size", () => measureBundleSize(build, quick))];
  // Before workerd starts, so that nothing else of ours competes for the CPU.
  measurements.push(await step("policy evaluation", () => measurePolicyEvaluation(quick)));

  const provider = await startFakeProvider(PROVIDER_LATENCY_MS);
  teardown.add("fake provider", () => provider.close());
  const policy = realisticPolicy(SEED_POLICY_RULES);
  // In a workerd of its own, closed before the timed one starts.
  measurements.push(await step("counts per hangup", () => measureHangupCounts({ build: countingBuild, provider, storageDir: join(workDir, "counts"), policy }, quick)));
  const stack = await startStack({ build, provider, storageDir: join(workDir, "gateway"), policy, teardown, baselines: true });
  try {
    measurements.push(await step("end to end", () => measureEndToEnd({ gateway: stack.gateway, floor: stack.floor!, bare: stack.bare! }, provider, quick)));
    measurements.push(await step("call index and bulk hangups", () => measureCallIndex({ build, provider, storageDir: join(workDir, "call-index"), teardown }, quick)));
    measurements.push(await step("bulk at the provider's pace", async () => (await import("./bench/bulk-pace")).measureBulkPace({ build, storageDir: join(workDir, "bulk-pace"), teardown }, quick)));
    measurements.push(await step("critical path", () => measureCriticalPath({ build, provider, storageDir: join(workDir, "critical-path"), policy, teardown }, quick)));
    if (provider.unexpectedRequests() > 0) throw new Error(`the fake provider received ${provider.unexpectedRequests()} requests it did not expect`);
    return { measurements, pacingWaitMs: stack.pacer.totalWaitMs };
  } catch (error) {
    const output = stack.runtime.recentOutput();
    if (output) console.error(`\nworkerd's last output:\n${output}`);
    throw error;
  }
}

function report(measurements: Measurement[], startedAt: Date, tookMs: number, pacingWaitMs: number, loadAverage: number): string {
  const checks = measurements.flatMap((measurement) => measurement.checks);
  return [
    "## Figures",
    `\`npm run bench${quick ? " -- --quick" : ""}\` on ${startedAt.toISOString()}, ${(tookMs / 1000).toFixed(0)} s, on ${os.availableParallelism()} cores ` +
      `(load average ${loadAverage.toFixed(2)} when it started), node ${process.version}. Fake provider latency ${PROVIDER_LATENCY_MS} ms; ` +
      `gateway seeded with a ${SEED_POLICY_RULES}-rule policy. Of the run, ${(pacingWaitMs / 1000).toFixed(0)} s went to waiting, outside any timing, ` +
      "for workerd to close call objects (`scripts/lib/object-pacing.ts`).",
    ...(checks.length ? ["### Budgets", renderChecks(checks)] : []),
    ...measurements.map((measurement) => renderSection(measurement.section)),
  ].join("\n\n");
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAverage = os.loadavg()[0] ?? 0;
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${WATCHDOG_MS[mode] / 60_000} min; stopping`);
    void teardown.run().then(() => process.exit(1));
  }, WATCHDOG_MS[mode]);
  watchdog.unref();

  let result: Awaited<ReturnType<typeof measureAll>>;
  try {
    result = await measureAll();
  } finally {
    await teardown.run();
    clearTimeout(watchdog);
  }

  const { measurements, pacingWaitMs } = result;
  const tookMs = Date.now() - startedAt.getTime();
  const markdown = report(measurements, startedAt, tookMs, pacingWaitMs, loadAverage);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  writeFileSync(join(RESULTS_DIR, `${mode}-${stamp}.json`), JSON.stringify({ mode, startedAt, tookMs, loadAverage, measurements }, null, 2));
  if (quick) writeFileSync(join(RESULTS_DIR, "quick.md"), `${markdown}\n`);
  else writeGeneratedBlock(BENCHMARKS_FILE, markdown);

  const checks = measurements.flatMap((measurement) => measurement.checks);
  console.log(`\nbench (${mode}) finished in ${(tookMs / 1000).toFixed(0)} s; figures in ${quick ? `${RESULTS_DIR}/quick.md` : BENCHMARKS_FILE}`);
  for (const check of checks) console.log(checkLine(check));
  if (args.has("--strict") && checks.some((check) => !check.pass)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
