/**
 * `npm run bench`: what the gateway costs on top of the provider, measured side by side with a bare
 * pass-through Worker, plus what one hangup costs in counted units (SQL statements, rows, alarms, object
 * size, KV reads), the duplicate storm, policy evaluation, bundle size, growth, and what the
 * local storage medium does to all of it. Everything runs locally (wrangler builds offline, workerd
 * through Miniflare, a fake provider on 127.0.0.1) and everything started is stopped at the end, on
 * failure too. Method and findings: BENCHMARKS.md. Where the CPU goes: scripts/bench/profile-gateway.ts.
 *
 *   npm run bench                 full run (a few minutes); rewrites the figures in BENCHMARKS.md
 *   npm run bench -- --quick      CI-sized (under a minute); asserts correctness, never time;
 *                                 writes bench/results/ only
 *   npm run bench -- --strict     like the full run, but a budget FAIL makes the exit code 1
 *
 * Exit code: 1 when the harness breaks (a build fails, an answer is not the expected 200, the storm
 * reaches the provider more than once, the evaluators disagree, ...). A budget FAIL is printed and
 * written, and exits 0 unless --strict: time on a shared machine is weather, not a code failure.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkBundleSpeaksEnglish } from "./bench/bundle-messages";
import { measureBundleSize } from "./bench/bundle-size";
import { measureCallIndex } from "./bench/call-index";
import { measureDuplicateStorm, STORM_SIZE } from "./bench/duplicate-storm";
import { measureEndToEnd } from "./bench/end-to-end";
import { startFakeProvider } from "./bench/fake-provider";
import { buildGateway } from "./lib/gateway-build";
import { measureGrowth } from "./bench/growth";
import { measureHangupCounts } from "./bench/hangup-counts";
import { httpTarget } from "./bench/http-client";
import { describeMachine, renderMachine, type Machine } from "./bench/machine";
import { measurePolicyEvaluation } from "./bench/policy-evaluation";
import { realisticPolicy } from "./bench/policy-fixtures";
import { checkLine, renderChecks, renderSection, writeGeneratedBlock, type Measurement } from "./bench/report";
import { startStack } from "./bench/stack";
import { measureStorageMedium, memoryBackedDir } from "./bench/storage-medium";
import { Teardown } from "./bench/teardown";

/** The provider's own answer time: what a real provider costs, roughly, from inside its region. */
const PROVIDER_LATENCY_MS = 20;
/** The policy published for the gateway runs: a gateway with a couple of dozen tenants. */
const SEED_POLICY_RULES = 100;
/** A run that takes this long is hung: stop it (and everything it started) rather than block CI. */
const WATCHDOG_MS = { full: 10 * 60_000, quick: 3 * 60_000 };
const BENCHMARKS_FILE = "BENCHMARKS.md";
const RESULTS_DIR = "bench/results";

const args = new Set(process.argv.slice(2));
const unknown = [...args].filter((arg) => arg !== "--quick" && arg !== "--strict");
if (unknown.length) {
  console.error(`unknown option ${unknown.join(" ")}; usage: npm run bench [-- --quick] [-- --strict]`);
  process.exit(2);
}
const quick = args.has("--quick");
const strict = args.has("--strict");
const mode = quick ? "quick" : "full";

const teardown = new Teardown();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping everything the bench started`);
    void teardown.run().then(() => process.exit(130));
  });
}

function seconds(startedAt: number): string {
  return `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
}

/** Runs one measurement, saying on the console what it is doing and how long it took. */
async function step(name: string, measurements: Measurement[], run: () => Measurement | Promise<Measurement>): Promise<void> {
  const startedAt = Date.now();
  process.stdout.write(`bench: ${name}… `);
  measurements.push(await run());
  console.log(seconds(startedAt));
}

/** Runs every measurement; answers how long the bench waited for workerd to close call objects. */
async function measureAll(measurements: Measurement[]): Promise<number> {
  const workDir = mkdtempSync(join(tmpdir(), "hangup-gateway-bench-"));
  teardown.add("temporary directory", () => rmSync(workDir, { recursive: true, force: true }));
  // Durable Objects in memory where the machine has it (see ./bench/storage-medium.ts for why).
  const memoryDir = memoryBackedDir();
  const storageDir = memoryDir ? mkdtempSync(join(memoryDir, "hangup-gateway-bench-")) : join(workDir, "storage");
  if (memoryDir) teardown.add("in-memory storage directory", () => rmSync(storageDir, { recursive: true, force: true }));

  process.stdout.write("bench: building the gateway (wrangler deploy --dry-run)… ");
  const buildStartedAt = Date.now();
  const build = await buildGateway(join(workDir, "build"));
  console.log(seconds(buildStartedAt));
  await step("bundle size", measurements, () => measureBundleSize(build, quick));
  // Before workerd starts, so that nothing else of ours competes for the CPU.
  await step("policy evaluation", measurements, () => measurePolicyEvaluation(quick));

  const provider = await startFakeProvider(PROVIDER_LATENCY_MS);
  teardown.add("fake provider", () => provider.close());
  const policy = realisticPolicy(SEED_POLICY_RULES);
  // In a workerd of its own, closed before the timed one starts.
  await step("counts per hangup", measurements, () => measureHangupCounts({ build, provider, storageDir: join(storageDir, "counts"), policy }, quick));
  const stack = await startStack({ name: "gateway", build, provider, storageDir, policy, teardown });
  await checkBundleSpeaksEnglish(stack.operator);
  const stormTarget = httpTarget(stack.runtime.gatewayUrl, STORM_SIZE);
  teardown.add("storm client", () => stormTarget.close());

  try {
    await step("end-to-end overhead", measurements, () => measureEndToEnd(stack.gateway, stack.bare, stack.floor, provider, quick));
    await step("duplicate storm", measurements, () => measureDuplicateStorm(stormTarget, stack.tenantKey, provider, quick));
    await step("growth", measurements, () => measureGrowth({ ...stack, seedPolicyRules: SEED_POLICY_RULES }, quick));
    await step("storage medium", measurements, () =>
      measureStorageMedium(
        { memoryGateway: stack.gateway, memoryStorageDir: storageDir, diskStorageDir: join(workDir, "disk-storage"), build, provider, policy, teardown },
        quick,
      ),
    );
    await step("call index and bulk hangups", measurements, () => measureCallIndex({ build, provider, storageDir: join(storageDir, "call-index"), teardown }, quick));
    await step("bulk at the provider's pace", measurements, async () => (await import("./bench/bulk-pace")).measureBulkPace({ build, storageDir: join(storageDir, "bulk-pace"), teardown }, quick));
    if (provider.unexpectedRequests() > 0) throw new Error(`the fake provider received ${provider.unexpectedRequests()} requests it did not expect`);
    return stack.gateway.pacer?.totalWaitMs ?? 0;
  } catch (error) {
    const output = stack.runtime.recentOutput();
    if (output) console.error(`\nworkerd's last output:\n${output}`);
    throw error;
  }
}

function report(measurements: Measurement[], machine: Machine, startedAt: Date, tookMs: number, pacingWaitMs: number): string {
  const checks = measurements.flatMap((measurement) => measurement.checks);
  const command = `npm run bench${quick ? " -- --quick" : ""}`;
  return [
    "## Figures",
    `\`${command}\` on ${startedAt.toISOString()}, ${(tookMs / 1000).toFixed(0)} s. Fake provider latency ${PROVIDER_LATENCY_MS} ms; ` +
      `gateway seeded with a ${SEED_POLICY_RULES}-rule policy. Of the run, ${(pacingWaitMs / 1000).toFixed(0)} s went to waiting, outside any timing, ` +
      "for workerd to close call objects (`scripts/bench/object-pacing.ts`).",
    "### Machine",
    renderMachine(machine),
    ...(checks.length ? ["### Budgets", renderChecks(checks)] : []),
    ...measurements.map((measurement) => renderSection(measurement.section)),
  ].join("\n\n");
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = describeMachine();
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${WATCHDOG_MS[mode] / 60_000} min; stopping`);
    void teardown.run().then(() => process.exit(1));
  }, WATCHDOG_MS[mode]);
  watchdog.unref();

  const measurements: Measurement[] = [];
  let pacingWaitMs: number;
  try {
    pacingWaitMs = await measureAll(measurements);
  } finally {
    await teardown.run();
    clearTimeout(watchdog);
  }

  const tookMs = Date.now() - startedAt.getTime();
  const markdown = report(measurements, machine, startedAt, tookMs, pacingWaitMs);
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${mode}-${stamp}.json`), JSON.stringify({ mode, startedAt, tookMs, machine, measurements }, null, 2));
  if (quick) writeFileSync(join(RESULTS_DIR, "quick.md"), `${markdown}\n`);
  else writeGeneratedBlock(BENCHMARKS_FILE, markdown);

  const checks = measurements.flatMap((measurement) => measurement.checks);
  console.log(`\nbench (${mode}) finished in ${(tookMs / 1000).toFixed(0)} s; figures in ${quick ? `${RESULTS_DIR}/quick.md` : BENCHMARKS_FILE}`);
  for (const check of checks) console.log(checkLine(check));
  if (strict && checks.some((check) => !check.pass)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
