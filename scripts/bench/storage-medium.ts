/**
 * Where Miniflare keeps Durable Object storage changes the local figures more than most code does:
 * every SQLite commit of a call object waits for the disk (the output gate holds the answer until the
 * write is durable), and all objects share that disk, so on a virtual disk with millisecond fsyncs the
 * disk, not the gateway, sets the pace. Production storage is nothing like this machine's disk. So the
 * other measurements keep storage in memory (tmpfs), and this one measures the difference: the same
 * hangups against a second workerd whose storage is on the disk, interleaved with the first.
 */
import { readFileSync } from "node:fs";
import type { PolicyDocument } from "../../src/policy/schema";
import type { FakeProvider } from "./fake-provider";
import type { GatewayBuild } from "../lib/gateway-build";
import type { Side } from "./hangup-sides";
import { compareInterleaved, ratios, type RoundPlan } from "./interleave";
import { ms, times, whole, type Measurement } from "./report";
import { startStack } from "./stack";
import type { Teardown } from "./teardown";

const MEMORY_FILESYSTEMS = new Set(["tmpfs", "ramfs"]);
const CANDIDATE_MEMORY_DIRS = ["/dev/shm"];

const PLANS: Record<"full" | "quick", RoundPlan[]> = {
  full: [
    { concurrency: 1, rounds: 4, requestsPerRound: 20 },
    { concurrency: 16, rounds: 4, requestsPerRound: 32 },
  ],
  quick: [{ concurrency: 16, rounds: 1, requestsPerRound: 16 }],
};

/** The filesystem holding `path` (the longest mount point that contains it), from /proc/mounts. */
function filesystemOf(path: string): { type: string; mountPoint: string } | null {
  let best: { type: string; mountPoint: string } | null = null;
  try {
    for (const line of readFileSync("/proc/mounts", "utf8").split("\n")) {
      const [, mountPoint, type] = line.split(" ");
      if (!mountPoint || !type) continue;
      const contains = path === mountPoint || path.startsWith(mountPoint.endsWith("/") ? mountPoint : `${mountPoint}/`);
      if (contains && (!best || mountPoint.length > best.mountPoint.length)) best = { type, mountPoint };
    }
  } catch {
    return null;
  }
  return best;
}

/** A directory backed by memory, or null (then storage goes wherever the caller's default is). */
export function memoryBackedDir(): string | null {
  return CANDIDATE_MEMORY_DIRS.find((dir) => MEMORY_FILESYSTEMS.has(filesystemOf(dir)?.type ?? "")) ?? null;
}

export async function measureStorageMedium(
  options: {
    memoryGateway: Side;
    memoryStorageDir: string;
    diskStorageDir: string;
    build: GatewayBuild;
    provider: FakeProvider;
    policy: PolicyDocument;
    teardown: Teardown;
  },
  quick: boolean,
): Promise<Measurement> {
  const memory = filesystemOf(options.memoryStorageDir);
  const disk = filesystemOf(options.diskStorageDir);
  const memoryType = memory?.type ?? "unknown";
  const diskType = disk?.type ?? "unknown";
  const title = "Local storage medium: Durable Objects in memory against on disk";
  if (!MEMORY_FILESYSTEMS.has(memoryType) || MEMORY_FILESYSTEMS.has(diskType)) {
    const why = `storage is on ${memoryType} for the other measurements and ${diskType} here: nothing to compare`;
    return { section: { title, lead: `Skipped: ${why}.`, tables: [], notes: [] }, checks: [], raw: { skipped: why } };
  }

  const onDisk = await startStack({
    name: "gateway, storage on disk",
    build: options.build,
    provider: options.provider,
    storageDir: options.diskStorageDir,
    policy: options.policy,
    teardown: options.teardown,
  });
  const comparisons = [];
  for (const plan of quick ? PLANS.quick : PLANS.full) comparisons.push(await compareInterleaved(onDisk.gateway, options.memoryGateway, plan));

  return {
    section: {
      title,
      lead:
        `The same hangups against two gateways, one storing on ${diskType} (mounted at \`${disk?.mountPoint}\`), ` +
        `the other on ${memoryType} (mounted at \`${memory?.mountPoint}\`, what every other measurement here uses), interleaved.`,
      tables: [
        {
          header: ["concurrent", "requests per side", `${diskType} p50 ms`, `${diskType} p99 ms`, `${memoryType} p50 ms`, "p50 ratio", "p99 ratio", `${diskType} req/s`, `${memoryType} req/s`],
          rows: comparisons.map((comparison) => {
            const { p50, p99 } = ratios(comparison);
            return [
              String(comparison.concurrency),
              whole(comparison.subject.requests),
              ms(comparison.subject.latency.p50),
              ms(comparison.subject.latency.p99),
              ms(comparison.baseline.latency.p50),
              times(p50),
              times(p99),
              whole(comparison.subject.perSecond),
              whole(comparison.baseline.perSecond),
            ];
          }),
        },
      ],
      notes: [
        "Each new call creates a SQLite database and commits several times before it answers; on disk each commit waits for fsync, " +
          "and every object's commits queue for the same disk.",
      ],
    },
    checks: [],
    raw: comparisons,
  };
}
