/**
 * The gateway exactly as it would be deployed: `wrangler deploy --dry-run` with the repository's own
 * wrangler.toml and no other flag (what `npm run build` runs; minify and zod's trimming are in the
 * file), with esbuild's metafile beside it, checked for stand-ins swapped where they should not have been
 * (../build/check-stand-ins.ts). The bench and the load run load this bundle into workerd
 * (./local-gateway.ts) and the bundle-size measurement reads it, so all three are about the same bytes.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { standInProblems, wranglerAliases } from "../build/check-stand-ins";
import { OFFLINE_WRANGLER_ENV } from "./wrangler-env";

export interface GatewayBuild {
  outdir: string;
  scriptPath: string;
  metafilePath: string;
  /** The command as a reader would type it. */
  command: string;
  /** Wrangler's own "Total Upload: … / gzip: …" line, to cross-check our own count. */
  wranglerSizeLine: string;
}

/** wrangler names the bundle after its entry: src/index.ts (wrangler.toml's `main`) becomes index.js. */
const SCRIPT_NAME = "index.js";
const METAFILE_NAME = "bundle-meta.json";

/**
 * `entry` replaces wrangler.toml's `main` (the bench's counting entry, bench/counting-entry.ts); everything
 * else, aliases and minification included, is as deployed.
 */
export async function buildGateway(outdir: string, { entry }: { entry?: string } = {}): Promise<GatewayBuild> {
  const metafilePath = join(outdir, METAFILE_NAME);
  const args = ["wrangler", "deploy", "--dry-run", ...(entry ? [entry] : []), "--outdir", outdir, "--metafile", metafilePath];
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)("npx", args, { env: { ...process.env, ...OFFLINE_WRANGLER_ENV }, maxBuffer: 16 * 1024 * 1024 }));
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`the gateway did not build (npx ${args.join(" ")}):\n${output.stdout ?? ""}${output.stderr ?? ""}`);
  }
  const problems = standInProblems(JSON.parse(readFileSync(metafilePath, "utf8")), wranglerAliases());
  if (problems.length) throw new Error(`the gateway's stand-ins (scripts/build/check-stand-ins.ts):\n${problems.join("\n")}`);
  return {
    outdir,
    scriptPath: join(outdir, entry ? basename(entry).replace(/\.ts$/, ".js") : SCRIPT_NAME),
    metafilePath,
    wranglerSizeLine: /Total Upload:[^\n]*/.exec(stdout)?.[0] ?? "(wrangler printed no size)",
    command: `npx ${args.join(" ").replaceAll(outdir, "<tmp>")}`,
  };
}
