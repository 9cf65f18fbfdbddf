/**
 * Load without loss: thousands of hangups of distinct calls, many at once, through the gateway running
 * locally (the deployable bundle in workerd) in front of a provider that fails a share of requests
 * transiently. Then every call's record is read back and judged (scripts/load/verify.ts): one terminal
 * outcome stored, equal to what the caller was told, truthful about what the provider did, and no call
 * hung up twice. Prints the counts; exits non-zero on any loss, mismatch or double hangup.
 *
 *   npm run load -- [--calls 10000] [--concurrency 64] [--failure-rate 0.1]
 *
 * Everything it starts (the provider, workerd, a temporary directory) is stopped and removed at the end.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ObjectPacer } from "./bench/object-pacing";
import { forEachConcurrently } from "./load/concurrently";
import { FLAKY_AUTH, startFlakyProvider, type FlakyProvider } from "./load/flaky-provider";
import { BUILD_COMMAND, startGateway, type LocalGateway } from "./load/gateway";
import { PROBLEMS, problemsOf, type Outcome, type Problem, type Stored, type Told } from "./load/verify";

const DEFAULTS = { calls: 10_000, concurrency: 64, failureRate: 0.1 };
const TENANT = "load";
const CONNECTION = "flaky";
/** High enough that the run never meets it: the run measures loss, not the limiter (scripts/load/gateway.ts). */
const RUN_RATE_LIMIT_PER_MINUTE = 1_000_000_000;
const PROGRESS_STEPS = 10;

function options() {
  const { values } = parseArgs({
    options: { calls: { type: "string" }, concurrency: { type: "string" }, "failure-rate": { type: "string" } },
  });
  const calls = Number(values.calls ?? DEFAULTS.calls);
  const concurrency = Number(values.concurrency ?? DEFAULTS.concurrency);
  const failureRate = Number(values["failure-rate"] ?? DEFAULTS.failureRate);
  if (!Number.isInteger(calls) || calls < 1) throw new Error("--calls must be a positive integer");
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("--concurrency must be a positive integer");
  if (!(failureRate >= 0 && failureRate < 1)) throw new Error("--failure-rate must be at least 0 and below 1");
  return { calls, concurrency, failureRate };
}

async function api(gateway: LocalGateway, method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return fetch(gateway.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function expectOk(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** A tenant with a key and a Plivo connection to the flaky provider. Answers the key. */
async function seed(gateway: LocalGateway, provider: FlakyProvider): Promise<string> {
  await expectOk(await api(gateway, "PUT", `/admin/tenants/${TENANT}`, gateway.adminToken, { name: "load run" }), "tenant");
  const { key } = (await (await expectOk(await api(gateway, "POST", `/admin/tenants/${TENANT}/keys`, gateway.adminToken, {}), "key")).json()) as { key: string };
  const connection = { provider: "plivo", credentials: FLAKY_AUTH, base_url: provider.url };
  await expectOk(await api(gateway, "PUT", `/admin/tenants/${TENANT}/connections/${CONNECTION}`, gateway.adminToken, connection), "connection");
  return key;
}

function progress(label: string, total: number): () => void {
  let done = 0;
  const step = Math.max(1, Math.ceil(total / PROGRESS_STEPS));
  return () => {
    if (++done % step === 0 || done === total) process.stdout.write(`  ${label}: ${done}/${total}\n`);
  };
}

/**
 * Hangs up every call and reads its record back at once, new calls paced to what one local workerd
 * holds. Locally every call object stays open, with its SQLite database, for 10 to 20 s after its last
 * event, and at about 2,300 open objects SQLite runs out of memory (SQLITE_NOMEM: BENCHMARKS.md,
 * "Findings"), a limit of one process that a deployed gateway, its objects spread over Cloudflare's
 * machines, never meets. So new calls are started no faster than the bench's pacer allows, and each
 * record is read while its object is still open, rather than reopening thousands in a second pass.
 */
async function hangUpAndReadBack(gateway: LocalGateway, key: string, callIds: string[], concurrency: number, pacer: ObjectPacer): Promise<{ told: Told[]; stored: (Stored | null)[] }> {
  const told: Told[] = new Array(callIds.length);
  const stored: (Stored | null)[] = new Array(callIds.length);
  const tick = progress("calls hung up and read back", callIds.length);
  let admissions = Promise.resolve();
  await forEachConcurrently(callIds, concurrency, async (callId, i) => {
    // One admission at a time, so that the pacer's waiting adds up to wall time, not to time per worker.
    await (admissions = admissions.then(async () => {
      await pacer.reserve(1);
      pacer.started();
    }));
    const path = `/v1/calls/${encodeURIComponent(callId)}`;
    try {
      const res = await api(gateway, "POST", `${path}/hangup`, key, { connection: CONNECTION, reason: "load run" });
      told[i] = { httpStatus: res.status, outcome: res.status === 200 ? ((await res.json()) as Outcome) : (await res.text(), null) };
    } catch (error) {
      told[i] = { error: error instanceof Error ? error.message : String(error) };
    }
    try {
      const res = await api(gateway, "GET", `${path}?connection=${CONNECTION}`, key);
      stored[i] = res.status === 200 ? ((await res.json()) as Stored) : (await res.text(), null);
    } catch {
      stored[i] = null;
    }
    tick();
  });
  return { told, stored };
}

async function main(): Promise<number> {
  const { calls, concurrency, failureRate } = options();
  const workDir = await mkdtemp(join(tmpdir(), "hangup-load-"));
  let provider: FlakyProvider | undefined;
  let gateway: LocalGateway | undefined;
  const stop = async () => {
    await gateway?.close();
    await provider?.close();
    await rm(workDir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void stop().finally(() => process.exit(130)));

  try {
    console.log(`Load without loss: ${calls} calls, ${concurrency} at once, provider failing ${failureRate * 100}% of requests (503).`);
    console.log(`Building and starting the gateway (${BUILD_COMMAND}, Miniflare)…`);
    provider = await startFlakyProvider(failureRate);
    gateway = await startGateway({ workDir, tenantRateLimitPerMinute: RUN_RATE_LIMIT_PER_MINUTE });
    const key = await seed(gateway, provider);

    const callIds = Array.from({ length: calls }, (_, i) => `load-${i}-${randomUUID()}`);
    const started = performance.now();
    const pacer = new ObjectPacer();
    const { told, stored } = await hangUpAndReadBack(gateway, key, callIds, concurrency, pacer);
    const runSeconds = (performance.now() - started) / 1000;

    const problems = new Map<Problem, string[]>();
    const statuses = new Map<string, number>();
    let providerRequests = 0;
    let injectedFailures = 0;
    callIds.forEach((callId, i) => {
      const atProvider = provider!.call(callId);
      providerRequests += atProvider.requests;
      injectedFailures += atProvider.injectedFailures;
      const answer = told[i]!;
      const status = "httpStatus" in answer ? (answer.outcome?.status ?? `HTTP ${answer.httpStatus}`) : "no answer";
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      for (const problem of problemsOf(answer, stored[i]!, atProvider)) problems.set(problem, [...(problems.get(problem) ?? []), callId]);
    });

    const row = (label: string, value: string | number) => console.log(`  ${`${label}:`.padEnd(30)}${value}`);
    console.log("\nResults");
    row("calls", calls);
    for (const [status, count] of [...statuses].sort()) row(`outcome ${status}`, count);
    row("provider requests", `${providerRequests} (${injectedFailures} failed on purpose, ${providerRequests - calls} retries)`);
    row("unexpected provider requests", provider.unexpectedRequests());
    row("wall time", `${runSeconds.toFixed(1)} s, ${(calls / runSeconds).toFixed(0)} calls/s (hangup + read-back), ${(pacer.totalWaitMs / 1000).toFixed(1)} s of it pacing`);
    for (const problem of PROBLEMS) {
      const affected = problems.get(problem) ?? [];
      row(problem, `${affected.length}${affected.length ? ` (e.g. ${affected.slice(0, 3).join(", ")})` : ""}`);
    }
    const failedRun = problems.size > 0 || provider.unexpectedRequests() > 0;
    console.log(failedRun ? "\nFAIL: calls were lost, misreported or hung up twice." : "\nOK: every call has exactly one stored outcome, as told, and none was hung up twice.");
    if (failedRun) console.log(`\nLast lines of the runtime:\n${gateway.recentOutput()}`);
    return failedRun ? 1 : 0;
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
