// throwaway: CPU per hangup, gateway vs bare, at 1 and 16 concurrent
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeProvider } from "./fake-provider";
import { buildGateway } from "../lib/gateway-build";
import { compareInterleaved, ratios } from "./interleave";
import { realisticPolicy } from "./policy-fixtures";
import { startStack } from "./stack";
import { memoryBackedDir } from "./storage-medium";
import { Teardown } from "./teardown";

async function main() {
  const teardown = new Teardown();
  try {
    const workDir = mkdtempSync(join(memoryBackedDir() ?? tmpdir(), "probe-"));
    teardown.add("dir", () => rmSync(workDir, { recursive: true, force: true }));
    const build = await buildGateway(join(workDir, "build"));
    console.log(build.wranglerSizeLine);
    const provider = await startFakeProvider(20);
    teardown.add("provider", () => provider.close());
    const stack = await startStack({ name: "gateway", build, provider, storageDir: join(workDir, "storage"), policy: realisticPolicy(100), teardown });
    await compareInterleaved(stack.gateway, stack.bare, { concurrency: 16, rounds: 2, requestsPerRound: 100 });
    if (process.env.IDLE) {
      await new Promise((r) => setTimeout(r, 30000));
      const a = stack.gateway.processCpuMs()!; await new Promise((r) => setTimeout(r, 10000)); const b = stack.gateway.processCpuMs()!;
      console.log(`idle workerd: ${((b - a) / 10000 * 100).toFixed(2)}% of a core`);
    }
    for (const [c, n] of [[1, 40], [16, 120]] as const) {
      const r = await compareInterleaved(stack.gateway, stack.bare, { concurrency: c, rounds: 4, requestsPerRound: n });
      const { p50, p99 } = ratios(r);
      const f = await compareInterleaved(stack.floor, stack.bare, { concurrency: c, rounds: 4, requestsPerRound: n });
      console.log(`c=${c} FLOOR cpu ${f.subject.cpuMsPerRequest?.toFixed(2)} bare cpu ${f.baseline.cpuMsPerRequest?.toFixed(2)} p50 ${ratios(f).p50.toFixed(2)}x p99 ${ratios(f).p99.toFixed(2)}x`);
      console.log(`c=${c} gw cpu ${r.subject.cpuMsPerRequest?.toFixed(2)} bare cpu ${r.baseline.cpuMsPerRequest?.toFixed(2)} p50 ${p50.toFixed(2)}x p99 ${p99.toFixed(2)}x gw p50 ${r.subject.latency.p50.toFixed(1)} bare p50 ${r.baseline.latency.p50.toFixed(1)}`);
    }
  } finally { await teardown.run(); }
}
main().catch((e) => { console.error(e); process.exitCode = 1; });
