/**
 * Bundle size: the bytes `wrangler deploy` would upload with the repository's wrangler.toml (which
 * minifies and trims zod: scripts/build/stand-ins/README.md), raw and gzip (node:zlib, default level), against
 * the budget, and where those bytes come from. Cloudflare limits Workers by
 * their compressed size, and cold starts grow with the script V8 has to parse, so both figures matter.
 * Contributors come from esbuild's metafile (written by wrangler itself with --metafile): each input's
 * bytes in the minified output, grouped by npm package or by src/ folder.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { GatewayBuild } from "../lib/gateway-build";
import { COUNTING_ENTRY } from "../lib/local-gateway";
import { kib, type Measurement } from "./report";

/** Issue 12: what `wrangler deploy` uploads, with the repository's wrangler.toml and no extra flags. */
const GZIP_BUDGET_BYTES = 100 * 1024;
/** What wrangler uploads: modules, not source maps, its README or our metafile. */
const UPLOADED = /\.(js|mjs|wasm|bin|txt|html)$/;
const CONTRIBUTORS_SHOWN = 3;
const PARTS_SHOWN = 4;
/** Parts smaller than this are not worth a mention. */
const SMALLEST_PART_BYTES = 1024;

interface Metafile {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

/** `node_modules/zod/v4/core/x.js` → package "zod", part "v4/core"; `src/policy/x.ts` → "src/policy", part "x.ts". */
function locate(input: string): { group: string; part: string } {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(input);
  if (dependency) {
    const folders = dependency[2]!.split("/").slice(0, -1);
    return { group: dependency[1]!, part: folders.slice(0, 2).join("/") || "(package root)" };
  }
  const segments = input.split("/");
  return { group: segments.slice(0, 2).join("/"), part: segments.slice(2).join("/") };
}

function contributors(metafile: Metafile): { group: string; bytes: number; parts: [string, number][] }[] {
  const groups = new Map<string, Map<string, number>>();
  for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
    if (!UPLOADED.test(output)) continue;
    for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
      const { group, part } = locate(input);
      const parts = groups.get(group) ?? new Map<string, number>();
      parts.set(part, (parts.get(part) ?? 0) + bytesInOutput);
      groups.set(group, parts);
    }
  }
  return [...groups]
    .map(([group, parts]) => ({
      group,
      bytes: [...parts.values()].reduce((sum, bytes) => sum + bytes, 0),
      parts: [...parts].sort((a, b) => b[1] - a[1]),
    }))
    .sort((a, b) => b.bytes - a.bytes);
}

export function measureBundleSize(build: GatewayBuild, quick: boolean): Measurement {
  // The counting entry of the bench's KV count (../lib/local-gateway.ts) is ours, not uploaded.
  const files = readdirSync(build.outdir).filter((name) => UPLOADED.test(name) && name !== COUNTING_ENTRY);
  if (files.length === 0) throw new Error(`bundle size: nothing to upload in ${build.outdir}`);
  const contents = files.map((name) => readFileSync(join(build.outdir, name)));
  const rawBytes = contents.reduce((sum, bytes) => sum + bytes.length, 0);
  const gzipBytes = contents.reduce((sum, bytes) => sum + gzipSync(bytes).length, 0);
  const ranked = contributors(JSON.parse(readFileSync(build.metafilePath, "utf8")) as Metafile);
  const top = ranked.slice(0, CONTRIBUTORS_SHOWN);

  return {
    section: {
      title: "Bundle size",
      lead: `\`${build.command}\`; sizes of the uploaded files (${files.join(", ")}), gzip by node:zlib at its default level.`,
      tables: [
        { header: ["bundle", "minified", "gzip", "gzip budget"], rows: [["gateway", kib(rawBytes), kib(gzipBytes), kib(GZIP_BUDGET_BYTES)]] },
        {
          header: ["largest contributors", "bytes in minified output", "share", "largest parts"],
          rows: top.map(({ group, bytes, parts }) => [
            group,
            kib(bytes),
            `${((100 * bytes) / rawBytes).toFixed(0)}%`,
            parts
              .filter(([, partBytes]) => partBytes >= SMALLEST_PART_BYTES)
              .slice(0, PARTS_SHOWN)
              .map(([part, partBytes]) => `${part} ${kib(partBytes)}`)
              .join(", "),
          ]),
        },
      ],
      notes: [`wrangler's own count: ${build.wranglerSizeLine}.`],
    },
    checks: quick ? [] : [{ name: "bundle size, gzip", budget: `≤ ${kib(GZIP_BUDGET_BYTES)}`, measured: kib(gzipBytes), pass: gzipBytes <= GZIP_BUDGET_BYTES }],
    raw: { files, rawBytes, gzipBytes, contributors: ranked.map(({ group, bytes }) => ({ group, bytes })) },
  };
}
