/**
 * `npm run bench [-- --quick] [-- --strict]`: the figures BENCHMARKS.md quotes, measured on this machine
 * (wrangler builds offline, workerd through Miniflare, a fake provider on 127.0.0.1); everything started
 * is stopped at the end, on failure and Ctrl-C too. BENCHMARKS.md, "Running it", says what each mode does
 * and when the run exits 1: a broken harness does, a budget FAIL only with --strict (time on a shared
 * machine is weather, not a code failure).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { measureBundleSize } from "./bench/bundle-size";
import { measureCallIndex } from "./bench/call-index";
import { measureCounts } from "./bench/counts";
import { measureEndToEnd } from "./bench/end-to-end";
import { startFakeProvider } from "./bench/fake-provider";
import { measurePolicyEvaluation } from "./bench/policy-evaluation";
import { realisticPolicy } from "./bench/policy-fixtures";
import { measureRegistrations } from "./bench/registrations";
import { checkLine, renderChecks, renderSection, writeGeneratedBlock, type Measurement } from "./bench/report";
import { startStack } from "./bench/stack";
import { buildGateway } from "./lib/gateway-build";
import { Teardown } from "./lib/teardown";

/** The provider's own answer time: what a real provider costs, roughly, from inside its region. */
const PROVIDER_LATENCY_MS = 20;
/** The policy published for the gateway runs: a gateway with a couple of dozen tenants. */
const SEED_POLICY_RULES = 100;
/** A run that takes this long is hung: stop it (and everything it started) rather than block CI. */
const WATCHDOG_MIN = { full: 15, quick: 5 };
const RESULTS_DIR = "bench/results";
/** Durable Objects in memory (tmpfs) where there is one: on a VM's disk every SQLite commit waits for an fsync, which measures the disk. */
const STORAGE_ROOT = existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();

const args = new Set(process.argv.slice(2));
if ([...args].some((arg) => arg !== "--quick" && arg !== "--strict")) {
  console.error("usage: npm run bench [-- --quick] [-- --strict]");
  process.exit(2);
}
const quick = args.has("--quick");
const mode = quick ? "quick" : "full";
const teardown = new Teardown();
const stopAll = (why: string, code: number) => {
  console.error(`\nbench: ${why}; stopping everything it started`);
  void teardown.run().then(() => process.exit(code));
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => stopAll(signal, 130));

/** Runs one step, saying on the console what it is doing and how long it took. */
async function step<T>(name: string, run: () => Promise<T> | T): Promise<T> {
  const startedAt = Date.now();
  process.stdout.write(`bench: ${name}… `);
  const result = await run();
  console.log(`${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return result;
}

/** Every measurement, and how long the timed run waited for workerd to close call objects. */
async function measureAll(): Promise<{ measurements: Measurement[]; pacingWaitMs: number }> {
  const workDir = mkdtempSync(join(STORAGE_ROOT, "hangup-gateway-bench-"));
  teardown.add("temporary directory", () => rmSync(workDir, { recursive: true, force: true }));
  const build = await step("building the gateway (wrangler deploy --dry-run)", () => buildGateway(join(workDir, "build")));
  const countingBuild = await step("building it from bench/counting-entry.ts", () => buildGateway(join(workDir, "counting-build"), { entry: "bench/counting-entry.ts" }));
  const measurements = [await step("bundle size", () => measureBundleSize(build, quick))];
  // Before workerd starts, so that nothing else of ours competes for the CPU.
  measurements.push(await step("policy evaluation", () => measurePolicyEvaluation(quick)));
  const provider = await startFakeProvider(PROVIDER_LATENCY_MS);
  teardown.add("fake provider", () => provider.close());
  const options = { provider, policy: realisticPolicy(SEED_POLICY_RULES), teardown };
  // In a workerd of its own, stopped before the timed one starts.
  measurements.push(...(await step("counts and the critical path", () => measureCounts({ ...options, build: countingBuild, storageDir: join(workDir, "counts") }, quick))));
  const stack = await startStack({ ...options, build, storageDir: join(workDir, "gateway"), baselines: true });
  try {
    measurements.push(await step("end to end", () => measureEndToEnd([stack.gateway, ...stack.baselines], provider, quick)));
    measurements.push(await step("registrations and provider events", () => measureRegistrations(stack.known, quick)));
    measurements.push(...(await step("call index and bulk hangups at the provider's pace", () => measureCallIndex({ build, provider, storageDir: join(workDir, "call-index"), teardown }, quick))));
    if (provider.unexpectedRequests() > 0) throw new Error(`the fake provider received ${provider.unexpectedRequests()} requests it did not expect`);
    return { measurements, pacingWaitMs: stack.pacer.totalWaitMs };
  } catch (error) {
    console.error(`\nworkerd's last output:\n${stack.runtime.recentOutput()}`);
    throw error;
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAverage = os.loadavg()[0] ?? 0;
  const watchdog = setTimeout(() => stopAll(`still running after ${WATCHDOG_MIN[mode]} min`, 1), WATCHDOG_MIN[mode] * 60_000).unref();
  const { measurements, pacingWaitMs } = await measureAll().finally(async () => {
    await teardown.run();
    clearTimeout(watchdog);
  });
  const tookS = ((Date.now() - startedAt.getTime()) / 1000).toFixed(0);
  const checks = measurements.flatMap((measurement) => measurement.checks);
  const markdown = [
    "## Figures",
    `\`npm run bench${quick ? " -- --quick" : ""}\` on ${startedAt.toISOString()}, ${tookS} s, on ${os.availableParallelism()} cores (load average ` +
      `${loadAverage.toFixed(2)} when it started), node ${process.version}. Fake provider latency ${PROVIDER_LATENCY_MS} ms; gateway seeded with a ` +
      `${SEED_POLICY_RULES}-rule policy. Of the run, ${(pacingWaitMs / 1000).toFixed(0)} s went to waiting, outside any timing, for workerd to close call objects.`,
    ...(checks.length ? ["### Budgets", renderChecks(checks)] : []),
    ...measurements.map((measurement) => renderSection(measurement.section)),
  ].join("\n\n");
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${mode}-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`), JSON.stringify({ mode, startedAt, tookS, loadAverage, measurements }, null, 2));
  if (quick) writeFileSync(join(RESULTS_DIR, "quick.md"), `${markdown}\n`);
  else writeGeneratedBlock("BENCHMARKS.md", markdown);
  console.log(`\nbench (${mode}) finished in ${tookS} s; figures in ${quick ? `${RESULTS_DIR}/quick.md` : "BENCHMARKS.md"}`);
  for (const check of checks) console.log(checkLine(check));
  if (args.has("--strict") && checks.some((check) => !check.pass)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
