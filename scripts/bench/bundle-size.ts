/**
 * Bundle size: the bytes `wrangler deploy` would upload with the repository's wrangler.toml (minified,
 * zod trimmed: scripts/build/stand-ins/README.md), raw and gzip (node:zlib, default level), against the
 * budget, and where those bytes come from: each input's bytes in the minified output, from the esbuild
 * metafile wrangler writes, grouped by npm package or by src/ folder.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { GatewayBuild } from "../lib/gateway-build";
import { kib, type Measurement } from "./report";

/** Issue 20: to notice bloat (Cloudflare's own limit is in MiB). */
const GZIP_BUDGET_BYTES = 150 * 1024;
/** What wrangler uploads: modules, not source maps or our metafile. */
const UPLOADED = /\.(js|mjs|wasm|bin|txt|html)$/;
const CONTRIBUTORS_SHOWN = 6;

type Metafile = { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };

/** `node_modules/zod/v4/core/x.js` → "zod"; `src/policy/x.ts` → "src/policy". */
function group(input: string): string {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1] ?? input.split("/").slice(0, 2).join("/");
}

export function measureBundleSize(build: GatewayBuild, quick: boolean): Measurement {
  const files = readdirSync(build.outdir).filter((name) => UPLOADED.test(name));
  if (files.length === 0) throw new Error(`bundle size: nothing to upload in ${build.outdir}`);
  const contents = files.map((name) => readFileSync(join(build.outdir, name)));
  const rawBytes = contents.reduce((sum, bytes) => sum + bytes.length, 0);
  const gzipBytes = contents.reduce((sum, bytes) => sum + gzipSync(bytes).length, 0);
  const groups = new Map<string, number>();
  const { outputs } = JSON.parse(readFileSync(build.metafilePath, "utf8")) as Metafile;
  for (const [output, { inputs }] of Object.entries(outputs)) {
    if (!UPLOADED.test(output)) continue;
    for (const [input, { bytesInOutput }] of Object.entries(inputs)) groups.set(group(input), (groups.get(group(input)) ?? 0) + bytesInOutput);
  }
  const ranked = [...groups].sort((a, b) => b[1] - a[1]);

  return {
    section: {
      title: "Bundle size",
      lead: `\`${build.command}\`; sizes of the uploaded files (${files.join(", ")}), gzip by node:zlib at its default level.`,
      tables: [
        { header: ["bundle", "minified", "gzip", "gzip budget"], rows: [["gateway", kib(rawBytes), kib(gzipBytes), kib(GZIP_BUDGET_BYTES)]] },
        {
          header: ["largest contributors", "bytes in minified output", "share"],
          rows: ranked.slice(0, CONTRIBUTORS_SHOWN).map(([name, bytes]) => [name, kib(bytes), `${((100 * bytes) / rawBytes).toFixed(0)}%`]),
        },
      ],
      notes: [`wrangler's own count: ${build.wranglerSizeLine}.`],
    },
    checks: quick ? [] : [{ name: "bundle size, gzip", budget: `≤ ${kib(GZIP_BUDGET_BYTES)}`, measured: kib(gzipBytes), pass: gzipBytes <= GZIP_BUDGET_BYTES }],
    raw: { files, rawBytes, gzipBytes, contributors: Object.fromEntries(ranked) },
  };
}
