/**
 * The machine a run happened on. Figures from a 2-core shared box and a laptop are not comparable, so
 * every report says what it ran on, how busy the machine already was, and with which runtime versions.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  /** 1-minute load average when the run started: above `cores`, other work was competing. */
  loadAverageAtStart: number;
  node: string;
  os: string;
  versions: Record<string, string>;
}

const REPORTED_PACKAGES = ["wrangler", "miniflare", "@cloudflare/workerd-linux-64", "hono", "zod", "@hono/zod-openapi"];

/** The version installed in this project (read directly: some packages' exports hide package.json). */
function packageVersion(name: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join("node_modules", name, "package.json"), "utf8")) as { version?: string };
    return manifest.version ?? "?";
  } catch {
    return "not installed";
  }
}

export function describeMachine(): Machine {
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryBytes: os.totalmem(),
    loadAverageAtStart: os.loadavg()[0] ?? 0,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    versions: Object.fromEntries(REPORTED_PACKAGES.map((name) => [name, packageVersion(name)])),
  };
}

export function renderMachine(machine: Machine): string {
  const versions = Object.entries(machine.versions).map(([name, version]) => `${name} ${version}`).join(", ");
  return [
    `- cores (\`nproc\`): ${machine.cores}; CPU: ${machine.cpuModel}; memory: ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB`,
    `- load average (1 min) when the run started: ${machine.loadAverageAtStart.toFixed(2)}`,
    `- node ${machine.node} on ${machine.os}`,
    `- ${versions}`,
  ].join("\n");
}
