/**
 * The outage run (issue 11): thousands of registered, fraud-flagged, watched calls while the provider is
 * down in bursts. Every call is registered (POST /v1/calls with a flag the policy terminates) while the
 * provider is down, so its automatic hangup fails; then the provider stays down `down` seconds more,
 * comes back for `up` seconds, and so on for `bursts` outages, and after the last one stays up. The
 * gateway's contract is that a watched call whose policy hangup failed is retried by its own object's
 * alarm (first retry within 30 s, backoff never more than 5 minutes apart) until final. Time is real:
 * the alarms fire on their own.
 *
 * At the end every call must have been hung up exactly once at the provider, its record must say
 * `terminated`, and nothing may reach the provider after that (a settle period longer than the first
 * retry bound catches a late double termination). Reported: the time from the provider's latest return
 * to each call's hangup (p50, p99, max).
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { ObjectPacer } from "../lib/object-pacing";
import { summarize } from "../lib/stats";
import type { GatewayClient } from "../lib/gateway-client";
import { forEachConcurrently } from "./concurrently";
import { withLocalRun } from "./local-run";
import { OUTAGE_AUTH, startOutageProvider, type OutageProvider } from "./outage-provider";
import { OUTAGE_PROBLEMS, outageProblemsOf, recoveryMs, storedHangupStatus, type OutageProblem } from "./outage-verify";
import { progress, row } from "./report";

const CONNECTION = "outage";
const FRAUD_FLAG = "irsf";
const POLICY = { rules: [{ id: "fraud", kind: "fraud_flags" as const, flags: [FRAUD_FLAG] }] };
/** The contract's longest gap between two retries of a watched call. */
const MAX_RETRY_GAP_MS = 5 * 60_000;
/** After the provider's last return, how long the run waits beyond the longest retry gap before calling the rest lost. */
const GRACE_MS = 30_000;
/** After the last hangup: longer than the contract's first-retry bound (30 s), so a stray retry would show. */
const SETTLE_MS = 35_000;
const STATUS_EVERY_MS = 10_000;
/** A registration whose answer was lost in transport is sent again, this many times in all. */
const REGISTRATION_ATTEMPTS = 3;

export interface OutageOptions {
  calls: number;
  concurrency: number;
  downSeconds: number;
  upSeconds: number;
  bursts: number;
}

/**
 * Registers one call as a careful client would: a request whose answer was lost in transport is sent
 * again, and 409 (already registered) then means the first one got through. Answers why it failed, or null.
 */
async function registerOnce(client: GatewayClient, callId: string): Promise<string | null> {
  let why = "";
  for (let attempt = 1; attempt <= REGISTRATION_ATTEMPTS; attempt++) {
    try {
      const res = await client.v1.calls.$post({ json: { call_id: callId, connection: CONNECTION, flags: [FRAUD_FLAG] } });
      if (res.status === 201 || (attempt > 1 && (res.status as number) === 409)) return null;
      return `HTTP ${res.status} ${(await res.text()).slice(0, 200)}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      why = `${error instanceof Error ? error.message : String(error)}${cause ? ` (${cause.code ?? cause.message})` : ""}`;
    }
  }
  return `${why}, ${REGISTRATION_ATTEMPTS} times`;
}

/** Registers every call, paced to what one local workerd holds open (../lib/object-pacing.ts). */
async function register(client: GatewayClient, callIds: string[], concurrency: number, pacer: ObjectPacer): Promise<string[]> {
  const failures: string[] = [];
  const tick = progress("calls registered (provider down)", callIds.length);
  let admissions = Promise.resolve();
  await forEachConcurrently(callIds, concurrency, async (callId) => {
    await (admissions = admissions.then(async () => {
      await pacer.reserve(1);
      pacer.started();
    }));
    const failure = await registerOnce(client, callId);
    if (failure) failures.push(`${callId}: ${failure}`);
    tick();
  });
  return failures;
}

function status(provider: OutageProvider, calls: number, startedAt: number): void {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(0);
  process.stdout.write(`  ${seconds.padStart(4)} s: provider ${provider.isUp() ? "up  " : "down"}, ${provider.hungUp()}/${calls} calls hung up\n`);
}

/** Waits `ms`, printing the state now and then; resolves early once `done()`. */
async function watch(ms: number, provider: OutageProvider, calls: number, startedAt: number, done: () => boolean = () => false): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && !done()) {
    await sleep(Math.min(STATUS_EVERY_MS, until - Date.now()));
    status(provider, calls, startedAt);
  }
}

/** The provider's schedule after registration: `bursts` outages of `down` s, `up` s apart, then up for good. */
async function runOutages(provider: OutageProvider, options: OutageOptions, startedAt: number): Promise<void> {
  for (let burst = 1; burst <= options.bursts; burst++) {
    if (burst > 1) provider.setUp(false);
    console.log(`  outage ${burst}/${options.bursts}: provider down for ${options.downSeconds} s`);
    await watch(options.downSeconds * 1000, provider, options.calls, startedAt);
    provider.setUp(true);
    console.log(`  provider back${burst < options.bursts ? ` for ${options.upSeconds} s` : " for good"}`);
    if (burst < options.bursts) await watch(options.upSeconds * 1000, provider, options.calls, startedAt);
  }
}

async function readBack(client: GatewayClient, callIds: string[], concurrency: number, pacer: ObjectPacer): Promise<(string | null)[]> {
  const statuses: (string | null)[] = new Array(callIds.length);
  const tick = progress("records read back", callIds.length);
  let admissions = Promise.resolve();
  await forEachConcurrently(callIds, concurrency, async (callId, i) => {
    await (admissions = admissions.then(async () => {
      await pacer.reserve(1);
      pacer.started();
    }));
    try {
      const res = await client.v1.calls[":call_id"].$get({ param: { call_id: callId }, query: { connection: CONNECTION } });
      statuses[i] = res.status === 200 ? storedHangupStatus(await res.json()) : (await res.text(), null);
    } catch {
      statuses[i] = null;
    }
    tick();
  });
  return statuses;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function runOutage(options: OutageOptions): Promise<number> {
  console.log(
    `Outage run: ${options.calls} registered calls flagged "${FRAUD_FLAG}" (the policy terminates them), registered while the provider is down; ` +
      `then ${options.bursts} outage(s) of ${options.downSeconds} s, ${options.upSeconds} s apart, then the provider stays up.`,
  );
  return withLocalRun(startOutageProvider, { connection: { id: CONNECTION, provider: "plivo", credentials: OUTAGE_AUTH }, policy: POLICY }, async (provider, run) => {

    const callIds = Array.from({ length: options.calls }, (_, i) => `outage-${i}-${randomUUID()}`);
    const pacer = new ObjectPacer();
    const startedAt = Date.now();
    const registrationFailures = await register(run.client, callIds, options.concurrency, pacer);
    const registeredMs = Date.now() - startedAt;
    if (provider.hungUp() > 0) throw new Error(`the provider hung up ${provider.hungUp()} calls while it was down: the harness is broken`);

    await runOutages(provider, options, startedAt);
    const lastReturn = provider.returns[provider.returns.length - 1]!;
    const everyCallHungUp = () => provider.hungUp() >= options.calls;
    await watch(lastReturn + MAX_RETRY_GAP_MS + GRACE_MS - Date.now(), provider, options.calls, startedAt, everyCallHungUp);
    const allHungUpMs = Date.now() - startedAt;
    console.log(`  ${everyCallHungUp() ? "every call hung up" : "stopped waiting"}; settling ${seconds(SETTLE_MS)} for stray retries`);
    await sleep(SETTLE_MS);
    const stored = await readBack(run.client, callIds, options.concurrency, pacer);

    const problems = new Map<OutageProblem, string[]>();
    const recoveries: number[] = [];
    let requests = 0;
    let refused = 0;
    callIds.forEach((callId, i) => {
      const atProvider = provider.call(callId);
      requests += atProvider.requests;
      refused += atProvider.refused;
      const recovery = recoveryMs(atProvider.hungUpAt, provider.returns);
      if (recovery !== null) recoveries.push(recovery);
      for (const problem of outageProblemsOf(atProvider, stored[i]!)) problems.set(problem, [...(problems.get(problem) ?? []), callId]);
    });

    console.log("\nResults");
    row("calls registered", `${options.calls - registrationFailures.length}/${options.calls} in ${seconds(registeredMs)}`);
    row("calls hung up at the provider", provider.hungUp());
    row("provider requests", `${requests} (${refused} refused while down)`);
    row("unexpected provider requests", provider.unexpectedRequests());
    if (recoveries.length) {
      const summary = summarize(recoveries);
      row("provider's return → call's end", `p50 ${seconds(summary.p50)}, p99 ${seconds(summary.p99)}, max ${seconds(summary.max)} (${summary.count} calls)`);
    }
    row("every call hung up after", seconds(allHungUpMs));
    for (const problem of OUTAGE_PROBLEMS) {
      const affected = problems.get(problem) ?? [];
      row(problem, `${affected.length}${affected.length ? ` (e.g. ${affected.slice(0, 3).join(", ")})` : ""}`);
    }
    for (const failure of registrationFailures.slice(0, 3)) console.log(`  registration failed: ${failure}`);
    const failedRun = problems.size > 0 || registrationFailures.length > 0 || provider.unexpectedRequests() > 0;
    console.log(
      failedRun
        ? "\nFAIL: calls were lost, terminated twice or misreported."
        : "\nOK: every watched fraud call was terminated exactly once at the provider after its outages, and its record says so.",
    );
    if (failedRun) console.log(`\nLast lines of the runtime:\n${run.gateway.recentOutput()}`);
    return failedRun ? 1 : 0;
  });
}
