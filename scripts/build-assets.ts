/**
 * Writes the static assets that are not in git into public/ (git-ignored there): Scalar's standalone API
 * reference for /docs, copied from npm, and the OpenAPI document, generated from the app's own routes
 * and schemas. The document is a static asset rather than a route so that its generator (zod-to-openapi,
 * zod's JSON Schema code) stays out of the deployed Worker (wrangler.toml's `[alias]`). Run by
 * wrangler's `[build] command` (so `wrangler dev`, `npm start` and `wrangler deploy` get both, and a
 * change under src/ rebuilds them) and by the Workers tests' global setup; a clean clone needs only `npm ci`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OPENAPI_PATH } from "../src/http/openapi-config";
import { openApiDocument } from "../src/http/openapi-document";

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

/**
 * Writes public/<file> only when it is missing or differs, so a rebuild does not wake wrangler's asset
 * watcher; says whether it wrote.
 */
function writeIfChanged(root: string, file: string, text: string): boolean {
  const target = join(root, "public", file);
  if (existsSync(target) && readFileSync(target, "utf8") === text) return false;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  return true;
}

/** Copies each vendored file whose copy is missing or differs; returns those it copied. */
export function copyAssets(root = ROOT): string[] {
  return VENDORED_ASSETS.filter((asset) => writeIfChanged(root, asset.to, patched(readFileSync(join(root, "node_modules", asset.from), "utf8"), asset))).map(
    (asset) => asset.to,
  );
}

/** The OpenAPI 3.1 document of every route the app registers, as served at /openapi.json. */
export function openApiDocumentText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

/** public/openapi.json, from the routes as they are now; true when it changed. */
export function writeOpenApiDocument(root = ROOT): boolean {
  return writeIfChanged(root, OPENAPI_PATH.slice(1), openApiDocumentText());
}

export function buildAssets(root = ROOT): string[] {
  return [...copyAssets(root), ...(writeOpenApiDocument(root) ? [OPENAPI_PATH.slice(1)] : [])];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of buildAssets()) console.log(`wrote public/${file}`);
}
