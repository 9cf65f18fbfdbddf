/**
 * What one plain hangup of a new call costs in counted units, not time: SQL statements, rows read and
 * rows written in its object, alarms run, the object's size once settled, and KV reads in a warm
 * isolate. The call object counts its own storage (`storageStats()`, counted by its typed SQL helper
 * since the object started) and answers it over RPC, reached from here through Miniflare; KV reads are
 * counted by a proxy around GATEWAY_KV that the launcher puts in front of the Worker and its objects
 * (../lib/local-gateway.ts, `countKvReads`). So this runs in its own workerd, never the timed one.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { PolicyDocument } from "../../src/policy/schema";
import { objectName } from "../../src/objects";
import type { GatewayBuild } from "../lib/gateway-build";
import type { StorageStats } from "../lib/local-gateway";
import type { FakeProvider } from "./fake-provider";
import { BENCH_CONNECTION, BENCH_TENANT } from "./policy-fixtures";
import { kib, whole, type BudgetCheck, type Measurement } from "./report";
import { startStack } from "./stack";
import { Teardown } from "./teardown";

/** Issue 12's targets for a plain hangup of a new call. */
const TARGETS = { statements: 6, rowsWritten: 4, alarmsRun: 0, kvReads: 1, settledBytes: 24 * 1024 };
const SETTINGS = {
  // closeWaitMs: workerd closes an idle object (checkpointing its WAL into the file) 10 to 20 s after its last event.
  full: { warmup: 20, counted: 20, closeWaitMs: 40_000 },
  quick: { warmup: 3, counted: 3, closeWaitMs: 0 },
};
const CLOSE_POLL_MS = 1_000;
/** Long enough for an alarm set "right after" the hangup to have fired, so that it is counted. */
const SETTLE_MS = 3_000;

/**
 * The object's SQLite file in Miniflare's persist directory, by object id: the database itself
 * (`<id>.sqlite`) and, separately, what its -wal and -shm files add while the object is open.
 */
function objectFiles(durableObjectDir: string, objectId: string): { database: number; sidecars: number } | null {
  let found: { database: number; sidecars: number } | null = null;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.startsWith(objectId)) {
        found ??= { database: 0, sidecars: 0 };
        if (entry.name === `${objectId}.sqlite`) found.database += statSync(full).size;
        else found.sidecars += statSync(full).size;
      }
    }
  };
  try {
    walk(durableObjectDir);
  } catch {
    return null;
  }
  return found;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export async function measureHangupCounts(
  options: { build: GatewayBuild; provider: FakeProvider; storageDir: string; policy: PolicyDocument },
  quick: boolean,
): Promise<Measurement> {
  const settings = quick ? SETTINGS.quick : SETTINGS.full;
  const teardown = new Teardown();
  try {
    const stack = await startStack({ name: "gateway, counting", ...options, teardown, countKvReads: true });
    const { runtime, gatewayTarget, tenantKey } = stack;
    const hangup = async (callId: string) => {
      const answer = await gatewayTarget.send("POST", `/v1/calls/${encodeURIComponent(callId)}/hangup`, {
        headers: { authorization: `Bearer ${tenantKey}` },
        json: { connection: BENCH_CONNECTION, reason: "benchmark" },
      });
      if (answer.status !== 200 || (JSON.parse(answer.body) as { status?: string }).status !== "terminated") {
        throw new Error(`hangup counts: hangup of ${callId} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      }
    };
    // A warm isolate: the key, the tenant, the connection and the policy have been read before.
    for (let i = 0; i < settings.warmup; i++) await hangup(`counts-warmup-${i}`);
    const kvBefore = await runtime.kvReads();
    const callIds = Array.from({ length: settings.counted }, (_, i) => `counts-${i}`);
    for (const callId of callIds) await hangup(callId);
    const kvReadsPerHangup = ((await runtime.kvReads()) - kvBefore) / callIds.length;
    await sleep(SETTLE_MS);

    let stats: StorageStats[] | null = null;
    let statsError: string | null = null;
    try {
      stats = [];
      for (const callId of callIds) stats.push(await runtime.storageStats(objectName.call(BENCH_TENANT, BENCH_CONNECTION, callId)));
    } catch (error) {
      stats = null;
      statsError = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    }
    // Once an object has closed (no -wal or -shm left), its file is what a settled call keeps. Other calls
    // than the ones asked over RPC: Miniflare's stubs keep an object open as long as they live.
    const settledIds = Array.from({ length: settings.counted }, (_, i) => `counts-settled-${i}`);
    for (const callId of settledIds) await hangup(callId);
    const objectIds = await Promise.all(settledIds.map((callId) => runtime.callObjectId(objectName.call(BENCH_TENANT, BENCH_CONNECTION, callId))));
    const filesNow = () => objectIds.map((id) => objectFiles(runtime.durableObjectDir, id)).filter((files) => files !== null);
    const closeDeadline = Date.now() + settings.closeWaitMs;
    let files = filesNow();
    while (Date.now() < closeDeadline && files.some(({ sidecars }) => sidecars > 0)) {
      await sleep(CLOSE_POLL_MS);
      files = filesNow();
    }
    const closed = files.every(({ sidecars }) => sidecars === 0);
    const fileBytes = files.map(({ database }) => database);
    const sidecarBytes = files.map(({ sidecars }) => sidecars);

    const of = (field: keyof StorageStats) => stats?.map((s) => s[field]) ?? null;
    const worst = (samples: number[] | null) => (samples?.length ? Math.max(...samples) : null);
    const fileSizes = fileBytes.length ? fileBytes : null;
    const perHangup = [kvReadsPerHangup];
    const count = (n: number) => whole(n);
    const rows: { name: string; samples: number[] | null; target: string; limit: number | null; format: (n: number) => string }[] = [
      { name: "SQL statements in its object", samples: of("statements"), target: `≤ ${TARGETS.statements}`, limit: TARGETS.statements, format: count },
      { name: "rows read in its object", samples: of("rowsRead"), target: "(counted, no target)", limit: null, format: count },
      { name: "rows written in its object", samples: of("rowsWritten"), target: `≤ ${TARGETS.rowsWritten}`, limit: TARGETS.rowsWritten, format: count },
      { name: `alarms run (within ${SETTLE_MS / 1000} s)`, samples: of("alarmsRun"), target: `${TARGETS.alarmsRun} when nothing is due`, limit: TARGETS.alarmsRun, format: count },
      { name: "object size, databaseSize", samples: of("databaseSize"), target: `≤ ${kib(TARGETS.settledBytes)}`, limit: null, format: kib },
      closed
        ? { name: "settled object's SQLite file on disk", samples: fileSizes, target: `≤ ${kib(TARGETS.settledBytes)}`, limit: TARGETS.settledBytes, format: kib }
        : { name: "object's SQLite file, -wal and -shm (still open)", samples: files.map(({ database, sidecars }) => database + sidecars), target: "(not settled: no target)", limit: null, format: kib },
      { name: "KV reads per hangup, warm isolate", samples: perHangup, target: `≤ ${TARGETS.kvReads}`, limit: TARGETS.kvReads, format: (n) => n.toFixed(2) },
    ];
    const checks: BudgetCheck[] = rows.flatMap(({ name, samples, limit, format }) => {
      const value = worst(samples);
      return value === null || limit === null ? [] : [{ name: `plain hangup: ${name}`, budget: `≤ ${format(limit)}`, measured: format(value), pass: value <= limit }];
    });

    return {
      section: {
        title: "Counts per plain hangup of a new call",
        lead:
          `${callIds.length} hangups of new calls, one at a time, after ${settings.warmup} warm-up hangups, in a workerd of their own whose GATEWAY_KV counts reads ` +
          `(the Worker's and its objects'). Storage figures are the call object's own \`storageStats()\` (its typed SQL helper's counts since the object started), ` +
          `read over RPC through Miniflare ${SETTLE_MS / 1000} s after the hangup; the worst call is shown. The file size is the SQLite file, in Miniflare's persist directory, of as many other new calls ` +
          "once workerd has closed their objects (the WAL checkpointed into the file; an object answering RPC stays open).",
        tables: [
          {
            header: ["per plain hangup", "measured (worst call)", "median call", "issue 12 target"],
            rows: rows.map(({ name, samples, target, format }) =>
              samples?.length ? [name, format(worst(samples)!), format(median(samples)), target] : [name, "n/a", "", target],
            ),
          },
        ],
        notes: [
          ...(statsError ? [`The call object answered no \`storageStats()\` (${statsError}): its counts are n/a.`] : []),
          ...(closed ? [] : [`The objects were still open ${settings.closeWaitMs / 1000} s later (their WAL not yet checkpointed into the file), so the file size is not a settled call's.`]),
        ],
      },
      checks: quick ? [] : checks,
      raw: { kvReadsPerHangup, stats, fileBytes, sidecarBytes, closed, statsError },
    };
  } finally {
    await teardown.run();
  }
}
