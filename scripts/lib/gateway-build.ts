/**
 * The gateway exactly as it would be deployed: `wrangler deploy --dry-run` with the repository's own
 * wrangler.toml and no other flag (what `npm run build` runs; minify and zod's trimming are in the
 * file), with esbuild's metafile beside it. The bench and the load run load this bundle into workerd
 * (./local-gateway.ts) and the bundle-size measurement reads it, so all three are about the same bytes.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
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

const SCRIPT_NAME = "index.js";
const METAFILE_NAME = "bundle-meta.json";

/** `minify: false` overrides wrangler.toml and keeps function names, for profiles a person can read. */
export async function buildGateway(outdir: string, { minify = true } = {}): Promise<GatewayBuild> {
  const metafilePath = join(outdir, METAFILE_NAME);
  const args = ["wrangler", "deploy", "--dry-run", ...(minify ? [] : ["--no-minify"]), "--outdir", outdir, "--metafile", metafilePath];
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)("npx", args, { env: { ...process.env, ...OFFLINE_WRANGLER_ENV }, maxBuffer: 16 * 1024 * 1024 }));
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`the gateway did not build (npx ${args.join(" ")}):\n${output.stdout ?? ""}${output.stderr ?? ""}`);
  }
  return {
    outdir,
    scriptPath: join(outdir, SCRIPT_NAME),
    metafilePath,
    wranglerSizeLine: /Total Upload:[^\n]*/.exec(stdout)?.[0] ?? "(wrangler printed no size)",
    command: `npx ${args.join(" ").replaceAll(outdir, "<tmp>")}`,
  };
}
