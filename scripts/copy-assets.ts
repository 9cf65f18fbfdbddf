/**
 * Copies the files the static pages take from npm into public/ (git-ignored there): Scalar's standalone
 * API reference for /docs. Run by wrangler's `[build] command` (so `wrangler dev`, `npm start` and
 * `wrangler deploy` get it) and by the Workers tests' global setup; a clean clone needs only `npm ci`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface VendoredAsset {
  /** Under node_modules/. */
  from: string;
  /** Under public/; every target is git-ignored (public/assets/vendor/). */
  to: string;
  /** A change to the file's text, each of which must apply exactly once. */
  patches?: { why: string; find: RegExp; replace: string }[];
}

export const VENDORED_ASSETS: VendoredAsset[] = [
  {
    from: "@scalar/api-reference/dist/browser/standalone.js",
    to: "assets/vendor/scalar-api-reference.js",
    patches: [
      {
        // Scalar renders once with its configuration schema's defaults before ours applies, and that
        // render's theme adds @font-face rules for fonts.scalar.com, which the browser then fetches. With
        // the schema's default turned off, `withDefaultFonts: false` (public/assets/docs.js) holds from the start.
        why: "withDefaultFonts defaults to false",
        find: /withDefaultFonts:(\w+)\(\{default:!0,/g,
        replace: "withDefaultFonts:$1({default:!1,",
      },
    ],
  },
];

/** The file's text with every patch applied; throws when a patch does not match exactly once (a new Scalar build). */
export function patched(text: string, asset: VendoredAsset): string {
  for (const patch of asset.patches ?? []) {
    const matches = text.match(patch.find)?.length ?? 0;
    if (matches !== 1) throw new Error(`${asset.from}: the patch "${patch.why}" matched ${matches} times, not once; review it for this version`);
    text = text.replace(patch.find, patch.replace);
  }
  return text;
}

/** Copies each file whose copy is missing or differs, so a rebuild does not wake wrangler's asset watcher. */
export function copyAssets(root = ROOT): string[] {
  const copied: string[] = [];
  for (const asset of VENDORED_ASSETS) {
    const text = patched(readFileSync(join(root, "node_modules", asset.from), "utf8"), asset);
    const target = join(root, "public", asset.to);
    if (existsSync(target) && readFileSync(target, "utf8") === text) continue;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    copied.push(asset.to);
  }
  return copied;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of copyAssets()) console.log(`copied public/${file}`);
}
