/**
 * The plain load run: thousands of hangups of distinct calls, many at once, in front of a provider that
 * fails a share of requests transiently (./flaky-provider.ts); every call's record is read back and
 * judged (./verify.ts): one terminal outcome stored, equal to what the caller was told, truthful about
 * what the provider did, and no call hung up twice. A request whose answer is lost in transport is sent
 * again (./resend.ts). workerd's resident memory is read as the run goes (./memory.ts), to show that it
 * levels off rather than growing per call.
 */
import { randomUUID } from "node:crypto";
import { ObjectPacer } from "../lib/object-pacing";
import type { GatewayClient } from "../lib/gateway-client";
import { forEachConcurrently } from "./concurrently";
import { FLAKY_AUTH, startFlakyProvider } from "./flaky-provider";
import { withLocalRun } from "./local-run";
import { MemoryTrace } from "./memory";
import { progress, row } from "./report";
import { Resender } from "./resend";
import { PROBLEMS, problemsOf, type Outcome, type Problem, type Stored, type Told } from "./verify";

const CONNECTION = "flaky";

/**
 * Hangs up every call and reads its record back at once, new calls paced to what one local workerd
 * holds. Locally every call object stays open, with its SQLite database, for 10 to 20 s after its last
 * event, and at about 2,300 open objects SQLite runs out of memory (SQLITE_NOMEM: BENCHMARKS.md,
 * "Findings"), a limit of one process that a deployed gateway, its objects spread over Cloudflare's
 * machines, never meets. So new calls are started no faster than the bench's pacer allows, and each
 * record is read while its object is still open, rather than reopening thousands in a second pass.
 */
async function hangUpAndReadBack(
  client: GatewayClient,
  callIds: string[],
  concurrency: number,
  pacer: ObjectPacer,
  memory: MemoryTrace,
  resender: Resender,
): Promise<{ told: Told[]; stored: (Stored | null)[] }> {
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
    const call = client.v1.calls[":call_id"];
    try {
      told[i] = await resender.send(async () => {
        const res = await call.hangup.$post({ param: { call_id: callId }, header: {}, json: { connection: CONNECTION, reason: "load run" } });
        return { httpStatus: res.status, outcome: res.status === 200 ? ((await res.json()) as unknown as Outcome) : (await res.text(), null) };
      });
    } catch (error) {
      told[i] = { error: error instanceof Error ? error.message : String(error) };
    }
    try {
      stored[i] = await resender.send(async () => {
        const res = await call.$get({ param: { call_id: callId }, query: { connection: CONNECTION } });
        return res.status === 200 ? ((await res.json()) as unknown as Stored) : (await res.text(), null);
      });
    } catch {
      stored[i] = null;
    }
    tick();
    memory.callDone();
  });
  return { told, stored };
}

export async function runWithoutLoss(options: { calls: number; concurrency: number; failureRate: number }): Promise<number> {
  const { calls, concurrency, failureRate } = options;
  console.log(`Load without loss: ${calls} calls, ${concurrency} at once, provider failing ${failureRate * 100}% of requests (503).`);
  return withLocalRun(() => startFlakyProvider(failureRate), { connection: { id: CONNECTION, provider: "plivo", credentials: FLAKY_AUTH } }, async (provider, run) => {

    const callIds = Array.from({ length: calls }, (_, i) => `load-${i}-${randomUUID()}`);
    const started = performance.now();
    const pacer = new ObjectPacer();
    const memory = new MemoryTrace(run.gateway.workerdPid, calls);
    const resender = new Resender();
    memory.start();
    const { told, stored } = await hangUpAndReadBack(run.client, callIds, concurrency, pacer, memory, resender);
    memory.stop();
    const runSeconds = (performance.now() - started) / 1000;

    const problems = new Map<Problem, string[]>();
    const statuses = new Map<string, number>();
    let providerRequests = 0;
    let injectedFailures = 0;
    callIds.forEach((callId, i) => {
      const atProvider = provider.call(callId);
      providerRequests += atProvider.requests;
      injectedFailures += atProvider.injectedFailures;
      const answer = told[i]!;
      const status = "httpStatus" in answer ? (answer.outcome?.status ?? `HTTP ${answer.httpStatus}`) : "no answer";
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      for (const problem of problemsOf(answer, stored[i]!, atProvider)) problems.set(problem, [...(problems.get(problem) ?? []), callId]);
    });

    console.log("\nResults");
    row("calls", calls);
    for (const [status, count] of [...statuses].sort()) row(`outcome ${status}`, count);
    row("provider requests", `${providerRequests} (${injectedFailures} failed on purpose, ${providerRequests - calls} retries)`);
    row("unexpected provider requests", provider.unexpectedRequests());
    row("resent after a transport error", resender.resent);
    row("wall time", `${runSeconds.toFixed(1)} s, ${(calls / runSeconds).toFixed(0)} calls/s (hangup + read-back), ${(pacer.totalWaitMs / 1000).toFixed(1)} s of it pacing`);
    row("workerd resident memory", memory.summary());
    for (const problem of PROBLEMS) {
      const affected = problems.get(problem) ?? [];
      row(problem, `${affected.length}${affected.length ? ` (e.g. ${affected.slice(0, 3).join(", ")})` : ""}`);
    }
    const failedRun = problems.size > 0 || provider.unexpectedRequests() > 0;
    console.log(failedRun ? "\nFAIL: calls were lost, misreported or hung up twice." : "\nOK: every call has exactly one stored outcome, as told, and none was hung up twice.");
    if (failedRun) console.log(`\nLast lines of the runtime:\n${run.gateway.recentOutput()}`);
    return failedRun ? 1 : 0;
  });
}
